"""Meeting states, attendance, 补学 tasks, filing, amendments and the content hash (activities.services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry, ConcurrentEditError
from activities.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus, MeetingVersion
from activities.records import services as records_services
from study.models import StudyTask, TaskKind, TaskStatus
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_it_records_everyone_present_by_default_and_marks_the_meeting_held(held_meeting, branch_members):
    held_meeting.refresh_from_db()
    assert held_meeting.status == MeetingStatus.HELD
    statuses = dict(Attendance.objects.filter(meeting=held_meeting).values_list("member_id", "status"))
    assert statuses == {m.pk: AttendanceStatus.PRESENT for m in branch_members}


def test_it_gives_a_member_on_leave_a_makeup_task_and_closes_it_when_corrected(past_meeting, secretary, branch_members):
    absentee = branch_members[2]
    meeting = services.attendance_record(
        meeting=past_meeting,
        version=past_meeting.version,
        entries={absentee.pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差")},
        recorded_by=secretary,
    )
    task = StudyTask.objects.get(member=absentee, meeting=meeting)
    assert task.kind == TaskKind.MAKEUP and task.status == TaskStatus.OPEN
    assert "学习党章" in task.title and task.credit_hours == 2
    services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED


def test_it_requires_a_reason_for_leave(past_meeting, secretary, branch_members):
    with pytest.raises(ValidationError, match="请假须填写事由"):
        services.attendance_record(
            meeting=past_meeting,
            version=past_meeting.version,
            entries={branch_members[1].pk: AttendanceEntry(AttendanceStatus.LEAVE, "  ")},
            recorded_by=secretary,
        )
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_it_refuses_attendance_for_someone_outside_the_branch(past_meeting, secretary, branch_members):
    stranger = MemberFactory(organization=BranchFactory(parent=past_meeting.organization.parent))
    with pytest.raises(ValidationError, match="不是本次活动的应到人员"):
        services.attendance_record(
            meeting=past_meeting,
            version=past_meeting.version,
            entries={stranger.pk: AttendanceEntry(AttendanceStatus.PRESENT)},
            recorded_by=secretary,
        )
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.PLANNED


def test_it_refuses_to_mark_a_future_meeting_held(branch, secretary, branch_members):
    starts = timezone.now() + datetime.timedelta(days=20)
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.PARTY_LECTURE,
        topic="党课",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="尚未开始"):
        services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)


def test_it_refuses_an_end_before_the_start(branch, secretary):
    starts = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            organization=branch,
            created_by=secretary,
            kind=MeetingKind.THEME_DAY,
            topic="主题党日",
            starts_at=starts,
            ends_at=starts - datetime.timedelta(hours=1),
        )
    assert "ends_at" in error.value.error_dict
    assert not Meeting.objects.exists()


def test_it_returns_the_first_meeting_for_a_second_submission_of_the_same_form(branch, secretary):
    import uuid

    key = uuid.uuid4()
    starts = timezone.now() - datetime.timedelta(days=1)
    kwargs = dict(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        creation_key=key,
    )
    first = services.meeting_create(**kwargs)
    second = services.meeting_create(**kwargs)
    assert first.pk == second.pk
    assert Meeting.objects.count() == 1


def test_it_tells_the_second_of_two_concurrent_editors(past_meeting, secretary):
    opened_version = past_meeting.version
    services.meeting_update(meeting=past_meeting, version=opened_version, updated_by=secretary, location="会议室A")
    stale = Meeting.objects.get(pk=past_meeting.pk)
    with pytest.raises(ConcurrentEditError, match="已被他人修改"):
        services.meeting_update(meeting=stale, version=opened_version, updated_by=secretary, location="会议室B")
    assert Meeting.objects.get(pk=past_meeting.pk).location == "会议室A"


def test_it_locks_a_filed_meeting(filed_meeting, secretary):
    with pytest.raises(ValidationError, match="已归档"):
        services.meeting_update(meeting=filed_meeting, version=filed_meeting.version, updated_by=secretary, topic="改")
    with pytest.raises(ValidationError, match="已归档"):
        services.attendance_record(
            meeting=filed_meeting, version=filed_meeting.version, entries={}, recorded_by=secretary
        )


def test_it_stores_an_amendment_as_a_new_version_and_keeps_the_original(filed_meeting, secretary, branch_members):
    original = MeetingVersion.objects.get(meeting=filed_meeting)
    amendment = records_services.meeting_amend(
        meeting=filed_meeting,
        version=filed_meeting.version,
        amended_by=secretary,
        reason="漏记一名请假党员",
        entries={branch_members[3].pk: AttendanceEntry(AttendanceStatus.LEAVE, "病假")},
    )
    assert amendment.number == 2 and amendment.reason == "漏记一名请假党员"
    original.refresh_from_db()
    assert original.content_hash != amendment.content_hash
    assert [a[1] for a in original.content["attendance"]].count("leave") == 0
    assert StudyTask.objects.filter(member=branch_members[3], meeting=filed_meeting).exists()
    checked, problems = records_services.records_verify()
    assert checked == 1 and problems == []


def test_it_detects_a_silent_change_to_a_filed_record(filed_meeting):
    Meeting.objects.filter(pk=filed_meeting.pk).update(minutes="悄悄修改的纪要")
    checked, problems = records_services.records_verify()
    assert checked == 1
    assert len(problems) == 1 and problems[0].meeting_id == filed_meeting.pk


def test_it_detects_a_changed_attendance_row_after_filing(filed_meeting, branch_members):
    Attendance.objects.filter(meeting=filed_meeting, member=branch_members[1]).update(status=AttendanceStatus.ABSENT)
    _checked, problems = records_services.records_verify()
    assert [p.meeting_id for p in problems] == [filed_meeting.pk]


def test_it_saves_200_attendees_in_at_most_5_queries(branch, secretary):
    members = [MemberFactory(organization=branch) for _ in range(199)]
    starts = timezone.now() - datetime.timedelta(hours=3)
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GENERAL_MEETING,
        topic="党员大会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    entries = {members[0].pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差"), members[1].pk: AttendanceEntry("absent")}
    with CaptureQueriesContext(connection) as captured:
        services.attendance_record(meeting=meeting, version=meeting.version, entries=entries, recorded_by=secretary)
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 5, statements
    assert Attendance.objects.filter(meeting=meeting).count() == 200
