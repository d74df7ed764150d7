"""`manage.py seed_demo` writes a year so far of organisational life (activities.demo): what it holds for the demo
branch, that the records verify, that it writes what the services write, and that a second run adds nothing."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry
from activities.models import (
    Attendance,
    AttendanceStatus,
    Commitment,
    CountedKind,
    HeartTalk,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    PioneerPost,
)
from activities.records import services as records_services
from branches.models import Member, Organization, User
from demo.activities import seed as activities_seed
from demo.activities import tables as activities_demo
from demo.tree import tables as tree
from notifications.models import Notification, Reminder, ReminderKind
from reviews.compliance.selectors import branch_obligations
from study.models import StudyTask, TaskKind, TaskStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
MODELS = (Meeting, CountedKind, Attendance, MeetingVersion, HeartTalk, Commitment, PioneerPost, StudyTask, Reminder)


def seed(*, branches: int = 12, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--branches={branches}", "--seed=7", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


def demo_meetings():
    return Meeting.objects.filter(organization__code=tree.DEMO_BRANCH_CODE)


def test_it_seeds_records_that_verify_and_adds_nothing_the_second_time():
    output = seed()
    before = counts()
    assert before["activities.Meeting"] > 300 and before["activities.Attendance"] > 5000
    assert before["activities.HeartTalk"] and before["activities.Commitment"] and before["activities.PioneerPost"]
    assert "组织生活：新增会议活动" in output

    out = io.StringIO()
    call_command("verify_records", stdout=out)
    filed = Meeting.objects.filter(status=MeetingStatus.FILED).count()
    assert out.getvalue().strip() == f"已校验 {filed} 条归档记录，全部一致。"

    again = seed()
    assert counts() == before
    assert "新增会议活动0次" in again and "归档提醒0条" in again


def test_the_demo_branch_has_a_year_of_meetings_with_a_gap_this_month():
    seed()
    meetings = demo_meetings()
    branch = Organization.objects.get(code=tree.DEMO_BRANCH_CODE)
    members = Member.objects.filter(organization=branch, status="active").count()
    kinds_by_month: dict[int, set[str]] = {}
    for held_on, kind in CountedKind.objects.filter(meeting__in=meetings).values_list("meeting__held_on", "kind"):
        kinds_by_month.setdefault(held_on.month, set()).add(kind)
    for month in range(1, TODAY.month):
        assert MeetingKind.THEME_DAY in kinds_by_month[month], month
        if members >= 7:
            assert MeetingKind.COMMITTEE_MEETING in kinds_by_month[month], month
    for month in (3, 6, 9):
        assert {MeetingKind.GENERAL_MEETING, MeetingKind.THEMATIC_DISCUSSION} <= kinds_by_month[month]
    assert MeetingKind.CEREMONY in kinds_by_month[7] | kinds_by_month[6]
    assert meetings.filter(kind=MeetingKind.PARTY_LECTURE, lecturer_is_secretary=True, held_on__month=7).exists()
    if branch.groups.exists():
        assert meetings.filter(kind=MeetingKind.GROUP_MEETING).count() >= (TODAY.month - 1) * branch.groups.count()
    # The deliberate gap: no 支部委员会 this month, no 党课 this quarter; the to-do shows them.
    assert not meetings.filter(kind=MeetingKind.COMMITTEE_MEETING, held_on__month=TODAY.month).exists()
    assert not meetings.filter(kind=MeetingKind.PARTY_LECTURE, held_on__month__in=[10, 11, 12]).exists()
    open_codes = {o.result.rule.code for o in branch_obligations(organization=branch, today=TODAY).open}
    assert {"C5"} <= open_codes
    if members >= 7:
        assert "C4" in open_codes


def test_the_demo_branch_has_a_planned_meeting_two_unfiled_ones_and_an_amendment():
    seed()
    meetings = demo_meetings()
    planned = meetings.get(status=MeetingStatus.PLANNED)
    assert planned.kind == MeetingKind.THEME_DAY
    assert TODAY + datetime.timedelta(days=7) <= planned.held_on <= TODAY + datetime.timedelta(days=9)
    assert not planned.attendances.exists()

    unfiled = meetings.filter(status=MeetingStatus.HELD, held_on__lte=TODAY - datetime.timedelta(days=7))
    assert unfiled.count() == 2
    secretary = User.objects.get(username="secretary")
    reminded = Reminder.objects.filter(recipient=secretary, kind=ReminderKind.MEETING_UNFILED)
    assert set(reminded.values_list("object_key", flat=True)) == {f"meeting:{m.pk}" for m in unfiled}
    assert all(r.notification_id for r in reminded)
    assert not [message for message in mail.outbox if "尚未归档" in message.subject]  # inbox only

    amended = MeetingVersion.objects.get(meeting__in=meetings, number=2)
    assert "误记为出席" in amended.reason and amended.created_by == secretary
    original = MeetingVersion.objects.get(meeting=amended.meeting, number=1)
    assert original.content_hash != amended.content_hash
    assert amended.meeting.version == 4 + sum(1 for row in original.content["attendance"] if row[3])  # sign-ins
    assert amended.created_at > original.created_at


def test_the_demo_member_was_on_leave_once_and_did_the_makeup():
    seed()
    member = User.objects.get(username="member").member
    leave = Attendance.objects.get(member=member, status=AttendanceStatus.LEAVE)
    task = StudyTask.objects.get(member=member, kind=TaskKind.MAKEUP)
    assert task.meeting_id == leave.meeting_id and task.status == TaskStatus.DONE and task.reflection
    assert not Attendance.objects.filter(member__user__username="secretary").exclude(status="present").exists()


@pytest.mark.parametrize(
    ("kind", "with_leave"), [(MeetingKind.THEME_DAY, True), (MeetingKind.COMMITTEE_MEETING, False)]
)
def test_it_writes_what_the_services_write(kind, with_leave):
    seed()
    candidates = (
        Meeting.objects.filter(status=MeetingStatus.FILED, kind=kind)
        .filter(attendances__status=AttendanceStatus.LEAVE if with_leave else AttendanceStatus.PRESENT)
        .exclude(attendances__signed_in_at__isnull=False)
        .exclude(versions__number=2)
        .distinct()
        .order_by("-held_on")
        .select_related("organization", "created_by")
    )
    # A meeting of a branch nobody joined since: the services would list the same members today.
    meeting = next(
        m
        for m in candidates
        if m.attendances.count() == Member.objects.filter(services.expected_attendees_q(m)).count()
    )
    written = MeetingVersion.objects.get(meeting=meeting).content
    tasks = sorted(
        StudyTask.objects.filter(meeting=meeting).values_list("member_id", "topic", "hours", "due_date", "created_at")
    )
    entries = {
        a.member_id: AttendanceEntry(a.status, a.leave_reason)
        for a in meeting.attendances.exclude(status=AttendanceStatus.PRESENT)
    }
    fields = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
    counts_as = [kind for kind in meeting.counted_kinds.values_list("kind", flat=True) if kind != meeting.kind]

    again = services.meeting_create(
        organization=meeting.organization,
        created_by=meeting.created_by,
        counts_as=counts_as,
        plan_items=list(meeting.plan_items.all()),
        **fields,
    )
    again = services.attendance_record(
        meeting=again,
        version=again.version,
        entries=entries,
        recorded_by=meeting.created_by,
        today=timezone.localtime(meeting.recorded_at).date(),
    )
    again = records_services.meeting_file(meeting=again, version=again.version, filed_by=meeting.filed_by)

    assert {**MeetingVersion.objects.get(meeting=again).content, "meeting": meeting.pk} == written
    redone = StudyTask.objects.filter(meeting=again).values_list("member_id", "topic", "hours", "due_date")
    assert sorted(redone) == [row[:4] for row in tasks]
    assert bool(tasks) == with_leave
    assert all(row[4] == meeting.recorded_at for row in tasks)
    assert again.version == meeting.version == 3


def test_nothing_is_dated_after_the_story_ends():
    seed()
    story_end = datetime.datetime.combine(TODAY, datetime.time(8), tzinfo=timezone.get_default_timezone())
    done = Meeting.objects.exclude(status=MeetingStatus.PLANNED)
    assert not done.filter(held_on__gte=TODAY).exists()
    assert not done.filter(recorded_at__gt=story_end).exists()
    assert not Meeting.objects.filter(filed_at__gt=story_end).exists()
    for meeting in done.filter(status=MeetingStatus.FILED)[:200]:
        assert meeting.ends_at <= meeting.recorded_at <= meeting.filed_at
        assert meeting.created_at <= meeting.recorded_at
        assert meeting.versions.get(number=1).created_at == meeting.filed_at
    assert not StudyTask.objects.filter(kind=TaskKind.MAKEUP, completed_at__gt=story_end).exists()
    assert not HeartTalk.objects.filter(held_on__gte=TODAY).exists()
    # Attendance lists only members who had joined the branch by the meeting's day.
    late = Attendance.objects.filter(
        member__memberships__organization=F("meeting__organization"),
        member__memberships__ended_on__isnull=True,
        member__memberships__started_on__gt=F("meeting__held_on"),
    )
    assert not late.exists()
    assert Notification.objects.filter(reminder__kind=ReminderKind.MEETING_UNFILED).count() >= 2


def test_a_large_tree_gives_branches_outside_the_demo_district_recent_meetings_only(monkeypatch):
    monkeypatch.setattr(activities_seed, "FULL_STORY_MAX_BRANCHES", 5)  # read by the writer
    seed()
    first_recent = datetime.date(TODAY.year, TODAY.month - 1, 1)
    outside = Meeting.objects.exclude(organization__code__startswith=activities_demo.DISTRICT_CODE + "-")
    inside = Meeting.objects.filter(organization__code__startswith=activities_demo.DISTRICT_CODE + "-")
    assert outside.exists() and not outside.filter(held_on__lt=first_recent).exists()
    assert inside.filter(held_on__lt=first_recent).exists()
    assert HeartTalk.objects.exclude(organization__code__startswith=activities_demo.DISTRICT_CODE + "-").exists()
