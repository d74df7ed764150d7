"""`manage.py verify_records`: zero exit when every filed record matches its hashes, non-zero naming the record."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry
from activities.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingVersion
from activities.records import services as records_services
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_records", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def filed_at(organization, user, *, topic: str, days_ago: int = 3) -> Meeting:
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    meeting = services.meeting_create(
        organization=organization,
        created_by=user,
        kind=MeetingKind.PARTY_LECTURE,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    meeting = services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=user)
    return records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=user)


def test_it_reports_every_filed_record_consistent_and_exits_zero(filed_meeting, branch, secretary):
    filed_at(branch, secretary, topic="党课：党的历史")

    out, err = verify()

    assert out.strip() == "已校验 2 条归档记录，全部一致。"
    assert err == ""


def test_an_amended_record_still_verifies(filed_meeting, secretary, branch_members):
    meeting = Meeting.objects.get(pk=filed_meeting.pk)
    records_services.meeting_amend(
        meeting=meeting,
        version=meeting.version,
        amended_by=secretary,
        reason="补记一名请假党员的事由",
        entries={branch_members[2].pk: AttendanceEntry(AttendanceStatus.LEAVE, "外出培训")},
    )

    out, _err = verify()

    assert MeetingVersion.objects.filter(meeting=meeting).count() == 2
    assert "已校验 1 条归档记录，全部一致" in out


def test_a_record_changed_behind_the_services_back_fails_and_is_named(filed_meeting, branch, secretary):
    filed_at(branch, secretary, topic="党课：党的历史")
    Meeting.objects.filter(pk=filed_meeting.pk).update(topic="改过的主题")

    with pytest.raises(CommandError) as failure:
        verify()

    assert failure.value.returncode == 1
    assert "已校验 2 条归档记录，其中 1 条与归档内容不一致" in str(failure.value)


def test_the_mismatch_lines_name_the_record_and_what_differs(filed_meeting, branch, secretary, branch_members):
    Attendance.objects.filter(meeting=filed_meeting, member=branch_members[1]).update(status=AttendanceStatus.ABSENT)
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("verify_records", stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert f"#{filed_meeting.pk} " in lines[0]
    assert "「学习党章 重温入党誓词」" in lines[0] and branch.name in lines[0]
    assert "当前记录与最后归档版本（第1版）不一致" in lines[0]


def test_a_stored_version_whose_content_was_edited_fails(filed_meeting):
    version = MeetingVersion.objects.get(meeting=filed_meeting)
    content = version.content
    content["fields"]["minutes"] = "事后补写的纪要"
    MeetingVersion.objects.filter(pk=version.pk).update(content=content)
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("verify_records", stdout=io.StringIO(), stderr=err)

    assert "第1版的归档内容与其摘要不符" in err.getvalue()


def test_org_limits_the_check_to_a_subtree(filed_meeting, branch, other_branch, other_branch_secretary):
    MemberFactory(organization=other_branch, name="西城党员")
    tampered = filed_at(other_branch, other_branch_secretary, topic="西城党课")
    Meeting.objects.filter(pk=tampered.pk).update(location="改过的地点")

    out, _err = verify("--org", branch.code)
    assert out.strip() == "已校验 1 条归档记录，全部一致。"

    with pytest.raises(CommandError):
        verify("--org", other_branch.code)
    with pytest.raises(CommandError):
        verify("--org", other_branch.parent.parent.code)  # the city: both subtrees


def test_an_unknown_org_code_is_refused_with_a_clear_message(filed_meeting):
    with pytest.raises(CommandError, match="没有组织代码为“BJ-NONE”的党组织"):
        verify("--org", "BJ-NONE")


def test_no_filed_records_is_zero_checked_and_consistent(held_meeting):
    out, _err = verify()

    assert out.strip() == "已校验 0 条归档记录，全部一致。"
