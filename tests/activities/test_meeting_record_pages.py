"""The secretary's meeting pages that change the record: attendance and minutes, filing, amendments and
deletion — bad input with Chinese messages, stale pages, query budgets."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.meetings import services
from activities.meetings.services import AttendanceEntry
from activities.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MeetingVersion,
)
from activities.records import services as records_services
from activities.signin import services as signin_services
from study.models import StudyTask, TaskKind
from tests.activities.meeting_pages import (
    amend_data,
    bulk_members,
    flashed,
    record_data,
    text,
    url,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

DETAIL_BUDGET = 12
WRITE_URLS = ["meeting_edit", "meeting_record", "meeting_file", "meeting_amend", "meeting_delete"]
ALL_MEETING_URLS = ["meeting_detail", *WRITE_URLS]


# Record -----------------------------------------------------------------------------------------------------


def test_it_shows_everyone_present_by_default_and_who_signed_in(client, secretary, past_meeting, branch_members):
    signin_services.sign_in(
        meeting=past_meeting, member=branch_members[1], now=past_meeting.starts_at + datetime.timedelta(minutes=3)
    )
    client.force_login(secretary)
    response = client.get(url("meeting_record", past_meeting.pk))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["row"].member_id for r in rows] == [m.pk for m in sorted(branch_members, key=lambda m: (m.name, m.pk))]
    assert {r["status"] for r in rows} == {AttendanceStatus.PRESENT}
    page = text(response)
    assert page.count('value="present" autocomplete="off" checked') == len(branch_members)
    assert "扫码签到" in page and "已有 1 人扫码签到，已标为出席。" in page


def test_it_records_attendance_and_minutes_in_one_save(client, secretary, past_meeting, branch_members):
    on_leave, absent = branch_members[2], branch_members[3]
    client.force_login(secretary)
    data = record_data(
        past_meeting,
        branch_members,
        changes={on_leave: (AttendanceStatus.LEAVE, "出差"), absent: (AttendanceStatus.ABSENT, "")},
        minutes="学习了党章第一章，全体党员重温入党誓词。",
    )
    response = client.post(url("meeting_record", past_meeting.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == past_meeting.get_absolute_url()
    assert "出勤和会议纪要已保存：出席3人，请假1人，缺席1人。" in flashed(response)
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.HELD and past_meeting.recorded_at is not None
    assert past_meeting.minutes == "学习了党章第一章，全体党员重温入党誓词。"
    statuses = dict(Attendance.objects.filter(meeting=past_meeting).values_list("member_id", "status"))
    assert statuses[on_leave.pk] == AttendanceStatus.LEAVE and statuses[absent.pk] == AttendanceStatus.ABSENT
    assert sum(1 for s in statuses.values() if s == AttendanceStatus.PRESENT) == 3
    assert StudyTask.objects.filter(member=on_leave, meeting=past_meeting, kind=TaskKind.MAKEUP).exists()
    page = text(response)
    assert "出差" in page and "60%" in page


def test_it_asks_for_a_leave_reason_and_loses_nothing(client, secretary, past_meeting, branch_members):
    client.force_login(secretary)
    data = record_data(
        past_meeting,
        branch_members,
        changes={branch_members[2]: (AttendanceStatus.LEAVE, "  ")},
        minutes="纪要草稿不能丢",
    )
    response = client.post(url("meeting_record", past_meeting.pk), data)
    assert response.status_code == 200
    page = text(response)
    assert f"请填写{branch_members[2].name}的请假事由。" in page
    assert "纪要草稿不能丢" in page
    leave_radio = f'id="id_status_{branch_members[2].pk}_leave" value="leave" autocomplete="off" checked'
    assert leave_radio in page
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.PLANNED and past_meeting.minutes == ""
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_it_refuses_attendance_for_someone_outside_the_branch(
    client, secretary, past_meeting, branch_members, sibling_branch
):
    stranger = MemberFactory(organization=sibling_branch, name="隔壁党员")
    client.force_login(secretary)
    data = record_data(past_meeting, branch_members, minutes="纪要")
    data[f"status_{stranger.pk}"] = AttendanceStatus.PRESENT
    response = client.post(url("meeting_record", past_meeting.pk), data)
    assert response.status_code == 200
    assert "有1人不是本次活动的应到人员（不在本支部或本党小组），未予登记。" in text(response)
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.PLANNED and past_meeting.minutes == ""
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_it_refuses_to_record_a_meeting_that_has_not_started(client, secretary, future_meeting, branch_members):
    client.force_login(secretary)
    page = text(client.get(url("meeting_record", future_meeting.pk)))
    assert "这次活动尚未开始" in page and "开始后才能登记出勤" in page
    response = client.post(url("meeting_record", future_meeting.pk), record_data(future_meeting, branch_members))
    assert response.status_code == 200
    assert "不能登记为已召开" in text(response)
    future_meeting.refresh_from_db()
    assert future_meeting.status == MeetingStatus.PLANNED
    assert not Attendance.objects.filter(meeting=future_meeting).exists()


def test_it_tells_the_second_recorder_and_keeps_the_minutes(client, secretary, past_meeting, branch_members):
    opened_at = past_meeting.version
    services.attendance_record(meeting=past_meeting, version=opened_at, entries={}, recorded_by=secretary)
    client.force_login(secretary)
    data = record_data(
        past_meeting,
        branch_members,
        changes={branch_members[4]: (AttendanceStatus.ABSENT, "")},
        minutes="我写了很久的纪要",
        version=opened_at,
    )
    response = client.post(url("meeting_record", past_meeting.pk), data)
    assert response.status_code == 200
    page = text(response)
    assert "这条记录已被他人修改" in page and "我写了很久的纪要" in page
    assert f'id="id_status_{branch_members[4].pk}_absent" value="absent" autocomplete="off" checked' in page
    past_meeting.refresh_from_db()
    assert past_meeting.minutes == ""
    assert f'name="version" value="{past_meeting.version}"' in page


def test_it_redirects_recording_a_filed_meeting_with_a_message(client, secretary, filed_meeting, branch_members):
    client.force_login(secretary)
    data = record_data(filed_meeting, branch_members, changes={branch_members[1]: (AttendanceStatus.ABSENT, "")})
    response = client.post(url("meeting_record", filed_meeting.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == filed_meeting.get_absolute_url()
    assert "这次活动已归档，出勤记录不能直接修改；如需更正，请提交更正。" in flashed(response)
    assert not Attendance.objects.filter(meeting=filed_meeting, status=AttendanceStatus.ABSENT).exists()


def test_it_shows_the_record_page_in_the_same_queries_for_5_or_200_members(
    client, secretary, branch, past_meeting, branch_members
):
    client.force_login(secretary)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("meeting_record", past_meeting.pk)).status_code == 200
        return len(captured)

    small = count()
    bulk_members(branch, 200)
    large = count()
    assert small == large <= 10


def test_it_records_two_hundred_members_with_a_few_exceptions(client, secretary, branch, past_meeting, branch_members):
    members = [*branch_members, *bulk_members(branch, 195)]
    client.force_login(secretary)
    changes = {members[10]: (AttendanceStatus.LEAVE, "病假"), members[20]: (AttendanceStatus.ABSENT, "")}
    response = client.post(url("meeting_record", past_meeting.pk), record_data(past_meeting, members, changes=changes))
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=past_meeting).count() == 200
    assert Attendance.objects.filter(meeting=past_meeting, status=AttendanceStatus.PRESENT).count() == 198


def test_it_saves_attendance_and_minutes_of_200_members_in_at_most_five_queries(
    secretary, branch, past_meeting, branch_members
):
    members = bulk_members(branch, 195)
    entries = {
        members[0].pk: AttendanceEntry(AttendanceStatus.LEAVE, "病假"),
        members[1].pk: AttendanceEntry(AttendanceStatus.ABSENT),
    }
    with CaptureQueriesContext(connection) as captured:
        services.meeting_record(
            meeting=past_meeting,
            version=past_meeting.version,
            entries=entries,
            minutes="  纪要  ",
            recorded_by=secretary,
        )
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 5, statements
    past_meeting.refresh_from_db()
    assert past_meeting.minutes == "纪要" and past_meeting.status == MeetingStatus.HELD
    assert Attendance.objects.filter(meeting=past_meeting).count() == 200


# File -------------------------------------------------------------------------------------------------------


def test_it_files_after_confirmation_and_locks_the_record(client, secretary, held_meeting):
    client.force_login(secretary)
    confirm = client.get(url("meeting_file", held_meeting.pk))
    assert confirm.status_code == 200
    assert "确认归档" in text(confirm) and "出席 5 / 应到 5" in text(confirm)
    response = client.post(url("meeting_file", held_meeting.pk), {"version": held_meeting.version}, follow=True)
    assert response.redirect_chain[-1][0] == held_meeting.get_absolute_url()
    held_meeting.refresh_from_db()
    assert held_meeting.status == MeetingStatus.FILED and held_meeting.filed_by == secretary
    version = MeetingVersion.objects.get(meeting=held_meeting)
    page = text(response)
    assert f"已归档，内容校验码 {version.content_hash[:12]}" in page
    assert "data-hash-help" in page
    assert url("meeting_edit", held_meeting.pk) not in page
    assert url("meeting_record", held_meeting.pk) not in page
    assert url("meeting_delete", held_meeting.pk) not in page
    assert url("meeting_amend", held_meeting.pk) in page


def test_it_refuses_to_file_a_meeting_without_attendance(client, secretary, past_meeting):
    client.force_login(secretary)
    page = text(client.get(url("meeting_file", past_meeting.pk)))
    assert "请先登记出勤，活动召开后才能归档。" in page and "确认归档" not in page
    response = client.post(url("meeting_file", past_meeting.pk), {"version": past_meeting.version}, follow=True)
    assert "请先登记出勤，活动召开后才能归档。" in flashed(response)
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.PLANNED


def test_it_refuses_to_file_from_a_stale_page(client, secretary, held_meeting, branch_members):
    opened_at = held_meeting.version
    services.attendance_record(
        meeting=held_meeting,
        version=opened_at,
        entries={branch_members[1].pk: AttendanceEntry(AttendanceStatus.ABSENT)},
        recorded_by=secretary,
    )
    client.force_login(secretary)
    response = client.post(url("meeting_file", held_meeting.pk), {"version": opened_at}, follow=True)
    assert any("这条记录已被他人修改" in message for message in flashed(response))
    held_meeting.refresh_from_db()
    assert held_meeting.status == MeetingStatus.HELD


def test_it_says_a_filed_meeting_is_already_filed(client, secretary, filed_meeting):
    client.force_login(secretary)
    response = client.post(url("meeting_file", filed_meeting.pk), {"version": filed_meeting.version}, follow=True)
    assert "这次活动已经归档。" in flashed(response)
    assert MeetingVersion.objects.filter(meeting=filed_meeting).count() == 1


# Amend ------------------------------------------------------------------------------------------------------


def test_it_sends_the_amendment_of_an_unfiled_meeting_to_the_edit_page(client, secretary, held_meeting):
    client.force_login(secretary)
    response = client.get(url("meeting_amend", held_meeting.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("meeting_edit", held_meeting.pk)
    assert "只有已归档的活动需要提交更正；未归档的活动可直接修改。" in flashed(response)


def test_it_asks_for_the_reason_of_an_amendment(client, secretary, filed_meeting, branch_members):
    client.force_login(secretary)
    response = client.post(
        url("meeting_amend", filed_meeting.pk), amend_data(filed_meeting, branch_members, topic="新主题")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请写明更正原因。"]
    assert 'value="新主题"' in text(response)
    data = amend_data(filed_meeting, branch_members, reason="改主题", topic="新主题")
    response = client.post(url("meeting_amend", filed_meeting.pk), data)
    assert "请写明更正原因（至少5个字）。" in text(response)
    filed_meeting.refresh_from_db()
    assert filed_meeting.topic == "学习党章 重温入党誓词"
    assert MeetingVersion.objects.filter(meeting=filed_meeting).count() == 1


def test_it_amends_a_filed_meeting_and_shows_the_original_in_the_history(
    client, secretary, filed_meeting, branch_members
):
    client.force_login(secretary)
    page = text(client.get(url("meeting_amend", filed_meeting.pk)))
    assert "更正原因" in page and 'name="status_' in page
    on_leave = branch_members[3]
    data = amend_data(
        filed_meeting,
        branch_members,
        reason="主题记录有误，并补记请假人员",
        changes={on_leave: (AttendanceStatus.LEAVE, "外出培训")},
        topic="学习党章 重温入党誓词（第二次）",
    )
    response = client.post(url("meeting_amend", filed_meeting.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == filed_meeting.get_absolute_url()
    assert "更正已保存为第2版，原记录和更正原因可在历史中查看。" in flashed(response)
    filed_meeting.refresh_from_db()
    assert filed_meeting.topic == "学习党章 重温入党誓词（第二次）" and filed_meeting.is_filed
    assert Attendance.objects.get(meeting=filed_meeting, member=on_leave).status == AttendanceStatus.LEAVE
    versions = list(MeetingVersion.objects.filter(meeting=filed_meeting).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].reason == "主题记录有误，并补记请假人员"
    page = text(response)
    assert "第2版 · 更正" in page and "第1版 · 归档" in page and "主题记录有误，并补记请假人员" in page
    assert "学习党章 重温入党誓词</td>" in page  # the original topic, before the correction
    assert f"出勤：{on_leave.name}" in page and "外出培训" in page
    assert f"已归档，内容校验码 {versions[1].content_hash[:12]}" in page
    _checked, problems = records_services.records_verify()
    assert problems == []


def test_it_asks_for_the_leave_reason_in_an_amendment(client, secretary, filed_meeting, branch_members):
    client.force_login(secretary)
    data = amend_data(
        filed_meeting,
        branch_members,
        reason="补记请假人员情况",
        changes={branch_members[1]: (AttendanceStatus.LEAVE, "")},
    )
    response = client.post(url("meeting_amend", filed_meeting.pk), data)
    assert response.status_code == 200
    assert f"请填写{branch_members[1].name}的请假事由。" in text(response)
    assert MeetingVersion.objects.filter(meeting=filed_meeting).count() == 1


# Delete -----------------------------------------------------------------------------------------------------


def test_it_deletes_an_unfiled_meeting_after_confirmation(client, secretary, future_meeting, branch):
    client.force_login(secretary)
    confirm = client.get(url("meeting_delete", future_meeting.pk))
    assert confirm.status_code == 200 and "确定删除吗" in text(confirm)
    response = client.post(url("meeting_delete", future_meeting.pk), {"version": future_meeting.version}, follow=True)
    assert not Meeting.objects.filter(pk=future_meeting.pk).exists()
    month_url = reverse("activities:month", args=[branch.pk]) + f"?month={future_meeting.held_on:%Y-%m}"
    assert response.redirect_chain[0][0] == month_url
    assert "已删除“研究下月工作”。" in flashed(response)


def test_it_refuses_to_delete_a_filed_meeting(client, secretary, filed_meeting):
    client.force_login(secretary)
    response = client.post(url("meeting_delete", filed_meeting.pk), {"version": filed_meeting.version}, follow=True)
    assert "已归档的活动不能删除。" in flashed(response)
    assert Meeting.objects.filter(pk=filed_meeting.pk).exists()


def test_it_refuses_to_delete_from_a_stale_page(client, secretary, future_meeting):
    client.force_login(secretary)
    opened_at = future_meeting.version
    services.meeting_update(meeting=future_meeting, version=opened_at, updated_by=secretary, topic="改过了")
    response = client.post(url("meeting_delete", future_meeting.pk), {"version": opened_at}, follow=True)
    assert any("这条记录已被他人修改" in message for message in flashed(response))
    assert Meeting.objects.filter(pk=future_meeting.pk).exists()
