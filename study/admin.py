"""Study in the Django admin: every queryset scoped through branches.permissions.

Materials are published and plans moved through their workflow on the portal's pages (content checks, history,
tasks); the admin lets administrators look things up, correct texts and follow the records.
"""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from branches.admin import ScopedAdminMixin
from branches.exports.admin import AnnualExportAdminMixin
from branches.permissions import members_visible_to, organization_scope_q
from study.models import (
    CadreStudyItem,
    CadreStudyPlan,
    MaterialRead,
    PlanStatusChange,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
)
from study.resources import StudyTaskExportResource


class OrganizationScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Rows whose organisation (reached through `scope_field`) lies in the user's scope."""

    scope_field = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_scope_q(request.user, self.scope_field))


class ReadOnlyAdminMixin:
    """Records written by services (workflow history, reads, tasks): viewed here, never edited."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(StudyMaterial)
class StudyMaterialAdmin(OrganizationScopedAdmin):
    list_display = ("title", "category", "organization", "is_required", "published_on", "attachment_name")
    list_filter = ("category", "is_required")
    search_fields = ("title", "body", "organization__name")
    date_hierarchy = "published_on"
    readonly_fields = ("organization", "attachment", "attachment_name", "attachment_type", "published_by")
    fields = (
        "organization",
        "title",
        "category",
        "body",
        "source_url",
        "is_required",
        "published_on",
        "attachment",
        "attachment_name",
        "attachment_type",
        "published_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Publishing checks the attachment's content: use the portal's "发布学习资料" page.
        return False


@admin.register(MaterialRead)
class MaterialReadAdmin(ReadOnlyAdminMixin, OrganizationScopedAdmin):
    scope_field = "member__organization"
    list_display = ("material", "member", "first_read_at", "last_read_at")
    search_fields = ("material__title", "member__name")
    readonly_fields = ("material", "member", "first_read_at", "last_read_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("material", "member")


class StudyPlanItemInline(ScopedAdminMixin, admin.TabularInline):
    model = StudyPlanItem
    extra = 0
    can_delete = False
    fields = ("month", "topic", "form", "audience", "group", "due_date", "hours")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class PlanStatusChangeInline(ScopedAdminMixin, admin.TabularInline):
    model = PlanStatusChange
    extra = 0
    can_delete = False
    fields = ("from_status", "to_status", "changed_by", "changed_at", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(StudyPlan)
class StudyPlanAdmin(ReadOnlyAdminMixin, OrganizationScopedAdmin):
    """Plans change only through the workflow (报送, 备案, 退回, 修订) on the portal's plan pages."""

    list_display = ("title", "organization", "year", "revision", "is_template", "status", "is_current")
    list_filter = ("year", "status", "is_template", "is_current")
    search_fields = ("title", "organization__name", "organization__code")
    readonly_fields = (
        "organization",
        "year",
        "revision",
        "is_template",
        "title",
        "status",
        "template",
        "previous_revision",
        "is_current",
        "published_at",
        "submitted_at",
        "filed_at",
    )
    inlines = [StudyPlanItemInline, PlanStatusChangeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("organization")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(StudyTask)
class StudyTaskAdmin(AnnualExportAdminMixin, ReadOnlyAdminMixin, OrganizationScopedAdmin):
    annual_export_resource = StudyTaskExportResource
    list_display = ("member", "topic", "organization", "due_date", "status", "completed_at")
    list_filter = ("status",)
    search_fields = ("member__name", "item__topic", "organization__name")
    date_hierarchy = "due_date"
    readonly_fields = (
        "member",
        "item",
        "organization",
        "due_date",
        "status",
        "completed_at",
        "reflection",
        "closed_reason",
    )
    exclude = ("item_key",)

    @admin.display(description=_("学习主题"), ordering="item__topic")
    def topic(self, obj: StudyTask) -> str:
        return obj.title

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("member", "item", "organization")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CadreStudyItemInline(ScopedAdminMixin, admin.TabularInline):
    model = CadreStudyItem
    extra = 0
    fields = ("title", "target_month", "progress", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(CadreStudyPlan)
class CadreStudyPlanAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A leading cadre keeps their own plan on the portal; administrators in scope may look at it."""

    list_display = ("member", "year", "item_count")
    list_filter = ("year",)
    search_fields = ("member__name",)
    readonly_fields = ("member", "year")
    inlines = [CadreStudyItemInline]

    @admin.display(description=_("条目数"), ordering="item_total")
    def item_count(self, obj: CadreStudyPlan) -> int:
        return obj.item_total

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        members = members_visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .filter(member__in=members)
            .select_related("member")
            .annotate(item_total=Count("items"))
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
