"""软弱涣散党支部 in the Django admin: the criteria (city-wide, versioned), and the suggestions and plans read-only
within the administrator's scope (decisions are taken on the portal's pages)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from branches.admin import ScopedAdminMixin
from branches.permissions import is_administrator, organization_scope_q
from reviews.weak_branches import services
from reviews.weak_branches.models import RectificationPlan, WeakCriterion, WeakSuggestion


def _covers_everything(request: HttpRequest) -> bool:
    from reviews.admin import _covers_everything as covers

    return covers(request.user)  # type: ignore[arg-type]  # the admin site requires a logged-in User


class WeakCriterionAdminForm(forms.ModelForm):
    class Meta:
        model = WeakCriterion
        fields = ["code", "threshold", "quarters", "is_active", "source", "effective_from"]
        widgets = {"effective_from": AdminDateWidget}


@admin.register(WeakCriterion)
class WeakCriterionAdmin(admin.ModelAdmin):
    """A change is a new version from a later date (reviews.weak_branches.services.weak_criterion_add_version);
    a version in force or past is read-only, so past months' suggestions keep the criteria they were read by."""

    form = WeakCriterionAdminForm
    list_display = ("code", "threshold", "quarters", "is_active", "effective_from", "effective_to")
    list_filter = ("code", "is_active")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or is_administrator(request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _covers_everything(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj) and _covers_everything(request)
        return allowed and (obj is None or obj.effective_from > timezone.localdate())

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: WeakCriterion, form, change: bool) -> None:
        services.weak_criterion_add_version(criterion=obj)


class _ScopedReadOnly(ScopedAdminMixin, admin.ModelAdmin):
    """Rows whose branch lies in the user's scope (404 for another's); never edited here."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_scope_q(request.user, "branch"))

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WeakSuggestion)
class WeakSuggestionAdmin(_ScopedReadOnly):
    list_display = ("branch", "month", "state", "decided_by", "decided_at")
    list_filter = ("state", "month")
    search_fields = ("branch__name", "branch__code")
    list_select_related = ("branch", "decided_by")


@admin.register(RectificationPlan)
class RectificationPlanAdmin(_ScopedReadOnly):
    list_display = ("branch", "weak_since", "state", "responsible", "lifted_on", "lifted_by")
    list_filter = ("state",)
    search_fields = ("branch__name", "branch__code")
    list_select_related = ("branch", "responsible", "lifted_by")
