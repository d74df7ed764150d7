"""The branch month view with its to-do (activities.calendar and reviews' month obligations), navigation and
the query budgets of the calendar pages.

Dates are Asia/Shanghai. Pages that judge "today" are looked at on a fixed day of last year (`on_day`), so the
month, quarter and grace boundaries are exact whatever day the suite runs; meetings are entered now, late, as
secretaries do.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.calendar import selectors as calendar_selectors
from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry
from activities.models import AttendanceStatus, MeetingKind, MeetingStatus
from branches.models import Membership
from reviews.compliance.rules import Outcome
from reviews.compliance.selectors import branch_obligations, committee_obligations
from tests.activities.calendar_pages import (
    LAST_YEAR,
    find,
    meeting,
    month_url,
    text,
    todo_url,
)
from tests.activities.conftest import local
from tests.factories import MemberFactory, PartyGroupFactory

pytestmark = pytest.mark.django_db

BUDGET = 12


# The month view --------------------------------------------------------------------------------------------


def test_it_shows_the_months_meetings_with_status_kind_time_and_attendance_rate(
    client, secretary, branch, branch_members, on_day
):
    on_day(datetime.date(LAST_YEAR, 3, 20))
    held = meeting(
        branch,
        local(LAST_YEAR, 3, 5, 19),
        by=secretary,
        topic="学习新修订的党章",
        entries={branch_members[2].pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差")},
    )
    filed = meeting(
        branch, local(LAST_YEAR, 3, 12, 14, 30), by=secretary, kind=MeetingKind.PARTY_LECTURE, entries={}, file=True
    )
    planned = meeting(branch, local(LAST_YEAR, 3, 28, 9), by=secretary, kind=MeetingKind.GENERAL_MEETING)
    meeting(branch, local(LAST_YEAR, 4, 2, 9), by=secretary, topic="四月的主题党日")
    client.force_login(secretary)

    response = client.get(month_url(branch, f"{LAST_YEAR}-03"))

    assert response.status_code == 200
    calendar = response.context["calendar"]
    assert [m.pk for m in calendar.meetings] == [held.pk, filed.pk, planned.pk]
    assert [m.rate for m in calendar.meetings] == [80, 100, None]
    page = text(response)
    assert "学习新修订的党章" in page and "四月的主题党日" not in page
    assert "出席率 80%（4/5）" in page and "出席率 100%" in page
    for label in ("已召开", "已归档", "已安排", "主题党日", "党课", "支部党员大会", "19:00", "14:30"):
        assert label in page
    content = response.content.decode()
    assert held.get_absolute_url() in content
    assert f"?month={LAST_YEAR}-02" in content and f"?month={LAST_YEAR}-04" in content
    assert reverse("activities:meeting_create", args=[branch.pk]) in content  # 安排会议 for the secretary
    # The calendar puts the meetings on their days (Monday first) and the phone list has them too.
    day = next(d for week in calendar.weeks for d in week if d.date == datetime.date(LAST_YEAR, 3, 5))
    assert [m.pk for m in day.meetings] == [held.pk] and day.in_month
    assert all(len(week) == 7 and week[0].date.weekday() == 0 for week in calendar.weeks)
    assert 'class="list-group d-md-none month-list"' in content


def test_it_defaults_to_this_month_and_says_so_when_the_month_is_not_understood(client, secretary, branch, on_day):
    on_day(datetime.date(LAST_YEAR, 7, 1))
    client.force_login(secretary)

    response = client.get(month_url(branch))
    assert response.context["calendar"].month == datetime.date(LAST_YEAR, 7, 1)
    assert response.context["calendar"].is_current_month
    assert "月份格式不正确" not in text(response)

    response = client.get(month_url(branch, f"{LAST_YEAR}-13"))
    assert response.status_code == 200
    assert response.context["calendar"].month == datetime.date(LAST_YEAR, 7, 1)
    assert "月份格式不正确" in text(response)


def test_it_places_meetings_by_the_shanghai_date_at_month_and_quarter_boundaries(
    client, secretary, branch, branch_members, on_day
):
    """23:30 on 31 March is March and Q1 in Beijing (15:30 UTC); 00:30 on 1 April is April and Q2 (16:30 UTC
    the day before)."""
    on_day(datetime.date(LAST_YEAR, 4, 20))
    march = meeting(branch, local(LAST_YEAR, 3, 31, 23, 30), by=secretary, kind=MeetingKind.PARTY_LECTURE, entries={})
    april = meeting(branch, local(LAST_YEAR, 4, 1, 0, 30), by=secretary, kind=MeetingKind.PARTY_LECTURE, entries={})
    assert march.starts_at.astimezone(datetime.UTC).date() == april.starts_at.astimezone(datetime.UTC).date()
    client.force_login(secretary)

    response = client.get(month_url(branch, f"{LAST_YEAR}-03"))
    assert [m.pk for m in response.context["calendar"].meetings] == [march.pk]
    (lecture,) = find(client.get(todo_url(branch, f"{LAST_YEAR}-03")).context["obligations"], "C5", "quarter")
    assert lecture.result.period.key == f"{LAST_YEAR}-Q1"
    assert lecture.result.outcome == Outcome.MET and [m.id for m in lecture.counted] == [march.pk]

    response = client.get(month_url(branch, f"{LAST_YEAR}-04"))
    assert [m.pk for m in response.context["calendar"].meetings] == [april.pk]
    (lecture,) = find(client.get(todo_url(branch, f"{LAST_YEAR}-04")).context["obligations"], "C5", "quarter")
    assert lecture.result.period.key == f"{LAST_YEAR}-Q2"
    assert [m.id for m in lecture.counted] == [april.pk]


def test_it_counts_a_meeting_entered_late_in_the_month_it_was_held(client, secretary, branch, branch_members, on_day):
    on_day(datetime.date(LAST_YEAR, 4, 5))
    client.force_login(secretary)
    response = client.get(todo_url(branch))
    (grace,) = [o for o in response.context["obligations"].previous if o.result.rule.code == "C3"]
    assert grace.result.outcome == Outcome.GRACE and grace.result.period.key == f"{LAST_YEAR}-03"
    assert f"{LAST_YEAR}年3月 未开展主题党日" in text(response)

    # On 5 April the secretary enters the 主题党日 held on 28 March (the record is made today).
    late = meeting(branch, local(LAST_YEAR, 3, 28, 15), by=secretary, entries={})
    assert late.held_on == datetime.date(LAST_YEAR, 3, 28)

    response = client.get(todo_url(branch))
    assert not [o for o in response.context["obligations"].previous if o.result.rule.code == "C3"]
    (april,) = find(response.context["obligations"], "C3")
    assert april.result.outcome == Outcome.DUE  # it does not count for April
    response = client.get(todo_url(branch, f"{LAST_YEAR}-03"))
    (march,) = find(response.context["obligations"], "C3")
    assert march.result.outcome == Outcome.MET and [m.id for m in march.counted] == [late.pk]
    assert reverse("activities:meeting_detail", args=[late.pk]) in response.content.decode()


def test_it_shows_what_is_due_in_grace_and_met(client, secretary, branch, branch_members, on_day):
    """5 April: March's collective study is in grace, April's 主题党日 is due with one scheduled, March's
    主题党日 is met (in the March view), Q1's 党课 in grace, Q2's due."""
    on_day(datetime.date(LAST_YEAR, 4, 5))
    march_day = meeting(branch, local(LAST_YEAR, 3, 10, 9), by=secretary, topic="三月主题党日", entries={})
    planned = meeting(branch, local(LAST_YEAR, 4, 20, 9), by=secretary, topic="四月主题党日")
    client.force_login(secretary)

    response = client.get(todo_url(branch))

    obligations = response.context["obligations"]
    assert obligations.is_current
    previous = {(o.result.rule.code, o.result.period.key): o.result.outcome for o in obligations.previous}
    assert previous == {
        ("C1", f"{LAST_YEAR}-03"): Outcome.GRACE,
        ("C2", f"{LAST_YEAR}-Q1"): Outcome.GRACE,
        ("C5", f"{LAST_YEAR}-Q1"): Outcome.GRACE,
    }
    # What January and February missed stays on the to-do, below, until the year is over.
    missed = {(o.result.rule.code, o.result.period.key) for o in obligations.missed}
    assert missed == {(code, f"{LAST_YEAR}-{month:02d}") for code in ("C1", "C3") for month in (1, 2)}
    (theme_day,) = find(obligations, "C3")
    assert theme_day.result.outcome == Outcome.DUE
    assert [m.id for m in theme_day.scheduled] == [planned.pk] and not theme_day.scheduled[0].awaiting_record
    assert {o.result.rule.code for o in obligations.month} == {"C1", "C3"}  # no groups, fewer than 7 members
    assert {o.result.rule.code for o in obligations.quarter} == {"C2", "C5"}
    assert {o.result.rule.code for o in obligations.year} == {"C6", "C9"}
    page = text(response)
    assert "上期补录" in page and "本年度已逾期未完成" in page and "补录期" in page and "待完成" in page
    assert f"{LAST_YEAR}年3月 未组织集中学习" in page
    assert f"{LAST_YEAR}年第一季度 未上党课" in page
    assert "《实施方案》二.1" in page  # the source citation
    content = response.content.decode()
    assert reverse("activities:meeting_detail", args=[planned.pk]) in content
    create = reverse("activities:meeting_create", args=[branch.pk])
    assert f"{create}?kind=theme_day" in content and f"{create}?kind=collective_study" in content

    # March, looked at on 5 April: its 主题党日 met (collapsed, with the meeting), its collective study in grace.
    response = client.get(todo_url(branch, f"{LAST_YEAR}-03"))
    obligations = response.context["obligations"]
    assert not obligations.is_current and obligations.previous == []
    (met,) = find(obligations, "C3")
    assert met.is_met and [m.id for m in met.counted] == [march_day.pk]
    (section,) = [s for s in obligations.sections if s.key == "month"]
    assert [o.result.rule.code for o in section.met] == ["C3"]
    assert [o.result.rule.code for o in section.pending] == ["C1"]
    content = response.content.decode()
    assert "已完成 1 项" in content and reverse("activities:meeting_detail", args=[march_day.pk]) in content


def test_it_shows_a_closed_month_as_missed_once_its_grace_is_over(client, secretary, branch, branch_members, on_day):
    on_day(datetime.date(LAST_YEAR, 4, 11))  # 31 March + 10 days of grace have passed
    client.force_login(secretary)

    response = client.get(todo_url(branch))
    assert {o.result.rule.code for o in response.context["obligations"].previous} == set()

    response = client.get(todo_url(branch, f"{LAST_YEAR}-03"))
    (study,) = find(response.context["obligations"], "C1")
    assert study.result.outcome == Outcome.MISSED
    assert "未完成" in text(response)


def test_it_lists_a_planned_meeting_whose_day_has_passed_as_awaiting_its_record(
    client, secretary, branch, branch_members, on_day
):
    on_day(datetime.date(LAST_YEAR, 5, 20))
    unrecorded = meeting(branch, local(LAST_YEAR, 5, 8, 9), by=secretary, topic="五月主题党日")
    client.force_login(secretary)

    response = client.get(todo_url(branch))

    (theme_day,) = find(response.context["obligations"], "C3")
    assert theme_day.result.outcome == Outcome.DUE
    assert [(m.id, m.awaiting_record) for m in theme_day.scheduled] == [(unrecorded.pk, True)]
    assert "待登记出勤" in text(response)


def test_it_judges_each_party_group_and_the_committee_meeting_by_the_branchs_size(
    client, secretary, branch, branch_members, on_day
):
    on_day(datetime.date(LAST_YEAR, 6, 10))
    # June is judged by the branch as it was then: groups set up and members there since January.
    since = datetime.date(LAST_YEAR, 1, 1)
    first, second = (
        PartyGroupFactory(organization=branch, name="第一党小组", established_on=since),
        PartyGroupFactory(organization=branch, name="第二党小组", established_on=since),
    )
    for index, member in enumerate(branch_members):
        member.group = first if index % 2 else second
        member.save(update_fields=["group"])
    MemberFactory(organization=branch, name="周四", group=first)
    MemberFactory(organization=branch, name="吴五", group=second)  # seven members: a committee is due monthly
    Membership.objects.filter(organization=branch).update(started_on=since)
    held = meeting(
        branch, local(LAST_YEAR, 6, 3, 9), by=secretary, kind=MeetingKind.GROUP_MEETING, group=first, entries={}
    )
    client.force_login(secretary)

    response = client.get(todo_url(branch))

    by_group = {o.result.subject_label: o for o in find(response.context["obligations"], "C1")}
    assert set(by_group) == {"第一党小组", "第二党小组"}
    assert by_group["第一党小组"].is_met and [m.id for m in by_group["第一党小组"].counted] == [held.pk]
    assert by_group["第二党小组"].result.outcome == Outcome.DUE
    assert find(response.context["obligations"], "C4")
    content = response.content.decode()
    assert f"{LAST_YEAR}年6月 第二党小组 未组织党小组集中学习" in text(response)
    assert f"?kind=group_meeting&amp;group={second.pk}" in content


def test_it_shows_a_committees_own_meetings_and_only_its_leadership_rules(
    client, district_officer, committee, branch, secretary, branch_members, on_day
):
    on_day(datetime.date(LAST_YEAR, 12, 20))
    democratic = meeting(
        committee,
        local(LAST_YEAR, 12, 5, 9),
        by=district_officer,
        kind=MeetingKind.DEMOCRATIC_LIFE_MEETING,
        topic="领导班子民主生活会",
        entries={},
    )
    meeting(branch, local(LAST_YEAR, 12, 6, 9), by=secretary, topic="支部的主题党日", entries={})
    client.force_login(district_officer)

    response = client.get(month_url(committee))

    assert response.status_code == 200
    assert [m.pk for m in response.context["calendar"].meetings] == [democratic.pk]
    assert "领导班子民主生活会" in text(response) and "支部的主题党日" not in text(response)
    response = client.get(todo_url(committee))
    obligations = response.context["obligations"]
    assert obligations.month == [] and obligations.quarter == [] and obligations.previous == []
    outcomes = {o.result.rule.code: o.result.outcome for o in obligations.year}
    assert outcomes == {"C7": Outcome.MET, "C8": Outcome.DUE}
    page = text(response)
    assert "按领导班子组织生活要求" in page and "主题党日" not in page.split("待办")[-1].split("C8")[0]
    # branch_obligations itself never judges a committee by the branch rules.
    same = branch_obligations(organization=committee, today=datetime.date(LAST_YEAR, 12, 20))
    assert {o.result.rule.code for o in same.year} == {"C7", "C8"} and same.month == []


def test_it_judges_the_secretarys_party_lecture_for_a_committee(district_officer, committee, on_day):
    lecture = meeting(
        committee,
        local(LAST_YEAR, 9, 1, 9),
        by=district_officer,
        kind=MeetingKind.PARTY_LECTURE,
        topic="书记讲党课",
        entries={},
    )
    result = committee_obligations(organization=committee, today=datetime.date(LAST_YEAR, 10, 1))
    (c8,) = find(result, "C8", "year")
    assert c8.result.outcome == Outcome.DUE  # not given by the secretary
    services.meeting_update(meeting=lecture, version=lecture.version, updated_by=None, lecturer_is_secretary=True)
    result = committee_obligations(organization=committee, today=datetime.date(LAST_YEAR, 10, 1))
    (c8,) = find(result, "C8", "year")
    assert c8.is_met and [m.id for m in c8.counted] == [lecture.pk]


def test_it_shows_last_years_rules_in_grace_during_early_january(secretary, branch, branch_members):
    december = meeting(branch, local(LAST_YEAR, 12, 30, 9), by=secretary, kind=MeetingKind.ORG_LIFE_MEETING, entries={})
    result = branch_obligations(organization=branch, today=datetime.date(LAST_YEAR + 1, 1, 6))
    previous = {(o.result.rule.code, o.result.period.key): o for o in result.previous}
    assert ("C9", str(LAST_YEAR)) not in previous  # its window closed in July: long missed
    assert ("C6", str(LAST_YEAR)) not in previous  # met on 30 December
    assert previous[("C3", f"{LAST_YEAR}-12")].result.outcome == Outcome.GRACE
    assert december.held_on.year == LAST_YEAR
    services.meeting_delete(meeting=december, version=december.version)
    result = branch_obligations(organization=branch, today=datetime.date(LAST_YEAR + 1, 1, 6))
    previous = {(o.result.rule.code, o.result.period.key): o for o in result.previous}
    assert previous[("C6", str(LAST_YEAR))].result.outcome == Outcome.GRACE
    result = branch_obligations(organization=branch, today=datetime.date(LAST_YEAR + 1, 1, 11))
    assert ("C6", str(LAST_YEAR)) not in {(o.result.rule.code, o.result.period.key) for o in result.previous}


def test_it_lets_a_member_read_their_own_branchs_month_without_scheduling(
    client, member_user, branch, sibling_branch, secretary, branch_members
):
    client.force_login(member_user)

    response = client.get(month_url(branch))
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("activities:meeting_create", args=[branch.pk]) not in content
    assert reverse("activities:attendance_year", args=[branch.pk]) not in content
    assert client.get(month_url(sibling_branch)).status_code == 404


def test_it_answers_404_outside_the_scope(
    client, other_branch_secretary, district_officer, branch, other_branch, secretary, branch_members
):
    client.force_login(other_branch_secretary)
    assert client.get(month_url(branch)).status_code == 404
    assert client.get(todo_url(branch)).status_code == 404
    assert client.post(todo_url(branch)).status_code in (404, 405)
    assert client.get(month_url(other_branch)).status_code == 200
    assert client.get(todo_url(other_branch)).status_code == 200

    client.force_login(district_officer)
    assert client.get(month_url(other_branch)).status_code == 404
    assert client.get(todo_url(other_branch, f"{LAST_YEAR}-03")).status_code == 404
    assert client.get(month_url(branch)).status_code == 200
    assert client.get(todo_url(branch)).status_code == 200


def test_it_sends_anonymous_visitors_to_log_in(client, branch):
    response = client.get(month_url(branch))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


# Navigation -----------------------------------------------------------------------------------------------


def test_it_adds_the_meeting_pages_to_the_navigation(
    client, secretary, member_user, district_officer, branch, district
):
    month, mine = reverse("activities:month", args=[branch.pk]), reverse("activities:my_meetings")

    client.force_login(secretary)
    items = dict((str(label), url) for label, url in client.get(mine).context["nav_items"])
    assert items["组织生活"] == month and items["我的会议"] == mine

    client.force_login(member_user)
    items = dict((str(label), url) for label, url in client.get(mine).context["nav_items"])
    assert "组织生活" not in items and items["我的会议"] == mine

    client.force_login(district_officer)
    items = dict((str(label), url) for label, url in client.get(mine).context["nav_items"])
    assert items["组织生活"] == reverse("activities:month", args=[district.pk]) and "我的会议" not in items


# Query budgets ---------------------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def many_meetings(branch, secretary, n, *, month=3):
    for index in range(n):
        meeting(branch, local(LAST_YEAR, month, 1 + index % 28, 8 + index // 28), by=secretary, entries={})


@pytest.mark.parametrize("persona", ["secretary", "district_officer"])
def test_it_shows_the_month_in_a_fixed_number_of_queries(
    client, request, persona, branch, secretary, branch_members, on_day, django_assert_max_num_queries
):
    on_day(datetime.date(LAST_YEAR, 3, 30))
    client.force_login(request.getfixturevalue(persona))
    url = month_url(branch, f"{LAST_YEAR}-03")
    many_meetings(branch, secretary, 5)
    planned = meeting(branch, local(LAST_YEAR, 3, 31, 9), by=secretary)
    small = queries(client, url)
    many_meetings(branch, secretary, 55)
    for _ in range(10):
        MemberFactory(organization=branch)
    assert queries(client, url) == small
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
    assert len(response.context["calendar"].meetings) == 61 and planned in response.context["calendar"].meetings
    # The to-do beside the calendar, loaded by htmx, keeps its own fixed count.
    todo = todo_url(branch, f"{LAST_YEAR}-03")
    small = queries(client, todo)
    many_meetings(branch, secretary, 20)
    assert queries(client, todo) == small


def test_it_shows_my_meetings_in_a_fixed_number_of_queries(
    client, member_user, branch, secretary, branch_members, django_assert_max_num_queries
):
    client.force_login(member_user)
    url = reverse("activities:my_meetings") + f"?year={LAST_YEAR}"
    leave = {member_user.member.pk: AttendanceEntry(AttendanceStatus.LEAVE, "事假")}
    for index in range(5):
        meeting(branch, local(LAST_YEAR, 1 + index, 3, 9), by=secretary, entries=leave)
    meeting(branch, timezone.now() + datetime.timedelta(days=2), by=secretary)
    small = queries(client, url)
    for index in range(55):
        meeting(branch, local(LAST_YEAR, 1 + index % 12, 5 + index // 12, 9), by=secretary, entries=leave)
        if index < 5:
            meeting(branch, timezone.now() + datetime.timedelta(days=3 + index), by=secretary)
    assert queries(client, url) == small
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
    assert len(response.context["attendance"].history) == 60 and len(response.context["attendance"].upcoming) == 6


def test_it_shows_the_years_attendance_in_a_fixed_number_of_queries(
    client, secretary, branch, branch_members, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("activities:attendance_year", args=[branch.pk]) + f"?year={LAST_YEAR}"
    meeting(branch, local(LAST_YEAR, 3, 3, 9), by=secretary, entries={})
    small = queries(client, url)
    for _ in range(55):
        MemberFactory(organization=branch)
    for month in (4, 5, 6):
        meeting(branch, local(LAST_YEAR, month, 3, 9), by=secretary, entries={})
    assert queries(client, url) == small
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
    assert len(response.context["report"].rows) == 60 and response.context["report"].total.expected == 5 + 3 * 60


def test_it_shows_one_members_history_in_a_fixed_number_of_queries(
    client, secretary, branch, branch_members, django_assert_max_num_queries
):
    client.force_login(secretary)
    member = branch_members[2]
    url = reverse("activities:member_attendance", args=[member.pk]) + f"?year={LAST_YEAR}"
    leave = {member.pk: AttendanceEntry(AttendanceStatus.LEAVE, "事假")}
    for index in range(5):
        meeting(branch, local(LAST_YEAR, 1 + index, 3, 9), by=secretary, entries=leave)
    small = queries(client, url)
    for index in range(55):
        meeting(branch, local(LAST_YEAR, 1 + index % 12, 5 + index // 12, 9), by=secretary, entries=leave)
    assert queries(client, url) == small
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
    assert len(response.context["attendance"].history) == 60


# Selectors ---------------------------------------------------------------------------------------------------


def test_it_reads_month_and_year_parameters_strictly():
    today = datetime.date(2027, 5, 17)
    assert calendar_selectors.parse_month("2026-02", today=today) == (datetime.date(2026, 2, 1), True)
    assert calendar_selectors.parse_month("", today=today) == (datetime.date(2027, 5, 1), True)
    assert calendar_selectors.parse_month("2029-01", today=today) == (datetime.date(2027, 5, 1), False)
    assert calendar_selectors.parse_month("1999-12", today=today) == (datetime.date(2027, 5, 1), False)
    assert calendar_selectors.parse_month("2026-00", today=today) == (datetime.date(2027, 5, 1), False)
    assert calendar_selectors.parse_year("2025", today=today) == (2025, True)
    assert calendar_selectors.parse_year("20x5", today=today) == (2027, False)
    assert calendar_selectors.shift_month(datetime.date(2026, 12, 1), 1) == datetime.date(2027, 1, 1)
    assert calendar_selectors.shift_month(datetime.date(2026, 1, 1), -1) == datetime.date(2025, 12, 1)
    assert calendar_selectors.attendance_rate(2, 3) == 67 and calendar_selectors.attendance_rate(0, 0) is None


def test_it_counts_only_held_meetings_in_the_meeting_total(secretary, branch, branch_members):
    meeting(branch, local(LAST_YEAR, 3, 3, 9), by=secretary, entries={})
    planned = meeting(branch, local(LAST_YEAR, 3, 4, 9), by=secretary)
    report = calendar_selectors.attendance_year(organization=branch, year=LAST_YEAR, today=timezone.localdate())
    assert planned.status == MeetingStatus.PLANNED and report.meeting_count == 1
