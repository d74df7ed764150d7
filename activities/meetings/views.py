"""The secretary's meeting pages: schedule, edit, record attendance with the minutes, file, amend, delete, and
the meeting detail everyone in scope may read.

Thin: the meeting through the access module (outside the scope: 404), the action checked with
`can_manage_organization` (in scope but only allowed to look: 403), one service call, every ValidationError
shown in Chinese on the page with the user's input kept.
"""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from activities.leave import selectors as leave_selectors
from activities.leave import services as leave_services
from activities.meetings import selectors
from activities.meetings import services as services
from activities.meetings.forms import AttendanceForm, MeetingForm
from activities.meetings.services import HELD_START_TOLERANCE, ConcurrentEditError
from activities.models import AttendanceStatus, Meeting, MeetingStatus
from activities.records import services as records_services
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, own_member
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404

FILED_EDIT_MESSAGE = gettext_lazy("这次活动已归档，不能直接修改；如需更正，请填写更正原因提交更正。")


class VersionForm(forms.Form):
    """The version a confirm page (file, delete) was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput)


# Lookups and helpers -----------------------------------------------------------------------------------------


def _managed_meeting(request: AuthenticatedHttpRequest, pk: int, *, for_form: bool = False) -> Meeting:
    """A meeting the user may change: 404 outside the scope, 403 for someone in scope who may only read it."""
    try:
        meeting = selectors.meeting_get(user=request.user, pk=pk, for_form=for_form)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not can_manage_organization(request.user, meeting.organization):
        raise PermissionDenied
    return meeting


def organization_meetings_url(organization: Organization, on: datetime.date | None = None) -> str:
    """The organisation's 组织生活 page (the month view, at the meeting's month), or the organisation page."""
    try:
        url = reverse("activities:month", args=[organization.pk])
    except NoReverseMatch:
        return organization.get_absolute_url()
    return f"{url}?month={on:%Y-%m}" if on else url


def _page(request: HttpRequest, template: str, organization: Organization, context: dict, status: int = 200):
    on = context["meeting"].held_on if context.get("meeting") else None
    context = {"organization": organization, "meetings_url": organization_meetings_url(organization, on), **context}
    return render(request, template, context, status=status)


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _with_version(form: forms.Form, version: int) -> None:
    """After a concurrent save: keep everything the user typed, but base the next save on the latest version."""
    data = form.data.copy()  # type: ignore[attr-defined]  # a bound form's data is the QueryDict
    data["version"] = str(version)
    form.data = data


def _form_options(meeting: Meeting) -> selectors.MeetingFormOptions:
    return selectors.meeting_form_options(
        organization=meeting.organization,
        year=meeting.held_on.year,
        month=meeting.held_on.month,
        keep_member_ids=[meeting.host_id, meeting.recorder_id, meeting.lecturer_id],
        keep_group_id=meeting.group_id,
        keep_item_ids=[item.pk for item in meeting.plan_items.all()],
    )


def _meeting_initial(meeting: Meeting) -> dict:
    initial = {
        name: getattr(meeting, name)
        for name in (
            "kind",
            "topic",
            "starts_at",
            "ends_at",
            "location",
            "lecturer_name",
            "lecturer_post",
            "lecturer_is_secretary",
            "agenda",
            "theme_day_parts",
            "observers",
            "minutes",
            "version",
        )
    }
    initial.update(
        group=meeting.group_id,
        host=meeting.host_id,
        recorder=meeting.recorder_id,
        lecturer=meeting.lecturer_id,
        counts_as=[c.kind for c in meeting.counted_kinds.all() if c.kind != meeting.kind],
        plan_items=[item.pk for item in meeting.plan_items.all()],
    )
    return initial


# Detail ------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Everything recorded and when, attendance with the rate, minutes, plan items, attachments, the filed
    versions with each amendment's reason; the actions the user may take."""
    try:
        detail = selectors.meeting_detail_get(user=request.user, pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None
    meeting = detail.meeting
    can_manage = can_manage_organization(request.user, meeting.organization)
    started = meeting.starts_at <= timezone.now() + HELD_START_TOLERANCE
    context = {
        "meeting": meeting,
        "detail": detail,
        "can_manage": can_manage,
        "can_edit": can_manage and not meeting.is_filed,
        # Attendance is offered once the meeting has started; before, the way forward is to fix its time.
        "can_record": can_manage and not meeting.is_filed and started,
        "can_reschedule": can_manage and not meeting.is_filed and not started,
        "can_file": can_manage and meeting.status == MeetingStatus.HELD,
        "can_amend": can_manage and meeting.is_filed,
        "can_delete": can_manage and not meeting.is_filed,
        "is_past": started,
        "leave": _leave_state(request, meeting, started),
        # Before attendance is recorded, the secretary sees who asked leave (then the attendance page has them).
        "leave_requests": leave_selectors.leave_requests_for_meeting(meeting=meeting)
        if can_manage and not meeting.is_filed and meeting.recorded_at is None
        else [],
    }
    return _page(request, "activities/meeting_detail.html", meeting.organization, context)


def _leave_state(request: AuthenticatedHttpRequest, meeting: Meeting, started: bool) -> dict | None:
    """For a member expected at a meeting that has not started: whether they asked leave (请假申请)."""
    if started or meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= timezone.now():
        return None
    member = own_member(request.user)
    if member is None or not leave_services.is_expected(meeting=meeting, member=member):
        return None
    return {"request": leave_selectors.leave_request_for(meeting=meeting, member=member)}


# Schedule and edit -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Schedule a meeting (or enter one already held). Pre-filled from the plan and the last meeting;
    `?date=YYYY-MM-DD`, `?kind=` and `?group=` pre-select from the month view; `?held=1` (the to-do, for a
    period under way) starts it earlier today, so that it is entered as held."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    on = _parse_date(request.GET.get("date")) or timezone.localdate()
    options = selectors.meeting_form_options(organization=organization, year=on.year, month=on.month)
    groups = {str(group.pk): group for group in options.groups}
    group = groups.get(request.GET.get("group", ""))
    form = MeetingForm(request.POST or None, organization=organization, options=options)
    kinds = [value for value, _label in form.fields["kind"].choices if value]  # type: ignore[attr-defined]  # fields[] is typed Field: a ChoiceField
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else ""
    initial = selectors.meeting_initial(
        organization=organization, group=group, on=on, options=options, kind=kind, held=request.GET.get("held") == "1"
    )
    initial["creation_key"] = uuid.uuid4()
    if group is not None:
        initial["group"] = group.pk
    if kind:
        initial["kind"] = kind
    form.initial = initial
    if request.method == "POST" and form.is_valid():
        creation_key = form.cleaned_data.get("creation_key")
        existing = selectors.meeting_created_with(user=request.user, creation_key=creation_key)
        if existing is not None:
            messages.info(request, _("这份表单已经提交过，活动只保存了一次。以下是已保存的活动。"))
            return redirect(existing)
        try:
            meeting = services.meeting_create(
                organization=organization,
                created_by=request.user,
                creation_key=creation_key,
                **form.service_arguments(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if meeting.starts_at > timezone.now():
                messages.success(
                    request,
                    _("已安排%(kind)s“%(topic)s”。") % {"kind": meeting.get_kind_display(), "topic": meeting.topic},
                )
                return redirect(meeting)
            messages.success(
                request,
                _("已登记%(kind)s“%(topic)s”。活动已召开，请登记出勤和会议纪要。")
                % {"kind": meeting.get_kind_display(), "topic": meeting.topic},
            )
            return redirect("activities:meeting_record", meeting.pk)
    context = {"form": form, "meeting": None, "plan_suggestions": selectors.plan_suggestions(options.plan_items, kinds)}
    return _page(request, "activities/meeting_form.html", organization, context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a meeting that is not filed yet (after filing: an amendment)."""
    meeting = _managed_meeting(request, pk, for_form=True)
    if meeting.is_filed:
        messages.error(request, FILED_EDIT_MESSAGE)
        return redirect(meeting)
    options = _form_options(meeting)
    form = MeetingForm(
        request.POST or None,
        organization=meeting.organization,
        options=options,
        mode="edit",
        with_minutes=meeting.status != MeetingStatus.PLANNED,
        initial=_meeting_initial(meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                meeting=meeting,
                version=form.cleaned_data["version"],
                updated_by=request.user,
                **form.service_arguments(),
            )
        except ConcurrentEditError as error:
            meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
            apply_service_errors(form, error)
            _with_version(form, meeting.version)
        except ValidationError as error:
            meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
            apply_service_errors(form, error)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect(meeting)
    return _page(request, "activities/meeting_form.html", meeting.organization, {"form": form, "meeting": meeting})


# Record ------------------------------------------------------------------------------------------------------


def _attendance_counts(entries) -> dict[str, int]:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for entry in entries.values():
        counts[entry.status] = counts.get(entry.status, 0) + 1
    return counts


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """登记出勤 and the minutes, one save: everyone 出席 unless changed; 请假 needs a reason."""
    meeting = _managed_meeting(request, pk)
    if meeting.is_filed:
        messages.error(request, _("这次活动已归档，出勤记录不能直接修改；如需更正，请提交更正。"))
        return redirect(meeting)
    roster = selectors.meeting_roster(meeting=meeting)
    form = AttendanceForm(request.POST or None, roster=roster, minutes=meeting.minutes, version=meeting.version)
    if request.method == "POST" and form.is_valid():
        entries = form.entries()
        try:
            services.meeting_record(
                meeting=meeting,
                version=form.cleaned_data["version"],
                entries=entries,
                minutes=form.cleaned_data["minutes"],
                recorded_by=request.user,
            )
        except ConcurrentEditError as error:
            meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
            form.add_error(None, error)
            _with_version(form, meeting.version)
        except ValidationError as error:
            meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
            apply_service_errors(form, error)
        else:
            counts = _attendance_counts(entries)
            messages.success(
                request,
                _("出勤和会议纪要已保存：出席%(present)d人，请假%(leave)d人，缺席%(absent)d人。") % counts,
            )
            return redirect(meeting)
    rows = form.rows()
    error_rows = [row for row in rows if row["status_errors"] or row["reason_errors"]]
    context = {
        "meeting": meeting,
        "form": form,
        "rows": rows,
        "first_error": error_rows[0] if error_rows else None,
        "error_rows": len(error_rows),
        "status_choices": AttendanceStatus.choices,
        "signed_in": sum(1 for row in roster if row.signed_in_at is not None),
        "not_started": meeting.starts_at > timezone.now() + HELD_START_TOLERANCE,
    }
    return _page(request, "activities/meeting_record.html", meeting.organization, context)


# File, amend, delete -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """归档 with a confirmation: the record is locked and its first version with the content hash is stored."""
    meeting = _managed_meeting(request, pk)
    if meeting.is_filed:
        messages.info(request, _("这次活动已经归档。"))
        return redirect(meeting)
    if request.method == "POST":
        form = VersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("页面已过期，请刷新后重新操作。"))
            return redirect("activities:meeting_file", meeting.pk)
        try:
            records_services.meeting_file(meeting=meeting, version=form.cleaned_data["version"], filed_by=request.user)
        except ValidationError as error:
            _flash(request, error)
            return redirect(meeting)
        messages.success(request, _("已归档。记录已锁定，如需更正请提交更正，原记录会保留。"))
        return redirect(meeting)
    detail = selectors.meeting_detail_get(user=request.user, pk=pk)
    context = {
        "meeting": detail.meeting,
        "detail": detail,
        "form": VersionForm(initial={"version": meeting.version}),
        "can_file": meeting.status == MeetingStatus.HELD,
    }
    return _page(request, "activities/meeting_file.html", meeting.organization, context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_amend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """更正 a filed meeting: a reason and the corrected fields and attendance, stored as the next version."""
    meeting = _managed_meeting(request, pk, for_form=True)
    if not meeting.is_filed:
        messages.info(request, _("只有已归档的活动需要提交更正；未归档的活动可直接修改。"))
        return redirect("activities:meeting_edit", meeting.pk)
    options = _form_options(meeting)
    roster = selectors.meeting_roster(meeting=meeting)
    data = request.POST or None
    form = MeetingForm(
        data, organization=meeting.organization, options=options, mode="amend", initial=_meeting_initial(meeting)
    )
    attendance = AttendanceForm(data, roster=roster, with_minutes=False, with_version=False)
    if request.method == "POST":
        valid = form.is_valid()
        valid = attendance.is_valid() and valid
        if valid:
            try:
                version = records_services.meeting_amend(
                    meeting=meeting,
                    version=form.cleaned_data["version"],
                    amended_by=request.user,
                    reason=form.cleaned_data["reason"],
                    entries=attendance.entries(),
                    **form.service_arguments(),
                )
            except ConcurrentEditError as error:
                meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
                apply_service_errors(form, error)
                _with_version(form, meeting.version)
            except ValidationError as error:
                meeting = get_or_404(selectors.meeting_get, user=request.user, pk=pk)
                apply_service_errors(form, error)
            else:
                messages.success(
                    request, _("更正已保存为第%(n)d版，原记录和更正原因可在历史中查看。") % {"n": version.number}
                )
                return redirect(meeting)
    context = {
        "meeting": meeting,
        "form": form,
        "attendance": attendance,
        "rows": attendance.rows(),
        "status_choices": AttendanceStatus.choices,
    }
    return _page(request, "activities/meeting_amend.html", meeting.organization, context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a meeting scheduled or entered by mistake (not once filed), after a confirmation."""
    meeting = _managed_meeting(request, pk)
    if meeting.is_filed:
        messages.error(request, _("已归档的活动不能删除。"))
        return redirect(meeting)
    if request.method == "POST":
        form = VersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("页面已过期，请刷新后重新操作。"))
            return redirect("activities:meeting_delete", meeting.pk)
        try:
            services.meeting_delete(meeting=meeting, version=form.cleaned_data["version"])
        except ValidationError as error:
            _flash(request, error)
            return redirect(meeting)
        messages.success(request, _("已删除“%(topic)s”。") % {"topic": meeting.topic})
        return redirect(organization_meetings_url(meeting.organization, meeting.held_on))
    context = {"meeting": meeting, "form": VersionForm(initial={"version": meeting.version})}
    return _page(request, "activities/meeting_delete.html", meeting.organization, context)
