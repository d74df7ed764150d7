"""Pages to look at organisational life over time: the branch month view with its to-do, the member's 我的会议,
and the attendance histories (one member; members × counts over a year). Read-only: scope from the access
module, reads from calendar_selectors and reviews.compliance.selectors (the rules are judged there, not here)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from activities.calendar import selectors as calendar_selectors
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Member, Organization
from branches.permissions import can_manage_organization, own_member
from branches.selectors import organization_get
from portal.shortcuts import get_or_404


def _ancestors_and_self(request: AuthenticatedHttpRequest, organization: Organization) -> list[Organization]:
    """Breadcrumb up to and including the organisation (one query, none when no ancestor is in scope)."""
    return [*branch_selectors.organization_ancestors(organization=organization, user=request.user), organization]


@login_required
@require_GET
def month(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The organisation's meetings of a month (calendar on wide screens, list on phones); beside them, loaded by
    htmx from reviews (`reviews:month_obligations`), what the month, its quarter and its year still require.
    Anyone whose scope holds the organisation, and a member for their own branch (read-only)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    today = timezone.localdate()
    first, month_ok = calendar_selectors.parse_month(request.GET.get("month"), today=today)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "calendar": calendar_selectors.month_calendar(organization=organization, month=first, today=today),
        "month_key": first.strftime("%Y-%m"),
        "month_ok": month_ok,
        "can_manage": can_manage_organization(request.user, organization),
        "can_view_attendance": calendar_selectors.can_view_attendance(request.user, organization),
    }
    return render(request, "activities/month.html", context)


@login_required
@require_GET
def my_meetings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """我的会议: the member's upcoming meetings and their own attendance for a year."""
    member = own_member(request.user)
    if member is None:
        return render(request, "activities/my_meetings.html", {"attendance": None})
    today = timezone.localdate()
    year, year_ok = calendar_selectors.parse_year(request.GET.get("year"), today=today)
    context = {
        "attendance": calendar_selectors.my_meetings(member=member, year=year, today=today),
        "year_ok": year_ok,
        "now": timezone.now(),  # 请假申请 is offered until a meeting starts
    }
    return render(request, "activities/my_meetings.html", context)


@login_required
@require_GET
def member_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One member's attendance for a year: for the member themselves and their organisation's committee."""
    try:
        member = branch_selectors.member_get(user=request.user, pk=pk)
    except Member.DoesNotExist:
        raise Http404 from None
    can_view_attendance = calendar_selectors.can_view_attendance(request.user, member.organization)
    if member.user_id != request.user.pk and not can_view_attendance:
        raise PermissionDenied
    today = timezone.localdate()
    year, year_ok = calendar_selectors.parse_year(request.GET.get("year"), today=today)
    context = {
        "attendance": calendar_selectors.member_attendance(member=member, year=year, today=today),
        "ancestors": _ancestors_and_self(request, member.organization),
        "can_view_attendance": can_view_attendance,
        "year_ok": year_ok,
    }
    return render(request, "activities/member_attendance.html", context)


@login_required
@require_GET
def attendance_year(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Members × 应到/出席/请假/缺席 for the organisation's meetings of a year (its committee and the staff above)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not calendar_selectors.can_view_attendance(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    year, year_ok = calendar_selectors.parse_year(request.GET.get("year"), today=today)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "report": calendar_selectors.attendance_year(organization=organization, year=year, today=today),
        "year_ok": year_ok,
    }
    return render(request, "activities/attendance_year.html", context)
