"""QR sign-in (扫码签到): the signed token a meeting's QR code carries, the window in which it is accepted
(from 30 minutes before the start to 30 minutes after the end) and the member's sign-in, which records them
present on the meeting's current version."""

from __future__ import annotations

import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import expected_attendees_q
from activities.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
)
from branches.models import Member
from study.models import StudyTask, TaskStatus

# The QR sign-in code works from a little before the start until a little after the end.
SIGN_IN_EARLY = datetime.timedelta(minutes=30)


SIGN_IN_LATE = datetime.timedelta(minutes=30)


SIGN_IN_SALT = "activities.meeting-sign-in"


def sign_in_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    return meeting.starts_at - SIGN_IN_EARLY, meeting.ends_at + SIGN_IN_LATE


def sign_in_token(meeting: Meeting) -> str:
    """The code in the meeting's QR: signed, names the meeting; valid only inside its sign-in window."""
    return signing.dumps({"m": meeting.pk}, salt=SIGN_IN_SALT, compress=True)


def sign_in_meeting_id(token: str) -> int:
    """The meeting a code names; ValidationError for a code that was not issued here."""
    try:
        return int(signing.loads(token, salt=SIGN_IN_SALT)["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("二维码无效，请扫描会场展示的签到二维码。")) from None


@transaction.atomic
def sign_in(*, meeting: Meeting, member: Member | None, now: datetime.datetime | None = None) -> Attendance:
    """Mark the member present by scanning the meeting's code. Refused outside the window, for a filed meeting
    and for anybody who is not an expected attendee."""
    now = now or timezone.now()
    opens, closes = sign_in_window(meeting)
    if member is None:
        raise ValidationError(_("您的账号没有关联党员信息，不能签到。"))
    if meeting.is_filed:
        raise ValidationError(_("这次活动已归档，签到已结束。"))
    if now < opens:
        raise ValidationError(
            _("签到尚未开始：%(when)s起可以签到。") % {"when": timezone.localtime(opens).strftime("%m-%d %H:%M")}
        )
    if now > closes:
        raise ValidationError(_("签到二维码已过期（活动已结束）。"))
    expected = Member.objects.filter(expected_attendees_q(meeting), pk=member.pk).exists()
    listed = Attendance.objects.filter(meeting=meeting, member=member).first()
    if not expected and listed is None:
        raise ValidationError(_("您不是这次活动的应到人员（不在本支部或本党小组），不能签到。"))
    if listed is None:
        listed = Attendance.objects.create(
            meeting=meeting, member=member, status=AttendanceStatus.PRESENT, signed_in_at=now
        )
    elif listed.signed_in_at is None or listed.status != AttendanceStatus.PRESENT:
        was_leave = listed.status == AttendanceStatus.LEAVE
        listed.status, listed.leave_reason, listed.signed_in_at = AttendanceStatus.PRESENT, "", now
        listed.save(update_fields=["status", "leave_reason", "signed_in_at"])
        if was_leave:
            StudyTask.objects.filter(meeting=meeting, member=member, status=TaskStatus.OPEN).update(
                status=TaskStatus.CLOSED, closed_reason=_("已扫码签到，无需补学"), updated_at=now
            )
    # No version bump: a scan must not make the secretary's open attendance form look stale.
    return listed
