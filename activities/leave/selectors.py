"""Reads for 请假申请: the meeting a member may ask leave for, and the requests a page shows."""

from __future__ import annotations

from collections.abc import Iterable

from activities.leave.services import is_expected
from activities.models import LeaveRequest, Meeting
from branches.models import Member, User
from branches.permissions import own_member


def leave_meeting_get(*, user: User, pk: int) -> tuple[Meeting, Member]:
    """A meeting in the user's scope at which the user's own member record is expected, with that member;
    Meeting.DoesNotExist otherwise (another branch's meeting, or a 党小组会 of another group: 404). Three queries."""
    member = own_member(user)
    if member is None:
        raise Meeting.DoesNotExist
    meeting = Meeting.objects.visible_to(user).select_related("organization", "group").get(pk=pk)
    if not is_expected(meeting=meeting, member=member):
        raise Meeting.DoesNotExist
    return meeting, member


def leave_request_for(*, meeting: Meeting, member: Member) -> LeaveRequest | None:
    return LeaveRequest.objects.filter(meeting=meeting, member=member).first()


def leave_requested_meeting_ids(*, member: Member, meetings: Iterable[Meeting]) -> set[int]:
    """Which of the meetings the member has asked leave for. One query."""
    ids = [meeting.pk for meeting in meetings]
    return set(LeaveRequest.objects.filter(member=member, meeting_id__in=ids).values_list("meeting_id", flat=True))


def leave_requests_for_meeting(*, meeting: Meeting) -> list[LeaveRequest]:
    """Every 请假申请 for the meeting, by name, for its secretary before attendance is recorded. One query."""
    return list(LeaveRequest.objects.filter(meeting=meeting).select_related("member").order_by("member__name", "pk"))
