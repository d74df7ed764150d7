"""请假申请: a member asks leave for a meeting (from 我的会议 or the meeting page) and may withdraw it before
the meeting starts.

Thin: the meeting through the access module and the member's place on its list (otherwise 404), one service
call, its ValidationError shown in Chinese with the input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.leave import selectors, services
from activities.leave.forms import LeaveRequestForm
from activities.models import Meeting, MeetingStatus
from branches.http import AuthenticatedHttpRequest
from portal.forms import apply_service_errors


def _own_meeting(request: AuthenticatedHttpRequest, pk: int):
    try:
        return selectors.leave_meeting_get(user=request.user, pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def meeting_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask leave (or change the reason) before the meeting starts."""
    meeting, member = _own_meeting(request, pk)
    existing = selectors.leave_request_for(meeting=meeting, member=member)
    form = LeaveRequestForm(request.POST or None, initial={"reason": existing.reason if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_request_submit(meeting=meeting, member=member, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已提交“%(topic)s”的请假申请，支部书记登记出勤时会看到。") % {"topic": meeting.topic},
            )
            return redirect("activities:my_meetings")
    context = {
        "meeting": meeting,
        "form": form,
        "existing": existing,
        "is_open": meeting.status == MeetingStatus.PLANNED and meeting.starts_at > timezone.now(),
    }
    return render(request, "activities/meeting_leave.html", context)


@login_required
@require_POST
def meeting_leave_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Withdraw the request before the meeting starts."""
    meeting, member = _own_meeting(request, pk)
    try:
        withdrawn = services.leave_request_withdraw(meeting=meeting, member=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("activities:meeting_leave", meeting.pk)
    if withdrawn:
        messages.success(request, _("已撤回“%(topic)s”的请假申请。") % {"topic": meeting.topic})
    else:
        messages.info(request, _("没有需要撤回的请假申请。"))
    return redirect("activities:my_meetings")
