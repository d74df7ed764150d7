"""Organisational life in the Django admin: every queryset scoped through branches.permissions.

Meetings are scheduled, recorded, filed and amended on the portal's pages (validation, notices, 补学 tasks,
content hashes); the admin lets administrators look records up and correct the texts of a meeting that is not
filed yet, through `services.meeting_update` like the edit page. A filed meeting is read-only here: a correction
is an amendment with a reason, on the portal. Talks, commitments and pioneer posts are written by their
members and secretaries on the portal and only looked at here; a talk's summary is shown only to those who may
read it (`can_read_talk_summary`).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.meetings import services
from activities.models import (
    Attendance,
    Commitment,
    DuesPayment,
    DuesRule,
    HeartTalk,
    Meeting,
    MeetingAttachment,
    MeetingVersion,
    PioneerPost,
)
from activities.permissions import (
    can_read_talk_summary,
    dues_payments_visible_to,
    meetings_visible_to,
    talks_visible_to,
)
from activities.resources import (
    AttendanceExportResource,
    CommitmentExportResource,
    DuesPaymentExportResource,
    MeetingExportResource,
    TalkExportResource,
)
from branches.admin import ScopedAdminMixin
from branches.exports.admin import AnnualExportAdminMixin
from branches.permissions import (
    can_manage_organization,
    is_administrator,
    members_visible_to,
    scope_paths,
    sees_everything,
)
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

# The texts an administrator may correct before filing; everything else is changed on the portal's pages.
MEETING_ADMIN_EDITABLE = ("topic", "location", "agenda", "minutes", "observers")


class ReadOnlyInline(ScopedAdminMixin, admin.TabularInline):
    """Part of the meeting's record: shown to whoever may see the meeting, never edited here."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ("view", "change")
        )

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ("member", "status", "leave_reason", "signed_in_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("member")


class MeetingAttachmentInline(ReadOnlyInline):
    # No file link: attachments are served only through the portal's access-checked view.
    model = MeetingAttachment
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("uploaded_by")


class MeetingVersionInline(ReadOnlyInline):
    model = MeetingVersion
    fields = ("number", "content_hash", "reason", "created_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("created_by")


class MeetingAdminForm(forms.ModelForm):
    """The correctable texts, and the version the form was opened at (so a concurrent save is noticed)."""

    class Meta:
        model = Meeting
        fields = (*MEETING_ADMIN_EDITABLE, "version")
        widgets = {"version": forms.HiddenInput}

    def clean(self) -> dict:
        cleaned = super().clean()
        version = cleaned.get("version")
        stale = (
            self.instance.pk
            and version is not None
            and not Meeting.objects.filter(pk=self.instance.pk, version=version).exists()
        )
        if stale:
            raise ValidationError(
                _("这条记录已被他人修改（您打开页面后）。您填写的内容没有丢失，请查看最新内容后再保存。")
            )
        return cleaned


@admin.register(Meeting)
class MeetingAdmin(AnnualExportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = MeetingAdminForm
    annual_export_resource = MeetingExportResource
    list_display = ("topic", "kind", "organization", "group", "held_on", "status", "filed_at")
    list_filter = ("kind", "status", "held_on")
    search_fields = ("topic", "organization__name", "organization__code")
    date_hierarchy = "held_on"
    list_select_related = ("organization", "group")
    readonly_fields = (
        "organization",
        "group",
        "kind",
        "counts_as",
        "starts_at",
        "ends_at",
        "held_on",
        "host",
        "recorder",
        "lecturer",
        "lecturer_name",
        "lecturer_post",
        "lecturer_is_secretary",
        "theme_day_parts",
        "status",
        "created_by",
        "recorded_at",
        "filed_at",
        "filed_by",
    )
    inlines = [AttendanceInline, MeetingAttachmentInline, MeetingVersionInline]

    @admin.display(description=_("计为"))
    def counts_as(self, obj: Meeting) -> str:
        return "、".join(str(kind) for kind in obj.counted_kinds.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return meetings_visible_to(request.user, queryset=super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [*self.readonly_fields[:3], *MEETING_ADMIN_EDITABLE, *self.readonly_fields[3:], "version"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        if obj is not None and not self.has_change_permission(request, obj):
            return (*self.readonly_fields, *MEETING_ADMIN_EDITABLE)
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Scheduling checks the kinds the organisation may hold and notifies the attendees: the portal's page.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        """A filed record cannot be changed here (an amendment with a reason, on the portal); others only by
        those who manage the meeting's organisation."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or (not obj.is_filed and can_manage_organization(request.user, obj.organization))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Meeting, form: MeetingAdminForm, change: bool) -> None:
        current = Meeting.objects.select_related("organization", "group").get(pk=obj.pk)
        services.meeting_update(
            meeting=current,
            version=form.cleaned_data["version"],
            updated_by=request.user,
            **{name: form.cleaned_data[name] for name in MEETING_ADMIN_EDITABLE if name in form.changed_data},
        )
        obj.version = current.version


class ViewOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Records members and secretaries write on the portal, through their services: looked at here only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Attendance)
class AttendanceAdmin(AnnualExportAdminMixin, ViewOnlyAdmin):
    """Who came to which meeting (recorded on the meeting's page); listed here for the year's export."""

    annual_export_resource = AttendanceExportResource
    list_display = ("meeting", "held_on", "member", "status", "signed_in_at")
    list_filter = ("status",)
    search_fields = ("member__name", "meeting__topic", "meeting__organization__name")
    date_hierarchy = "meeting__held_on"
    list_select_related = ("meeting", "member")
    fields = ("meeting", "member", "status", "leave_reason", "signed_in_at")

    @admin.display(description=_("召开日期"), ordering="meeting__held_on")
    def held_on(self, obj: Attendance):
        return obj.meeting.held_on

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(meeting__in=meetings_visible_to(request.user))


@admin.register(HeartTalk)
class HeartTalkAdmin(AnnualExportAdminMixin, ViewOnlyAdmin):
    """That a talk happened is visible in scope; what was said only to the two and the branch secretary."""

    annual_export_resource = TalkExportResource

    list_display = ("held_on", "organization", "initiator", "counterpart", "is_criticism")
    list_filter = ("is_criticism",)
    search_fields = ("initiator__name", "counterpart__name", "organization__name")
    date_hierarchy = "held_on"
    list_select_related = ("organization", "initiator", "counterpart")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return talks_visible_to(request.user, queryset=super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj: HeartTalk | None = None) -> list[str]:
        fields = ["organization", "initiator", "counterpart", "held_on", "is_criticism", "recorded_by", "created_at"]
        if obj is not None and can_read_talk_summary(request.user, obj):
            fields.insert(4, "summary")
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.summary and can_read_talk_summary(request.user, obj):
            audit_record(actor=request.user, action=AuditAction.TALK_SUMMARY_VIEWED, target=obj, request=request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(Commitment)
class CommitmentAdmin(AnnualExportAdminMixin, ViewOnlyAdmin):
    annual_export_resource = CommitmentExportResource
    list_display = ("member", "year", "post", "has_mid_year_report", "has_year_end_report", "commented_at")
    list_filter = ("year",)
    search_fields = ("member__name", "post")
    list_select_related = ("member",)
    fields = (
        "member",
        "year",
        "post",
        "pledge",
        "mid_year_report",
        "mid_year_reported_at",
        "year_end_report",
        "year_end_reported_at",
        "branch_comment",
        "commented_by",
        "commented_at",
    )

    @admin.display(description=_("年中自评"), boolean=True)
    def has_mid_year_report(self, obj: Commitment) -> bool:
        return obj.mid_year_reported_at is not None

    @admin.display(description=_("年终自评"), boolean=True)
    def has_year_end_report(self, obj: Commitment) -> bool:
        return obj.year_end_reported_at is not None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(member__in=members_visible_to(request.user))


@admin.register(PioneerPost)
class PioneerPostAdmin(ViewOnlyAdmin):
    list_display = ("title", "kind", "member", "started_on", "ended_on")
    list_filter = ("kind",)
    search_fields = ("title", "member__name")
    list_select_related = ("member",)
    fields = ("member", "kind", "title", "started_on", "ended_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(member__in=members_visible_to(request.user))


# 党费 brackets: city-wide, versioned by effective date --------------------------------------------------------------


def _covers_everything(user) -> bool:
    """Superusers, and administrators whose scope starts at the top of the tree (the 市委)."""
    if sees_everything(user):
        return True
    return is_administrator(user) and any(path.count("/") == 1 for path in scope_paths(user))


@admin.register(DuesRule)
class DuesRuleAdmin(admin.ModelAdmin):
    """City-wide: every administrator reads the brackets; those at the top add a version with a later effective
    date. A rule in force is never changed (a change applies from its date and never rewrites the past)."""

    list_display = ("category", "bracket_label", "effective_from", "source")
    list_filter = ("category", "effective_from")
    fields = ("category", "effective_from", "lower", "upper", "rate", "amount", "amount_max", "source")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _covers_everything(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj) and _covers_everything(request.user)
        return allowed and (obj is None or obj.effective_from > timezone.localdate())

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj) and _covers_everything(request.user)
        return allowed and (obj is None or obj.effective_from > timezone.localdate())

    def save_model(self, request: HttpRequest, obj: DuesRule, form, change: bool) -> None:
        obj.full_clean()
        obj.save()


@admin.register(DuesPayment)
class DuesPaymentAdmin(AnnualExportAdminMixin, ViewOnlyAdmin):
    """党费 as the branches record it on the portal (collection page, import, amendments): looked up and exported
    (年度导出) here, never changed."""

    annual_export_resource = DuesPaymentExportResource
    list_display = ("month", "organization", "member", "amount_due", "amount_paid", "status", "reduction_state")
    list_filter = ("status", "reduction_state", "method")
    search_fields = ("member__name", "organization__name")
    date_hierarchy = "month"
    list_select_related = ("organization", "member")
    fields = (
        "organization",
        "member",
        "month",
        "amount_due",
        "amount_paid",
        "status",
        "method",
        "paid_on",
        "reduction",
        "reduction_reason",
        "reduction_state",
        "reduction_return_reason",
        "months_ahead",
        "prepaid_from",
        "voluntary",
        "recorded_by",
        "recorded_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return dues_payments_visible_to(request.user, queryset=super().get_queryset(request))
