"""QR sign-in: the meeting's printable QR page (for its managers) and the page a member's phone opens by scanning.

The QR encodes the absolute URL of `activities:sign_in` with the meeting's signed token. Scanning shows a confirm
button (GET changes nothing); the sign-in itself is a POST through `signin_services.sign_in`, which decides every
refusal (window, filed meeting, member outside the group). A meeting outside the user's scope (another branch's,
or deleted) answers 404 like every out-of-scope object, with one message for both, and nothing about it shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import qrcode
import qrcode.image.svg
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities.meetings import services as services
from activities.models import Attendance, AttendanceStatus, Meeting
from activities.signin import services as signin_services
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Member
from branches.permissions import can_manage_organization, own_member


def _managed_meeting(request: AuthenticatedHttpRequest, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user).select_related("organization", "group"), pk=pk)
    if not can_manage_organization(request.user, meeting.organization):
        raise PermissionDenied
    return meeting


def _sign_in_url(request: HttpRequest, meeting: Meeting) -> str:
    return request.build_absolute_uri(reverse("activities:sign_in", args=[signin_services.sign_in_token(meeting)]))


def _window_state(meeting: Meeting) -> str:
    """Where the meeting's sign-in stands now: filed, before (not open yet), open or after (expired)."""
    if meeting.is_filed:
        return "filed"
    opens, closes = signin_services.sign_in_window(meeting)
    now = timezone.now()
    if now < opens:
        return "before"
    return "after" if now > closes else "open"


@login_required
@require_GET
def meeting_qr(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The printable page with the meeting's sign-in QR code, its window and how many have signed in so far."""
    meeting = _managed_meeting(request, pk)
    opens, closes = signin_services.sign_in_window(meeting)
    context = {
        "meeting": meeting,
        "ancestors": [
            *branch_selectors.organization_ancestors(organization=meeting.organization, user=request.user),
            meeting.organization,
        ],
        "sign_in_url": _sign_in_url(request, meeting),
        "opens": opens,
        "closes": closes,
        "state": _window_state(meeting),
        "signed_in_count": Attendance.objects.filter(meeting=meeting, signed_in_at__isnull=False).count(),
        "expected_count": Member.objects.filter(services.expected_attendees_q(meeting)).count(),
    }
    return render(request, "activities/meeting_qr.html", context)


@login_required
@require_GET
def meeting_qr_svg(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The QR code itself, drawn on the server as SVG (no script, no outside service)."""
    meeting = _managed_meeting(request, pk)
    image = qrcode.make(
        _sign_in_url(request, meeting),
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


# Scanning --------------------------------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    *,
    state: str,
    meeting: Meeting | None = None,
    refusals: Sequence[str] = (),
    attendance: Attendance | None = None,
    already: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {"state": state, "meeting": meeting, "refusals": list(refusals), "attendance": attendance}
    context["already"] = already
    if meeting is not None:
        context["opens"], context["closes"] = signin_services.sign_in_window(meeting)
    return render(request, "activities/sign_in.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """GET: the meeting and a "确认签到" button (or that the member already signed in). POST: sign in."""
    try:
        meeting_id = signin_services.sign_in_meeting_id(token)
    except ValidationError as error:
        return _page(request, state="refused", refusals=error.messages, status=400)
    shown = (
        Meeting.objects.visible_to(request.user).select_related("organization", "group").filter(pk=meeting_id).first()
    )
    if shown is None:
        # Deleted, or a meeting outside the user's scope: the same 404 (the access policy), nothing about it shown.
        refusal = _("签到二维码已失效，或您不是这次活动的应到人员。")
        return _page(request, state="refused", refusals=[refusal], status=404)
    member = own_member(request.user)
    if member is None:
        # In scope (an officer above the branch) but not a member who could attend: 403.
        refusal = _("您的账号没有关联党员信息，不能签到。")
        return _page(request, state="refused", refusals=[refusal], status=403)

    if request.method == "POST":
        now = timezone.now()
        try:
            attendance = signin_services.sign_in(meeting=shown, member=member, now=now)
        except ValidationError as error:
            return _page(request, state="refused", meeting=shown, refusals=error.messages, status=403)
        return _page(
            request, state="done", meeting=shown, attendance=attendance, already=attendance.signed_in_at != now
        )

    attendance = Attendance.objects.filter(
        meeting=shown, member=member, status=AttendanceStatus.PRESENT, signed_in_at__isnull=False
    ).first()
    if attendance is not None:
        return _page(request, state="done", meeting=shown, attendance=attendance, already=True)
    return _page(request, state="confirm", meeting=shown)
