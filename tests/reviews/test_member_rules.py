"""Member rules M1 (flags and the 批评教育 talk), M2 (leading cadres), M3 (study hours) and O1 (structure)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.meetings.services import AttendanceEntry
from activities.models import AttendanceStatus, HeartTalk, MeetingKind
from branches.models import MembershipType, MemberStatus, Organization, RoleKind
from branches.selectors import branch_facts, organization_get
from reviews import tasks
from reviews.members import rules as member_rules
from reviews.members.rules import MonthAttendance, missed_months
from reviews.models import FlagLevel, MemberFlag
from study.learning.selectors import my_study_get
from study.learning.services import task_complete
from study.models import StudyTask, TaskStatus
from tests.activities.conftest import local
from tests.factories import BranchFactory, MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 10)  # June is the last completed month; July is still open


def held(branch, day, *, kind=MeetingKind.THEME_DAY, absent=(), leave=(), hours=2, group=None):
    """A meeting held on `day` with its attendance recorded: everyone expected present except those named."""
    starts = local(day.year, day.month, day.day)
    meeting = activities.meeting_create(
        organization=branch,
        group=group,
        created_by=None,
        kind=kind,
        topic="组织生活",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
    )
    entries = {m.pk: AttendanceEntry(AttendanceStatus.ABSENT) for m in absent}
    entries |= {m.pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差") for m in leave}
    return activities.attendance_record(meeting=meeting, version=meeting.version, entries=entries, recorded_by=None)


def months_of(**by_month):
    """{'m2025_3': (present, leave, absent)} → the dict missed_months takes."""
    result = {}
    for key, (present, leave, absent) in by_month.items():
        year, month = (int(part) for part in key[1:].split("_"))
        result[year * 12 + month - 1] = MonthAttendance(present, leave, absent)
    return result


# M1: the rule itself ----------------------------------------------------------------------------------------


def test_it_counts_completed_months_where_the_member_was_absent_from_every_meeting():
    months = months_of(m2025_4=(0, 0, 1), m2025_5=(0, 0, 2), m2025_6=(0, 0, 1))
    assert missed_months(months=months, today=TODAY) == 3


def test_it_does_not_count_a_month_with_leave_and_does_not_end_the_run_there():
    months = months_of(m2025_3=(0, 0, 1), m2025_4=(0, 1, 1), m2025_5=(0, 0, 1), m2025_6=(0, 0, 1))
    assert missed_months(months=months, today=TODAY) == 3


def test_it_does_not_count_a_month_without_meetings_for_the_member():
    months = months_of(m2025_2=(0, 0, 1), m2025_3=(0, 0, 1), m2025_5=(0, 0, 1), m2025_6=(0, 0, 1))
    assert missed_months(months=months, today=TODAY) == 4


def test_it_stops_at_the_last_month_the_member_attended():
    months = months_of(m2025_3=(0, 0, 1), m2025_4=(1, 0, 1), m2025_5=(0, 0, 1), m2025_6=(0, 0, 1))
    assert missed_months(months=months, today=TODAY) == 2


def test_it_counts_the_current_month_only_once_the_member_attends_in_it():
    absent_now = months_of(m2025_5=(0, 0, 1), m2025_6=(0, 0, 1), m2025_7=(0, 0, 3))
    attended_now = months_of(m2025_5=(0, 0, 1), m2025_6=(0, 0, 1), m2025_7=(1, 0, 0))
    assert missed_months(months=absent_now, today=TODAY) == 2
    assert missed_months(months=attended_now, today=TODAY) == 0


def test_it_looks_back_six_completed_months_at_most():
    months = months_of(
        **{f"m2024_{m}": (0, 0, 1) for m in range(10, 13)}, **{f"m2025_{m}": (0, 0, 1) for m in range(1, 7)}
    )
    assert missed_months(months=months, today=TODAY) == 6


@pytest.mark.parametrize(
    ("months", "level"),
    [(2, None), (3, FlagLevel.WARN_3), (4, FlagLevel.WARN_3), (5, FlagLevel.WARN_5), (6, FlagLevel.FLAG_6)],
)
def test_it_warns_at_three_and_five_months_and_flags_at_six(months, level):
    assert member_rules.flag_level(months) == level


# M1: flags from the records -----------------------------------------------------------------------------------


@pytest.fixture
def people(branch):
    return {name: MemberFactory(organization=branch, name=name) for name in ("缺席甲", "请假乙", "出席丙", "新人丁")}


@pytest.mark.parametrize(("absent_months", "level"), [(2, None), (3, "warn3"), (5, "warn5"), (6, "flag6")])
def test_it_flags_a_member_from_the_meetings_they_missed(branch, people, absent_months, level):
    drifting = people["缺席甲"]
    for month in range(1, 7):
        held(branch, datetime.date(2025, month, 8), absent=[drifting] if month > 6 - absent_months else [])

    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)

    flag = MemberFlag.objects.filter(member=drifting).first()
    if level is None:
        assert flag is None
    else:
        assert (flag.level, flag.months, flag.organization_id) == (level, absent_months, branch.pk)
        expected_last = None if absent_months == 6 else datetime.date(2025, 6 - absent_months, 8)
        assert flag.last_attended_on == expected_last
        assert flag.computed_on == TODAY
    assert set(MemberFlag.objects.values_list("member__name", flat=True)) <= {"缺席甲"}


def test_a_month_on_leave_and_a_month_without_meetings_do_not_count_against_the_member(branch, people):
    on_leave, drifting = people["请假乙"], people["缺席甲"]
    for month in (1, 2, 4, 5, 6):  # nothing held in March
        held(branch, datetime.date(2025, month, 8), absent=[drifting, on_leave])
    held(branch, datetime.date(2025, 4, 20), leave=[on_leave], absent=[drifting])

    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)

    flags = {flag.member.name: (flag.level, flag.months) for flag in MemberFlag.objects.select_related("member")}
    # Absent at every meeting, but March held nothing: five months, not six.
    assert flags["缺席甲"] == (FlagLevel.WARN_5, 5)
    # Absent at one April meeting but on leave at the other: April does not count.
    assert flags["请假乙"] == (FlagLevel.WARN_3, 4)
    assert "出席丙" not in flags


def test_a_member_not_expected_at_a_groups_meetings_is_not_counted_absent(branch, people):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    outsider = people["新人丁"]
    for month in range(1, 7):
        held(branch, datetime.date(2025, month, 8), kind=MeetingKind.GROUP_MEETING, group=group)

    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)

    assert not MemberFlag.objects.filter(member=outsider).exists()


def test_a_flagged_member_who_attends_loses_the_flag_and_the_refresh_is_idempotent(branch, people):
    drifting = people["缺席甲"]
    for month in range(1, 7):
        held(branch, datetime.date(2025, month, 8), absent=[drifting])
    assert member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY) == 1
    first = list(MemberFlag.objects.values_list("pk", "member_id", "level", "months", "last_attended_on"))
    assert member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY) == 1
    assert list(MemberFlag.objects.values_list("pk", "member_id", "level", "months", "last_attended_on")) == first

    held(branch, datetime.date(2025, 7, 3))  # everyone present

    assert member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY) == 0
    assert not MemberFlag.objects.exists()


def test_the_flag_goes_when_the_member_leaves_and_the_talk_stays_while_it_holds(branch, people, secretary):
    drifting, other = people["缺席甲"], people["请假乙"]
    for month in range(1, 7):
        held(branch, datetime.date(2025, month, 8), absent=[drifting, other])
    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)
    flag = MemberFlag.objects.get(member=drifting)
    talk = member_rules.member_flag_talk_record(
        flag=flag,
        initiator=secretary.member,
        held_on=TODAY,
        summary="了解未参加组织生活的原因，提出批评并要求按时参加。",
        recorded_by=secretary,
        today=TODAY,
    )
    other.status = MemberStatus.TRANSFERRED_OUT
    other.save(update_fields=["status"])

    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)

    flag.refresh_from_db()
    assert flag.talk == talk
    assert talk.is_criticism and talk.counterpart == drifting and talk.organization == branch
    assert not MemberFlag.objects.filter(member=other).exists()


def test_the_refresh_costs_the_same_queries_for_one_branch_as_for_many(committee, branch):
    branches = [branch, *(BranchFactory(parent=committee) for _ in range(3))]
    for index, each in enumerate(branches):
        members = [MemberFactory(organization=each) for _ in range(2 + index * 3)]
        for month in range(1, 7):
            held(each, datetime.date(2025, month, 8), absent=members[:-1])

    with CaptureQueriesContext(connection) as one:
        member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)
    with CaptureQueriesContext(connection) as many:
        flagged = member_rules.member_flags_refresh(organization_ids=[b.pk for b in branches], today=TODAY)

    assert flagged == sum(1 + index * 3 for index in range(4))
    assert len(one) == len(many) <= 7  # five statements and the transaction's savepoint


def test_the_nightly_job_fans_out_one_task_per_chunk_of_branches(
    branch, sibling_branch, people, monkeypatch, django_capture_on_commit_callbacks
):
    for month in range(1, 7):
        held(branch, datetime.date(2025, month, 8), absent=[people["缺席甲"]])
    monkeypatch.setattr(member_rules, "FLAG_CHUNK_SIZE", 1)
    branch_count = Organization.objects.branches().count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        chunks = tasks.member_flags_refresh_schedule.apply(kwargs={"today": TODAY.isoformat()}).get()

    assert chunks == len(callbacks) == branch_count
    assert MemberFlag.objects.get().member == people["缺席甲"]


def test_the_nightly_job_runs_at_half_past_two():
    from celery.schedules import crontab

    from portal.celery import app

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "reviews.tasks.member_flags_refresh_schedule"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute, len(schedule.day_of_week)) == ({2}, {30}, 7)
    assert entries[0]["task"] in app.tasks


# M1: the page --------------------------------------------------------------------------------------------------


def flag_for(member, months=6, level=FlagLevel.FLAG_6):
    return MemberFlag.objects.create(
        member=member,
        organization=member.organization,
        level=level,
        months=months,
        last_attended_on=datetime.date(2025, 1, 8),
        computed_on=TODAY,
    )


def flags_url(organization):
    return reverse("reviews:member_flags", args=[organization.pk])


def flag_section(response):
    """The page down to the M2/M3 tables (which list every member)."""
    text = response.content.decode()
    return text.split('aria-labelledby="m2-title"')[0]


def test_the_secretary_sees_the_branchs_flags_and_how_dues_are_checked(client, secretary, branch, people):
    flag_for(people["缺席甲"])
    flag_for(people["请假乙"], months=3, level=FlagLevel.WARN_3)
    client.force_login(secretary)

    response = client.get(flags_url(branch))

    assert response.status_code == 200
    text = flag_section(response)
    assert "缺席甲" in text and "请假乙" in text and "出席丙" not in text
    assert "2025-01-08" in text
    assert "党费：某月登记为未交或未交足的，记为欠交" in text
    assert reverse("reviews:member_flag_talk", args=[MemberFlag.objects.get(member=people["缺席甲"]).pk]) not in text
    assert f"?talk={MemberFlag.objects.get(member=people['缺席甲']).pk}" in text
    # M2 and M3 for a branch.
    assert "党员领导干部双重组织生活" in response.content.decode()
    assert "出席丙" in response.content.decode().split("党员学习学时")[1]


def test_the_level_filter_shows_one_level_and_names_a_bad_value(client, secretary, branch, people):
    flag_for(people["缺席甲"])
    flag_for(people["请假乙"], months=3, level=FlagLevel.WARN_3)
    client.force_login(secretary)

    only_warn3 = flag_section(client.get(flags_url(branch), {"level": "warn3"}))
    bad = flag_section(client.get(flags_url(branch), {"level": "nonsense"}))

    assert "请假乙" in only_warn3 and "缺席甲" not in only_warn3
    assert "预警程度不正确，已显示全部。" in bad and "缺席甲" in bad and "请假乙" in bad


def test_the_district_officer_sees_the_subtrees_flags_grouped_by_branch(
    client, district_officer, committee, branch, sibling_branch, other_branch, people
):
    flag_for(people["缺席甲"])
    flag_for(MemberFactory(organization=sibling_branch, name="隔壁戊"), months=5, level=FlagLevel.WARN_5)
    flag_for(MemberFactory(organization=other_branch, name="西城己"))
    client.force_login(district_officer)

    response = client.get(flags_url(committee))

    text = response.content.decode()
    assert response.status_code == 200
    assert "缺席甲" in text and "隔壁戊" in text and "西城己" not in text
    assert text.index(branch.name) < text.index("缺席甲") < text.index(sibling_branch.name) < text.index("隔壁戊")
    groups = response.context["flags"].groups
    assert [g.organization for g in groups] == [branch, sibling_branch]


def test_a_member_may_not_open_the_flags_page_and_other_subtrees_get_404(
    client, member_user, other_branch_secretary, branch, other_branch, people
):
    flag = flag_for(people["缺席甲"])
    client.force_login(member_user)
    assert client.get(flags_url(branch)).status_code == 403

    client.force_login(other_branch_secretary)
    talk_url = reverse("reviews:member_flag_talk", args=[flag.pk])
    assert client.get(flags_url(branch)).status_code == 404
    assert client.get(talk_url).status_code == 404
    assert (
        client.post(talk_url, {"initiator": people["出席丙"].pk, "summary": "x", "held_on": "2025-07-01"}).status_code
        == 404
    )
    assert client.get(flags_url(other_branch)).status_code == 200
    assert client.get(flags_url(other_branch), {"talk": flag.pk}).status_code == 404
    assert not HeartTalk.objects.exists()


def test_the_secretary_records_the_criticism_talk_against_the_flag(client, secretary, branch, people):
    flag = flag_for(people["缺席甲"])
    client.force_login(secretary)

    form = client.get(flags_url(branch), {"talk": flag.pk}, headers={"HX-Request": "true"})
    response = client.post(
        reverse("reviews:member_flag_talk", args=[flag.pk]),
        {
            "initiator": secretary.member.pk,
            "held_on": "2025-07-09",
            "summary": "谈话了解原因，进行批评教育。",
            "back": branch.pk,
        },
    )

    assert form.status_code == 200 and "记录与缺席甲的批评教育谈话" in form.content.decode()
    assert "<html" not in form.content.decode()
    assert response.status_code == 302 and response["Location"] == flags_url(branch)
    flag.refresh_from_db()
    talk = flag.talk
    assert (talk.initiator, talk.counterpart, talk.is_criticism, talk.recorded_by) == (
        secretary.member,
        people["缺席甲"],
        True,
        secretary,
    )
    assert "2025-07-09已谈话" in client.get(flags_url(branch)).content.decode()


def test_an_officer_records_the_talk_from_the_committees_page_and_returns_there(
    client, district_officer, committee, branch, secretary, people
):
    flag = flag_for(people["缺席甲"])
    client.force_login(district_officer)
    url = reverse("reviews:member_flag_talk", args=[flag.pk])

    opened = client.get(url, {"back": committee.pk})
    page = client.get(opened["Location"])
    response = client.post(
        url,
        {"initiator": secretary.member.pk, "held_on": "2025-07-09", "summary": "支部书记谈话。", "back": committee.pk},
    )

    assert opened.status_code == 302 and opened["Location"].startswith(flags_url(committee))
    assert f'name="back" value="{committee.pk}"' in page.content.decode()
    assert response.status_code == 302 and response["Location"] == flags_url(committee)
    flag.refresh_from_db()
    assert flag.talk.initiator == secretary.member


def test_bad_talk_input_is_named_and_kept(client, secretary, branch, people):
    flag = flag_for(people["缺席甲"])
    client.force_login(secretary)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    empty = client.post(
        reverse("reviews:member_flag_talk", args=[flag.pk]),
        {"initiator": secretary.member.pk, "held_on": "2025-07-09", "summary": ""},
    )
    future = client.post(
        reverse("reviews:member_flag_talk", args=[flag.pk]),
        {"initiator": secretary.member.pk, "held_on": tomorrow, "summary": "保留我写的谈话要点"},
    )
    himself = client.post(
        reverse("reviews:member_flag_talk", args=[flag.pk]),
        {"initiator": people["缺席甲"].pk, "held_on": "2025-07-09", "summary": "谈话"},
    )

    assert empty.status_code == 200 and "请填写谈话要点。" in empty.content.decode()
    assert future.status_code == 200 and "谈话日期不能晚于今天" in future.content.decode()
    assert "保留我写的谈话要点" in future.content.decode()
    assert "请从本支部党员中选择谈话人。" in himself.content.decode()
    assert not HeartTalk.objects.exists()
    flag.refresh_from_db()
    assert flag.talk is None


def test_a_branch_committee_member_sees_the_flags_but_may_not_record_talks(client, branch, people):
    user = UserFactory(username="propaganda")
    give_role(user, branch, RoleKind.PROPAGANDA)
    flag = flag_for(people["缺席甲"])
    client.force_login(user)

    page = client.get(flags_url(branch))
    post = client.post(reverse("reviews:member_flag_talk", args=[flag.pk]), {"summary": "x"})

    assert page.status_code == 200 and "缺席甲" in flag_section(page) and "?talk=" not in page.content.decode()
    assert post.status_code == 403


def _committee_page_queries(client, committee, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_flags_page_costs_the_same_queries_for_a_small_and_a_large_subtree(
    client, district_officer, district, committee, branch, sibling_branch, people
):
    flag_for(people["缺席甲"])
    client.force_login(district_officer)
    small_committee = _committee_page_queries(client, committee, flags_url(committee))
    small_branch = _committee_page_queries(client, branch, flags_url(branch))
    for _ in range(4):
        each = BranchFactory(parent=committee)
        for _ in range(6):
            flag_for(MemberFactory(organization=each), months=3, level=FlagLevel.WARN_3)
    for _ in range(5):
        member = MemberFactory(organization=branch, is_leading_cadre=True)
        flag_for(member)
    held(branch, datetime.date(2025, 3, 3))

    # The committee's page also rolls up M2 (双重组织生活): the cadres below and their attendance, two queries.
    assert _committee_page_queries(client, committee, flags_url(committee)) == small_committee <= 12
    assert _committee_page_queries(client, branch, flags_url(branch)) == small_branch <= 16


# M2 ------------------------------------------------------------------------------------------------------------


def test_it_lists_each_leading_cadre_by_quarter(branch, people):
    cadre = MemberFactory(organization=branch, name="局长", is_leading_cadre=True)
    away = MemberFactory(organization=branch, name="处长", is_leading_cadre=True)
    held(branch, datetime.date(2025, 2, 10), absent=[away])  # Q1: cadre came, away absent
    held(branch, datetime.date(2025, 5, 10), absent=[cadre], leave=[away])  # Q2: both missed
    held(branch, datetime.date(2025, 8, 10), absent=[cadre, away])  # Q3: still running on 2025-08-20
    today = datetime.date(2025, 8, 20)

    result = member_rules.cadre_attendance(organization=branch, year=2025, today=today)

    assert [q.key for q in result.quarters] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    states = {row.member.name: [cell.state for cell in row.cells] for row in result.rows}
    assert states == {"局长": ["met", "missed", "due"], "处长": ["missed", "leave", "due"]}
    assert "缺席甲" not in states
    none_held = member_rules.cadre_attendance(organization=branch, year=2024, today=today)
    assert [cell.state for cell in none_held.rows[0].cells] == ["none"] * 4


def test_the_cadre_table_costs_two_queries(branch, django_assert_num_queries):
    for _ in range(4):
        MemberFactory(organization=branch, is_leading_cadre=True)
    held(branch, datetime.date(2025, 2, 10))
    with django_assert_num_queries(2):
        member_rules.cadre_attendance(organization=branch, year=2025, today=TODAY)


# M3 ------------------------------------------------------------------------------------------------------------


def test_it_counts_study_hours_from_completed_tasks_and_attended_study(branch, secretary, member_user):
    member = member_user.member
    holder = secretary.member
    # 2 h collective study both attended, a 3 h theme day the member missed on leave (补学 3 h, done), a 1.5 h
    # volunteer service (no study content: no hours).
    held(branch, datetime.date(2025, 3, 5), kind=MeetingKind.COLLECTIVE_STUDY)
    held(branch, datetime.date(2025, 4, 5), kind=MeetingKind.THEME_DAY, hours=3, leave=[member])
    held(branch, datetime.date(2025, 5, 5), kind=MeetingKind.VOLUNTEER_SERVICE, hours=1.5)
    makeup = StudyTask.objects.get(member=member)
    task_complete(task=makeup, reflection="补学了主题党日的学习内容，重温入党誓词，有很多收获。")
    StudyTask.objects.filter(pk=makeup.pk).update(completed_at=local(2025, 4, 20))

    table = member_rules.study_hours_list(organization=branch, year=2025)

    rows = {row.member.name: row for row in table.rows}
    assert (rows[member.name].task_hours, rows[member.name].meeting_hours) == (Decimal("3.0"), Decimal("2.0"))
    assert (rows[member.name].required, rows[member.name].is_met) == (32, False)
    assert (rows[holder.name].meeting_hours, rows[holder.name].required) == (Decimal("5.0"), 56)
    assert rows[holder.name].is_committee and not rows[member.name].is_committee
    # The same figures a member sees on 我的学习.
    for user, member_record in ((member_user, member), (secretary, holder)):
        mine = my_study_get(user=user, member=member_record, today=datetime.date(2025, 12, 31))
        assert rows[member_record.name].total == mine.hours.done
        assert rows[member_record.name].required == mine.hours.required


def test_study_hours_cost_four_queries_whatever_the_branch_size(branch, secretary, django_assert_num_queries):
    for _ in range(6):
        MemberFactory(organization=branch)
    held(branch, datetime.date(2025, 3, 5), kind=MeetingKind.COLLECTIVE_STUDY)
    held(branch, datetime.date(2025, 4, 5), kind=MeetingKind.PARTY_LECTURE)
    with django_assert_num_queries(4):
        table = member_rules.study_hours_list(organization=branch, year=2025)
    assert all(row.meeting_hours == Decimal("4.0") for row in table.rows)
    assert StudyTask.objects.filter(status=TaskStatus.DONE).count() == 0


# O1 ------------------------------------------------------------------------------------------------------------


def test_structure_checks_judge_many_organisations_as_the_branch_page_does(
    committee, branch, sibling_branch, django_assert_num_queries
):
    today = datetime.date(2026, 3, 1)
    for _ in range(2):
        MemberFactory(organization=branch)
    MemberFactory(organization=branch, membership_type=MembershipType.PROBATIONARY, full_member_on=None)
    for _ in range(8):
        MemberFactory(organization=sibling_branch)
    sibling_branch.term_ends_on = datetime.date(2026, 3, 20)
    sibling_branch.save(update_fields=["term_ends_on"])
    organizations = list(Organization.objects.filter(pk__in=[branch.pk, sibling_branch.pk, committee.pk]))

    with django_assert_num_queries(3):
        checks = member_rules.structure_checks(organizations=organizations, today=today)

    assert (checks[branch.pk].member_count, checks[branch.pk].full_member_count) == (3, 2)
    assert any("不足3名" in w for w in checks[branch.pk].warnings)
    assert any("应设支部委员会" in w for w in checks[sibling_branch.pk].warnings)
    assert any("请准备换届选举" in w for w in checks[sibling_branch.pk].warnings)
    assert checks[committee.pk].warnings == []
    root = UserFactory(username="root", is_superuser=True)
    for each in (branch, sibling_branch):
        organization = organization_get(user=root, pk=each.pk, with_member_counts=True)
        page = branch_facts(organization=organization, today=today)
        assert checks[each.pk].warnings == page.warnings
    assert member_rules.structure_checks(organizations=[], today=today) == {}


# The branch page's block ---------------------------------------------------------------------------------------


def test_the_branch_block_renders_cadres_hours_and_the_flag_count(branch, secretary, people):
    from django.template.loader import render_to_string

    MemberFactory(organization=branch, name="局长", is_leading_cadre=True)
    flag_for(people["缺席甲"])
    rules = member_rules.member_rules_get(organization=branch, today=TODAY)

    html = render_to_string("reviews/partials/_member_rules.html", {"member_rules": rules})

    assert rules.flag_total == 1
    assert "1名党员长期未参加组织生活" in html and "局长" in html and "缺席甲" in html
    assert flags_url(branch) in html
