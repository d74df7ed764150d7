"""Meetings most activities tests use: a branch with the secretary, the member and a few more members."""

import datetime

import pytest
from django.utils import timezone

from activities.meetings import services as services
from activities.models import MeetingKind
from activities.records import services as records_services
from tests.factories import MemberFactory


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture
def branch_members(branch, secretary, member_user):
    """The secretary's and the member's records and three more: five active members."""
    extra = [MemberFactory(organization=branch, name=name) for name in ("赵一", "钱二", "孙三")]
    return [secretary.member, member_user.member, *extra]


@pytest.fixture
def past_meeting(branch, secretary, branch_members):
    """A 主题党日 held two days ago, still 已安排 (attendance not recorded)."""
    starts = timezone.now() - datetime.timedelta(days=2)
    return services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="学习党章 重温入党誓词",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="三楼会议室",
    )


@pytest.fixture
def held_meeting(past_meeting, secretary):
    """The same meeting with attendance recorded: everyone present."""
    return services.attendance_record(
        meeting=past_meeting, version=past_meeting.version, entries={}, recorded_by=secretary
    )


@pytest.fixture
def filed_meeting(held_meeting, secretary):
    return records_services.meeting_file(meeting=held_meeting, version=held_meeting.version, filed_by=secretary)
