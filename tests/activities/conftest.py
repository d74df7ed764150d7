"""Meetings most activities tests use: a branch with the secretary, the member and a few more members."""

import datetime

import pytest
from django.utils import timezone

from activities.meetings import services
from activities.models import MeetingKind
from activities.records import services as records_services
from study.models import Audience, StudyForm
from study.plans import services as study_services
from tests.factories import MemberFactory


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def in_days(days: int, hour: int = 14, minute: int = 30) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return local(day.year, day.month, day.day, hour, minute)


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


@pytest.fixture
def future_meeting(branch, secretary, branch_members):
    starts = in_days(10)
    return services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.COMMITTEE_MEETING,
        topic="研究下月工作",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )


@pytest.fixture
def current_plan(branch, secretary):
    """This year's plan of the branch with one collective item in the current month and one two months on."""
    today = timezone.localdate()
    plan = study_services.plan_create(
        organization=branch, year=today.year, title=f"{today.year}年度学习计划", created_by=secretary
    )
    items = []
    for month, topic in ((today.month, "学习党章第一章"), ((today.month % 12) + 1, "学习党史")):
        items.append(
            study_services.plan_item_save(
                plan=plan,
                month=month,
                topic=topic,
                form=StudyForm.COLLECTIVE,
                audience=Audience.ALL,
                due_date=datetime.date(today.year, month, 28),
                hours=2,
            )
        )
    return plan, items


@pytest.fixture
def on_day(monkeypatch):
    """Make `timezone.localdate()` (no argument) answer the given day: the pages' "today"."""
    real = timezone.localdate

    def freeze(day: datetime.date) -> None:
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return freeze
