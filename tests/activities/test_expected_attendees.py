"""Who was expected at a meeting is the roster on the day it was held (issue #13 item 2): the membership history
decides, not today's roster, however late the attendance is entered. A meeting held on 5 April and entered on
12 April, after one member left (8 April), one moved to another branch (8 April), one arrived by transfer
(9 April) and one newcomer joined (10 April): the leavers are listed, the arrivals are not — in the attendance
form, the rows written, the meeting's expected count and the year's attendance rates (M1 reads the same rows)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.calendar.selectors import attendance_year
from activities.meetings import selectors, services
from activities.meetings.services import AttendanceEntry
from activities.models import Attendance, AttendanceStatus, MeetingKind
from branches import services as branch_services
from branches.models import MemberStatus
from branches.roster.services import roster_import
from tests.activities.calendar_pages import LAST_YEAR
from tests.activities.conftest import local
from tests.branches.test_roster_import import roster_row, xlsx_upload
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HELD, ENTERED = datetime.date(LAST_YEAR, 4, 5), datetime.date(LAST_YEAR, 4, 12)


@pytest.fixture
def april(branch, sibling_branch, secretary, branch_members):
    """The meeting of 5 April, still not recorded on 12 April, and the roster's changes in between."""
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="学习党章",
        starts_at=local(LAST_YEAR, 4, 5, 9),
        ends_at=local(LAST_YEAR, 4, 5, 11),
    )
    leaver, mover = branch_members[2], branch_members[3]
    branch_services.member_status_change(
        member=leaver, status=MemberStatus.TRANSFERRED_OUT, on=datetime.date(LAST_YEAR, 4, 8)
    )
    branch_services.member_transfer(member=mover, to_organization=sibling_branch, on=datetime.date(LAST_YEAR, 4, 8))
    arrival = MemberFactory(organization=sibling_branch, name="转来的")
    branch_services.member_transfer(member=arrival, to_organization=branch, on=datetime.date(LAST_YEAR, 4, 9))
    newcomer = MemberFactory(organization=branch, name="新来的", started_on=datetime.date(LAST_YEAR, 4, 10))
    return meeting, leaver, mover, arrival, newcomer


def test_it_lists_the_roster_of_the_day_held_on_the_attendance_form(client, secretary, branch_members, april):
    meeting, leaver, mover, arrival, newcomer = april
    client.force_login(secretary)

    response = client.get(reverse("activities:meeting_record", args=[meeting.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert leaver.name in page and mover.name in page
    assert arrival.name not in page and newcomer.name not in page
    listed = {row.member_id for row in selectors.meeting_roster(meeting=meeting)}
    assert listed == {m.pk for m in branch_members}
    assert selectors.meeting_detail_get(user=secretary, pk=meeting.pk).summary.expected == 5


def test_it_writes_attendance_for_the_roster_of_the_day_held(secretary, branch, branch_members, april):
    meeting, leaver, mover, arrival, newcomer = april

    services.attendance_record(
        meeting=meeting,
        version=meeting.version,
        entries={leaver.pk: AttendanceEntry(AttendanceStatus.ABSENT)},
        recorded_by=secretary,
        today=ENTERED,
    )

    statuses = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "status"))
    assert set(statuses) == {m.pk for m in branch_members}
    assert statuses[leaver.pk] == AttendanceStatus.ABSENT and statuses[mover.pk] == AttendanceStatus.PRESENT
    # The year's attendance rates: the leaver missed the one meeting they were expected at; the newcomers were
    # expected at none (so 5 April can never count against them in M1, which reads these rows).
    rows = {
        row.member.pk: row.summary for row in attendance_year(organization=branch, year=LAST_YEAR, today=ENTERED).rows
    }
    assert (rows[leaver.pk].expected, rows[leaver.pk].absent, rows[leaver.pk].rate) == (1, 1, 0)
    assert rows[newcomer.pk].expected == 0 and rows[arrival.pk].expected == 0


def test_it_refuses_to_mark_a_member_who_joined_after_the_meeting(secretary, april):
    meeting, _leaver, _mover, arrival, newcomer = april

    for late in (arrival, newcomer):
        meeting.refresh_from_db()
        with pytest.raises(ValidationError, match="不是本次活动的应到人员"):
            services.attendance_record(
                meeting=meeting,
                version=meeting.version,
                entries={late.pk: AttendanceEntry(AttendanceStatus.ABSENT)},
                recorded_by=secretary,
                today=ENTERED,
            )
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_it_expects_a_member_at_the_new_branchs_meeting_from_the_day_of_the_transfer(secretary, sibling_branch, april):
    _meeting, _leaver, mover, _arrival, _newcomer = april
    on_the_day = services.meeting_create(
        organization=sibling_branch,
        created_by=None,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=local(LAST_YEAR, 4, 8, 15),
        ends_at=local(LAST_YEAR, 4, 8, 16),
    )
    before = services.meeting_create(
        organization=sibling_branch,
        created_by=None,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=local(LAST_YEAR, 4, 7, 15),
        ends_at=local(LAST_YEAR, 4, 7, 16),
    )

    assert mover.pk in {row.member_id for row in selectors.meeting_roster(meeting=on_the_day)}
    assert mover.pk not in {row.member_id for row in selectors.meeting_roster(meeting=before)}


def test_it_expects_an_imported_roster_at_the_meetings_entered_late_for_the_months_before_the_import(secretary, branch):
    """When an imported member came is not known: their stay counts from the 入党日期, so a branch that imports
    its roster today and then enters last year's meetings finds its members expected."""
    rows = [
        roster_row(姓名="导入甲"),
        roster_row(姓名="导入乙", 党员类型="预备党员", 入党日期=f"{LAST_YEAR + 1}-01-05", 转正日期=""),
    ]
    assert roster_import(organization=branch, uploaded_file=xlsx_upload(rows)).ok
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=local(LAST_YEAR, 11, 5, 9),
        ends_at=local(LAST_YEAR, 11, 5, 11),
    )

    names = {row.name for row in selectors.meeting_roster(meeting=meeting)}
    assert "导入甲" in names and "导入乙" not in names  # 乙 joined the Party after the meeting
