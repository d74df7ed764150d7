"""我的会议 and the secretary's attendance histories (activities.calendar): what a member attended, on leave or
missed, by year, and the branch's attendance table. Dates as in test_calendar_pages.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry
from activities.models import AttendanceStatus, MeetingKind
from branches.models import MemberStatus
from study.models import StudyTask, TaskStatus
from tests.activities.calendar_pages import (
    LAST_YEAR,
    meeting,
    text,
)
from tests.activities.conftest import local
from tests.factories import MemberFactory, PartyGroupFactory

pytestmark = pytest.mark.django_db

BUDGET = 12


# 我的会议 ---------------------------------------------------------------------------------------------------


def test_it_lists_the_members_upcoming_meetings_of_their_branch_and_group(
    client, member_user, secretary, branch, sibling_branch, branch_members
):
    own, other = (
        PartyGroupFactory(organization=branch, name="一组"),
        PartyGroupFactory(organization=branch, name="二组"),
    )
    member = member_user.member
    member.group = own
    member.save(update_fields=["group"])
    soon = timezone.now() + datetime.timedelta(days=3)
    branch_wide = meeting(branch, soon, by=secretary, topic="全支部主题党日", location="三楼会议室")
    group = meeting(
        branch,
        soon + datetime.timedelta(days=2),
        by=secretary,
        kind=MeetingKind.GROUP_MEETING,
        group=own,
        topic="一组学习",
    )
    meeting(branch, soon, by=secretary, kind=MeetingKind.GROUP_MEETING, group=other, topic="二组学习")
    meeting(branch, soon + datetime.timedelta(days=70), by=secretary, topic="两个月以后")
    meeting(sibling_branch, soon, by=secretary, topic="兄弟支部的会")
    client.force_login(member_user)

    response = client.get(reverse("activities:my_meetings"))

    assert response.status_code == 200
    assert [m.pk for m in response.context["attendance"].upcoming] == [branch_wide.pk, group.pk]
    page = text(response)
    assert "全支部主题党日" in page and "一组学习" in page and "三楼会议室" in page
    assert "二组学习" not in page and "两个月以后" not in page and "兄弟支部的会" not in page
    assert branch_wide.get_absolute_url() in response.content.decode()
    assert reverse("activities:month", args=[branch.pk]) in response.content.decode()


def test_it_shows_the_members_own_attendance_with_reasons_and_makeup_status(
    client, member_user, secretary, branch, branch_members
):
    member = member_user.member
    present = meeting(branch, local(LAST_YEAR, 2, 10, 9), by=secretary, topic="二月主题党日", entries={})
    on_leave = meeting(
        branch,
        local(LAST_YEAR, 3, 10, 9),
        by=secretary,
        topic="三月主题党日",
        entries={
            member.pk: AttendanceEntry(AttendanceStatus.LEAVE, "外出培训"),
            branch_members[2].pk: AttendanceEntry(AttendanceStatus.LEAVE, "别人的事由"),
        },
    )
    absent = meeting(
        branch,
        local(LAST_YEAR, 4, 10, 9),
        by=secretary,
        kind=MeetingKind.GENERAL_MEETING,
        topic="四月党员大会",
        entries={member.pk: AttendanceEntry(AttendanceStatus.ABSENT)},
    )
    meeting(branch, local(LAST_YEAR - 1, 5, 10, 9), by=secretary, topic="前年的会", entries={})
    StudyTask.objects.filter(member=member, meeting=on_leave).update(due_date=datetime.date(LAST_YEAR, 4, 9))
    client.force_login(member_user)

    response = client.get(reverse("activities:my_meetings") + f"?year={LAST_YEAR}")

    attendance = response.context["attendance"]
    assert [(row.meeting.pk, row.status) for row in attendance.history] == [
        (absent.pk, AttendanceStatus.ABSENT),
        (on_leave.pk, AttendanceStatus.LEAVE),
        (present.pk, AttendanceStatus.PRESENT),
    ]
    assert attendance.summary.rate == 33 and attendance.summary.leave == 1 and attendance.summary.absent == 1
    (leave_row,) = [row for row in attendance.history if row.status == AttendanceStatus.LEAVE]
    assert leave_row.makeup_status == TaskStatus.OPEN and leave_row.makeup_overdue
    page = text(response)
    assert "外出培训" in page and "别人的事由" not in page and "前年的会" not in page
    assert "补学： 待完成（已逾期）" in page or "补学：待完成（已逾期）" in page
    assert "33%" in page

    StudyTask.objects.filter(member=member, meeting=on_leave).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), reflection="补学心得"
    )
    response = client.get(reverse("activities:my_meetings") + f"?year={LAST_YEAR}")
    (leave_row,) = [row for row in response.context["attendance"].history if row.status == AttendanceStatus.LEAVE]
    assert leave_row.makeup_label == "已完成" and not leave_row.makeup_overdue


def test_it_shows_a_friendly_page_to_a_user_without_a_member_record(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("activities:my_meetings"))
    assert response.status_code == 200
    assert "没有关联党员信息" in text(response)


def test_it_says_so_when_the_year_is_not_understood(client, member_user):
    client.force_login(member_user)
    response = client.get(reverse("activities:my_meetings") + "?year=abc")
    assert response.status_code == 200
    assert response.context["attendance"].year == timezone.localdate().year
    assert "年份格式不正确" in text(response)


# Attendance histories for the secretary ------------------------------------------------------------------------


@pytest.fixture
def attendance_year_data(branch, secretary, branch_members):
    """Three meetings last year: 赵一 on leave once, 钱二 absent once; one meeting the year before."""
    zhao, qian = branch_members[2], branch_members[3]
    meeting(branch, local(LAST_YEAR, 1, 15, 9), by=secretary, entries={})
    meeting(
        branch,
        local(LAST_YEAR, 6, 15, 9),
        by=secretary,
        entries={
            zhao.pk: AttendanceEntry(AttendanceStatus.LEAVE, "病假"),
            qian.pk: AttendanceEntry(AttendanceStatus.ABSENT),
        },
    )
    meeting(
        branch,
        local(LAST_YEAR, 11, 15, 9),
        by=secretary,
        entries={qian.pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差")},
        file=True,
    )
    meeting(
        branch,
        local(LAST_YEAR - 1, 11, 15, 9),
        by=secretary,
        entries={zhao.pk: AttendanceEntry(AttendanceStatus.ABSENT)},
    )
    return zhao, qian


def test_it_counts_each_members_attendance_over_the_year(
    client, secretary, branch, branch_members, attendance_year_data
):
    zhao, qian = attendance_year_data
    newcomer = MemberFactory(organization=branch, name="新来的")
    client.force_login(secretary)

    response = client.get(reverse("activities:attendance_year", args=[branch.pk]) + f"?year={LAST_YEAR}")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.meeting_count == 3
    rows = {row.member.pk: row.summary for row in report.rows}
    assert set(rows) == {m.pk for m in branch_members} | {newcomer.pk}
    assert (rows[zhao.pk].expected, rows[zhao.pk].present, rows[zhao.pk].leave, rows[zhao.pk].absent) == (3, 2, 1, 0)
    assert (rows[qian.pk].expected, rows[qian.pk].present, rows[qian.pk].leave, rows[qian.pk].absent) == (3, 1, 1, 1)
    assert rows[qian.pk].rate == 33 and rows[qian.pk].last_attended == datetime.date(LAST_YEAR, 1, 15)
    assert rows[zhao.pk].last_attended == datetime.date(LAST_YEAR, 11, 15)
    assert rows[newcomer.pk].expected == 0 and rows[newcomer.pk].rate is None
    assert (report.total.expected, report.total.present) == (15, 12)
    page = text(response)
    assert "80%" in page and "1月15日" in page
    assert reverse("activities:member_attendance", args=[qian.pk]) + f"?year={LAST_YEAR}" in response.content.decode()


def test_it_keeps_a_member_who_left_during_the_year_in_that_years_counts(
    client, secretary, branch, branch_members, attendance_year_data
):
    zhao, _qian = attendance_year_data
    zhao.status = MemberStatus.TRANSFERRED_OUT
    zhao.save(update_fields=["status"])
    client.force_login(secretary)

    response = client.get(reverse("activities:attendance_year", args=[branch.pk]) + f"?year={LAST_YEAR}")

    rows = {row.member.pk: row for row in response.context["report"].rows}
    assert rows[zhao.pk].summary.expected == 3
    assert "已转出" in text(response)


def test_it_shows_one_members_history_to_the_secretary(client, secretary, branch_members, attendance_year_data):
    _zhao, qian = attendance_year_data
    client.force_login(secretary)

    response = client.get(reverse("activities:member_attendance", args=[qian.pk]) + f"?year={LAST_YEAR}")

    assert response.status_code == 200
    attendance = response.context["attendance"]
    assert [row.status for row in attendance.history] == [
        AttendanceStatus.LEAVE,
        AttendanceStatus.ABSENT,
        AttendanceStatus.PRESENT,
    ]
    assert attendance.previous_year == LAST_YEAR - 1 and attendance.next_year == LAST_YEAR + 1
    page = text(response)
    assert "钱二的出勤记录" in page and "出差" in page
    assert reverse("activities:attendance_year", args=[qian.organization_id]) in response.content.decode()


def test_it_limits_the_attendance_pages_to_the_committee_and_the_member_themselves(
    client, member_user, secretary, other_branch_secretary, district_officer, branch, other_branch, branch_members
):
    other_member = branch_members[2]
    stranger = MemberFactory(organization=other_branch, name="外支部党员")

    client.force_login(member_user)
    response = client.get(reverse("activities:member_attendance", args=[member_user.member.pk]))
    assert response.status_code == 200
    assert reverse("activities:attendance_year", args=[branch.pk]) not in response.content.decode()
    assert client.get(reverse("activities:member_attendance", args=[other_member.pk])).status_code == 404
    assert client.get(reverse("activities:attendance_year", args=[branch.pk])).status_code == 403

    client.force_login(other_branch_secretary)
    assert client.get(reverse("activities:attendance_year", args=[branch.pk])).status_code == 404
    assert client.get(reverse("activities:member_attendance", args=[other_member.pk])).status_code == 404
    assert client.get(reverse("activities:attendance_year", args=[other_branch.pk])).status_code == 200

    client.force_login(district_officer)
    assert client.get(reverse("activities:attendance_year", args=[other_branch.pk])).status_code == 404
    assert client.get(reverse("activities:member_attendance", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("activities:attendance_year", args=[branch.pk])).status_code == 200
    assert client.get(reverse("activities:member_attendance", args=[other_member.pk])).status_code == 200
