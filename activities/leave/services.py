"""请假申请: a member asks to be excused from a meeting before it starts, and may withdraw until then.

The request is only a notice to the secretary: attendance is still what the secretary records (the request
pre-marks the member as 请假 with its reason on the attendance page).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import expected_attendees_q
from activities.models import LeaveRequest, Meeting, MeetingStatus
from branches.models import Member

REASON_MAX_LENGTH = 200


def is_expected(*, meeting: Meeting, member: Member) -> bool:
    """Whether the member is on the meeting's list of expected attendees (who may ask for leave). One query."""
    return Member.objects.filter(expected_attendees_q(meeting), pk=member.pk).exists()


def _open_check(meeting: Meeting, now: datetime.datetime) -> None:
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now:
        raise ValidationError(_("活动已经开始，不能再申请请假或撤回；如有变化请直接告诉支部书记。"))


@transaction.atomic
def leave_request_submit(
    *, meeting: Meeting, member: Member, reason: str, now: datetime.datetime | None = None
) -> LeaveRequest:
    """Ask for leave (or change the reason of an earlier request), before the meeting starts."""
    now = now or timezone.now()
    _open_check(meeting, now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写请假事由。")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("请假事由不超过%(n)d个字。") % {"n": REASON_MAX_LENGTH}})
    if not is_expected(meeting=meeting, member=member):
        raise ValidationError(_("您不在这次活动的应到人员中，无需请假。"))
    request, _created = LeaveRequest.objects.update_or_create(
        meeting=meeting, member=member, defaults={"reason": reason}
    )
    request.full_clean()
    return request


@transaction.atomic
def leave_request_withdraw(*, meeting: Meeting, member: Member, now: datetime.datetime | None = None) -> bool:
    """Withdraw the member's request before the meeting starts; False if there was none."""
    _open_check(meeting, now or timezone.now())
    deleted, _rows = LeaveRequest.objects.filter(meeting=meeting, member=member).delete()
    return deleted > 0
