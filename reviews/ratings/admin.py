"""星级评定 in the Django admin: the rubrics, versioned and edited by administrators; the ratings read-only.

A rubric version takes effect from a date after today; once in force (its date reached) it is read-only and
cannot be deleted — a change is a new version from a later date, so the ratings it scored keep their rubric.
City-wide rubrics are visible to every administrator but kept by those at the top of the tree; a committee's
rubric only inside its scope. Ratings are decided on the portal's pages (who, when, why), never here.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.admin import ScopedAdminMixin
from branches.models import OrganizationKind, User
from branches.permissions import (
    can_view_organization,
    is_administrator,
    organization_scope_q,
    organizations_visible_to,
    scope_paths,
    sees_everything,
)
from reviews.admin import ReadOnlyScopedAdmin
from reviews.ratings.models import BranchRating, BranchRatingChange, RatingRubric


def _covers_everything(user: User) -> bool:
    """Superusers, and administrators whose scope starts at the top of the tree (the 市委)."""
    if sees_everything(user):
        return True
    return is_administrator(user) and any(path.count("/") == 1 for path in scope_paths(user))


def rubrics_visible_to(user: User, queryset: QuerySet[RatingRubric] | None = None) -> QuerySet[RatingRubric]:
    """City-wide rubrics and the rubrics of committees in the user's scope."""
    qs = RatingRubric.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    return qs.filter(Q(organization__isnull=True) | organization_scope_q(user))


def may_edit_rubric(user: User, rubric: RatingRubric) -> bool:
    """Administrators whose scope covers the rubric's; never a version already in force."""
    if rubric.pk and rubric.effective_from <= timezone.localdate():
        return False
    if sees_everything(user):
        return True
    if not is_administrator(user):
        return False
    if rubric.organization is None:
        return _covers_everything(user)
    return can_view_organization(user, rubric.organization)


class RatingRubricAdminForm(forms.ModelForm):
    user: User | None = None  # set by RatingRubricAdmin.get_form

    class Meta:
        model = RatingRubric
        fields = ["name", "organization", "source", "effective_from", "items", "thresholds"]

    def clean_effective_from(self):
        effective_from = self.cleaned_data.get("effective_from")
        if effective_from is not None and effective_from <= timezone.localdate():
            raise forms.ValidationError(
                _("生效日期须晚于今天：已经评定的年度仍按原标准，修改标准请新建一个以后生效的版本。")
            )
        return effective_from

    def clean_organization(self):
        organization = self.cleaned_data.get("organization")
        if organization is None and (self.user is None or not _covers_everything(self.user)):
            raise forms.ValidationError(_("只有市级系统管理员可以设置全市适用的评定标准，请选择适用范围。"))
        return organization


@admin.register(RatingRubric)
class RatingRubricAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RatingRubricAdminForm
    scope_function = rubrics_visible_to  # type: ignore[assignment]  # the mixin's default is None
    list_display = ("name", "organization", "effective_from", "in_force")
    search_fields = ("name", "source")
    list_select_related = ("organization",)
    actions = None  # one version at a time

    @admin.display(description=_("已生效"), boolean=True)
    def in_force(self, obj: RatingRubric) -> bool:
        return obj.effective_from <= timezone.localdate()

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # type: ignore[attr-defined]  # read by RatingRubricAdminForm
        return form

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = organizations_visible_to(request.user).exclude(kind=OrganizationKind.BRANCH)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and is_administrator(cast(User, request.user))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_edit_rubric(cast(User, request.user), obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (
            obj is None or (may_edit_rubric(cast(User, request.user), obj) and not obj.ratings.exists())
        )


class BranchRatingChangeInline(admin.TabularInline):
    model = BranchRatingChange
    fields = ("at", "action", "stars_before", "stars_after", "proposed_stars", "reason", "by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BranchRating)
class BranchRatingAdmin(ReadOnlyScopedAdmin):
    list_display = ("organization", "year", "score", "proposed_stars", "stars", "decided_by", "decided_at")
    list_filter = ("year", "stars", "proposed_stars")
    search_fields = ("organization__name", "organization__code")
    list_select_related = ("organization", "decided_by")
    fields = (
        "organization",
        "year",
        "rubric",
        "score",
        "proposed_stars",
        "evidence_as_of",
        "proposed_at",
        "stars",
        "decided_by",
        "decided_at",
    )
    inlines = [BranchRatingChangeInline]
