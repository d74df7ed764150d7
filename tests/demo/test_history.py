"""A generated year of organisational life (activities.history): plausible, deterministic, idempotent, verifiable,
and the compliance it produces is what the engine computes from scratch."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from activities.meetings import services as services
from activities.meetings.services import AttendanceEntry
from activities.models import (
    STUDY_KINDS,
    Attendance,
    AttendanceStatus,
    CountedKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
)
from activities.records import services as records_services
from branches.models import Member, MemberStatus, Organization, OrganizationKind, PartyGroup
from demo.history.generate import HistoryStats, history_generate
from demo.tree import seed as tree
from reviews.compliance.rules import GRACE_DAYS_DEFAULT
from reviews.compliance.services import compliance_recompute, organizations_recompute
from reviews.models import ComplianceResult, ComplianceRollup, FlagLevel, MemberFlag
from study.models import StudyTask, TaskKind, TaskStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
YEAR = TODAY.year
SEED = 2026


@pytest.fixture
def district():
    """东城区委 of a 10-branch demo tree: nine branches (with and without groups, some with a committee)."""
    tree.demo_seed(branches=10, seed=tree.DEFAULT_SEED, today=TODAY)
    return Organization.objects.get(code="BJ-DC")


def generate(district, **options) -> HistoryStats:
    return history_generate(root=district, year=YEAR, today=TODAY, seed=options.pop("seed", SEED), **options)


def branches_of(district):
    return Organization.objects.filter(path__startswith=district.path, kind=OrganizationKind.BRANCH)


def table_counts() -> dict[str, int]:
    models = (Meeting, CountedKind, Attendance, MeetingVersion, StudyTask, ComplianceResult, MemberFlag)
    return {model._meta.label: model.objects.count() for model in models}


def fingerprint() -> list:
    """The generated history without its primary keys: meetings with their kinds and attendance, and 补学 tasks."""
    kinds: dict[int, list[str]] = {}
    for meeting_id, kind in CountedKind.objects.values_list("meeting_id", "kind"):
        kinds.setdefault(meeting_id, []).append(kind)
    attendance: dict[int, list[tuple]] = {}
    for meeting_id, member_id, status, reason, signed in Attendance.objects.values_list(
        "meeting_id", "member_id", "status", "leave_reason", "signed_in_at"
    ):
        attendance.setdefault(meeting_id, []).append((member_id, status, reason, signed))
    columns = ("pk", "organization__code", "group_id", "kind", "topic", "starts_at", "status", "version", "filed_at")
    meetings = [
        (*row[1:], sorted(kinds[row[0]]), sorted(attendance.get(row[0], [])))
        for row in Meeting.objects.values_list(*columns, "lecturer_id")
    ]
    tasks = list(
        StudyTask.objects.filter(kind=TaskKind.MAKEUP).values_list(
            "member_id", "meeting__topic", "meeting__held_on", "due_date", "status", "completed_at"
        )
    )
    return [sorted(meetings, key=repr), sorted(tasks, key=repr)]


def compliance_rows(district) -> tuple[list, list]:
    results = sorted(
        ComplianceResult.objects.filter(organization__path__startswith=district.path).values_list(
            "organization_id", "subject", "rule_code", "period_key", "period_end", "count", "is_met", "meeting_ids"
        )
    )
    rollups = sorted(
        ComplianceRollup.objects.filter(node__path__startswith=district.path).values_list(
            "node_id", "rule_code", "period_key", "period_end", "applicable", "met"
        )
    )
    return results, rollups


def missed_branch_ids(district) -> set[int]:
    """Branches with a result judged missed on TODAY (unmet, grace window over)."""
    return set(
        ComplianceResult.objects.filter(
            organization__path__startswith=district.path,
            organization__kind=OrganizationKind.BRANCH,
            is_met=False,
            period_end__lt=TODAY - datetime.timedelta(days=GRACE_DAYS_DEFAULT),
        ).values_list("organization_id", flat=True)
    )


def test_it_generates_a_plausible_year_for_every_branch(district):
    stats = generate(district)

    branches = list(branches_of(district))
    assert stats.branches == len(branches) >= 6 and stats.branches_skipped == 0
    meetings = Meeting.objects.filter(organization__in=branches)
    assert meetings.count() == stats.meetings
    # Every month: a 主题党日 (none skipped at share 0 below; here most months), a group meeting per group or a
    # 集中学习, a 支委会 for branches of 7 or more; every quarter a 党员大会 with 专题研讨 and a 党课.
    assert 35 * len(branches) <= stats.meetings <= 60 * len(branches)
    assert all(m.held_on.year == YEAR and m.held_on < TODAY for m in meetings)
    by_kind = dict(meetings.values_list("kind").annotate(n=Count("pk")).order_by())
    assert by_kind[MeetingKind.THEME_DAY] >= 9 * len(branches)
    assert by_kind[MeetingKind.CEREMONY] <= len(branches)
    assert MeetingKind.ORG_LIFE_MEETING not in by_kind, "the 组织生活会 is held in December, after TODAY"
    assert (
        CountedKind.objects.filter(meeting__kind=MeetingKind.GENERAL_MEETING, kind="thematic_discussion").count()
        == (by_kind[MeetingKind.GENERAL_MEETING])
    )
    with_groups = PartyGroup.objects.filter(organization__in=branches).values("organization_id")
    assert meetings.filter(kind=MeetingKind.GROUP_MEETING, group__isnull=False).exists()
    assert not meetings.filter(kind=MeetingKind.COLLECTIVE_STUDY, organization__in=with_groups).exists()
    lectures = meetings.filter(counted_kinds__kind=MeetingKind.PARTY_LECTURE)
    assert (
        lectures.filter(lecturer_is_secretary=True).exists() and lectures.filter(lecturer_is_secretary=False).exists()
    )
    july = meetings.filter(kind=MeetingKind.CEREMONY).values_list("held_on", flat=True)
    assert all(datetime.date(YEAR, 6, 15) <= day <= datetime.date(YEAR, 7, 15) for day in july)

    # Attendance: every expected member who had joined, ~88 % present, ~8 % on leave (with a reason), ~4 % absent.
    total = Attendance.objects.count()
    assert total == stats.attendance == stats.present + stats.leave + stats.absent
    assert 0.83 < stats.present / total < 0.92 and 0.05 < stats.leave / total < 0.11 and stats.absent / total < 0.08
    assert not Attendance.objects.filter(status=AttendanceStatus.LEAVE, leave_reason="").exists()
    assert not Attendance.objects.exclude(member__organization_id=F("meeting__organization_id")).exists()
    assert not Attendance.objects.exclude(member__status=MemberStatus.ACTIVE).exists()
    theme_day = meetings.filter(kind=MeetingKind.THEME_DAY).order_by("-held_on").first()
    expected = Member.objects.filter(
        services.expected_attendees_q(theme_day),
        memberships__ended_on__isnull=True,
        memberships__started_on__lte=theme_day.held_on,
    )
    listed = set(theme_day.attendances.values_list("member_id", flat=True))
    assert listed == set(expected.values_list("pk", flat=True))
    committee_meeting = meetings.filter(kind=MeetingKind.COMMITTEE_MEETING).first()
    committee = set(
        Member.objects.filter(services.expected_attendees_q(committee_meeting)).values_list("pk", flat=True)
    )
    assert set(committee_meeting.attendances.values_list("member_id", flat=True)) <= committee

    # A 补学 task for each 请假 at a meeting with study content, as attendance_record gives.
    study_leave = Attendance.objects.filter(
        status=AttendanceStatus.LEAVE, meeting__counted_kinds__kind__in=STUDY_KINDS
    ).values("meeting_id", "member_id")
    makeup = StudyTask.objects.filter(kind=TaskKind.MAKEUP)
    assert makeup.count() == stats.makeup_tasks == study_leave.distinct().count()
    assert not makeup.filter(meeting__kind=MeetingKind.COMMITTEE_MEETING).exists()
    task = makeup.select_related("meeting").first()
    assert task.topic.startswith("补学：") and task.due_date > task.meeting.held_on
    assert makeup.filter(status=TaskStatus.DONE).exists() and makeup.filter(status=TaskStatus.OPEN).exists()

    # Filed after a week (version 1 stored), the last week's held and waiting.
    week_ago = TODAY - datetime.timedelta(days=7)
    assert not meetings.filter(status=MeetingStatus.HELD, held_on__lt=TODAY - datetime.timedelta(days=40)).exists()
    assert not meetings.filter(status=MeetingStatus.FILED, held_on__gte=week_ago).exists()
    assert meetings.filter(status=MeetingStatus.HELD).count() == stats.held > 0
    assert MeetingVersion.objects.count() == meetings.filter(status=MeetingStatus.FILED).count() == stats.filed
    assert not meetings.filter(status=MeetingStatus.FILED).exclude(version=3).exists()

    # The compliance results and M1 flags were computed.
    results = ComplianceResult.objects.filter(organization__path__startswith=district.path)
    assert results.count() == stats.results > results.filter(organization__in=branches).count() > 0
    assert MemberFlag.objects.count() == stats.flags


def test_the_filed_records_verify(district):
    stats = generate(district)

    out = io.StringIO()
    call_command("verify_records", stdout=out)
    assert out.getvalue().strip() == f"已校验 {stats.filed} 条归档记录，全部一致。"


def test_it_is_deterministic_for_a_seed(district):
    generate(district)
    first = fingerprint()
    Meeting.objects.all().delete()  # with their kinds, attendance, versions and 补学 tasks

    generate(district)
    assert fingerprint() == first

    Meeting.objects.all().delete()
    generate(district, seed=SEED + 1)
    assert fingerprint() != first


def test_a_second_call_adds_nothing(district):
    stats = generate(district)
    before = table_counts()

    again = generate(district)
    assert table_counts() == before
    assert again.meetings == again.attendance == again.makeup_tasks == 0
    assert again.branches == 0 and again.branches_skipped == stats.branches


def test_a_branch_with_a_meeting_this_year_is_left_alone(district):
    branch = branches_of(district).order_by("code").first()
    stats = generate(district)
    Meeting.objects.exclude(organization=branch).delete()
    kept = set(Meeting.objects.values_list("pk", flat=True))

    again = generate(district)
    assert again.branches_skipped == 1 and again.branches == stats.branches - 1
    assert set(Meeting.objects.filter(organization=branch).values_list("pk", flat=True)) == kept


def test_noncompliant_branches_have_missed_results_and_the_others_none(district):
    generate(district, noncompliant_share=0)
    assert missed_branch_ids(district) == set()

    Meeting.objects.all().delete()
    stats = generate(district, noncompliant_share=1)
    assert stats.noncompliant_branches == stats.branches
    assert missed_branch_ids(district) == set(branches_of(district).values_list("pk", flat=True))
    gap = ComplianceResult.objects.filter(is_met=False, period_end__lt=datetime.date(YEAR, 11, 1)).first()
    assert gap.count < gap.required


def test_the_default_share_leaves_some_branches_missing_something(district):
    stats = generate(district, noncompliant_share=0.3)
    missed = missed_branch_ids(district)
    assert 0 < stats.noncompliant_branches < stats.branches
    assert len(missed) == stats.noncompliant_branches


def test_members_who_drifted_away_are_flagged_under_rule_m1(district):
    stats = generate(district, noncompliant_share=0)

    assert stats.drifting_members >= 1 and stats.flags >= 1
    assert MemberFlag.objects.filter(level=FlagLevel.FLAG_6).exists()
    for flag in MemberFlag.objects.all():
        # Absent from everything since the first month of the run (the months before this one).
        since = datetime.date(YEAR, TODAY.month - flag.months, 1)
        records = Attendance.objects.filter(member_id=flag.member_id, meeting__held_on__gte=since)
        assert records.exists() and not records.exclude(status=AttendanceStatus.ABSENT).exists()


def test_incremental_equals_full_recompute_after_generation(district):
    generate(district)  # recomputes the district's subtree (incrementally, by the difference)
    generated = compliance_rows(district)
    assert generated[0] and generated[1]

    compliance_recompute(year=YEAR, today=TODAY)  # everything from scratch
    assert compliance_rows(district) == generated
    compliance_recompute(year=YEAR, today=TODAY)
    assert compliance_rows(district) == generated


def test_the_generated_meetings_can_be_edited_through_the_services(district):
    generate(district)
    held = Meeting.objects.filter(status=MeetingStatus.HELD, organization__path__startswith=district.path)
    for meeting in [*held.filter(group__isnull=True)[:2], *held.filter(group__isnull=False)[:1]]:
        listed = dict(meeting.attendances.values_list("member_id", "status"))
        member_id = next(iter(listed))
        services.attendance_record(
            meeting=meeting,
            version=meeting.version,
            entries={
                **{m: AttendanceEntry(s, "因公出差" if s == "leave" else "") for m, s in listed.items()},
                member_id: AttendanceEntry(AttendanceStatus.LEAVE, "临时出差"),
            },
            recorded_by=None,
            today=TODAY,
        )
        meeting.refresh_from_db()
        records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=None)
        assert set(meeting.attendances.values_list("member_id", flat=True)) >= set(listed)
        organizations_recompute(organization_ids=[meeting.organization_id], year=YEAR, today=TODAY)
    incremental = compliance_rows(district)
    compliance_recompute(year=YEAR, today=TODAY)
    assert compliance_rows(district) == incremental

    out = io.StringIO()
    call_command("verify_records", stdout=out)
    assert "全部一致" in out.getvalue()


def test_it_refuses_a_year_that_has_not_started(district):
    with pytest.raises(ValueError):
        history_generate(root=district, year=YEAR + 1, today=TODAY)


def test_a_past_year_is_whole_and_filed(district):
    stats = history_generate(root=district, year=YEAR - 1, today=TODAY, seed=SEED)

    meetings = Meeting.objects.filter(held_on__year=YEAR - 1)
    assert meetings.count() == stats.meetings > 0
    assert meetings.filter(kind=MeetingKind.ORG_LIFE_MEETING).count() == stats.branches
    assert set(meetings.values_list("held_on__month", flat=True)) == set(range(1, 13))
    assert not meetings.exclude(status=MeetingStatus.FILED).exists()


def test_a_branch_founded_mid_year_meets_from_its_founding(district):
    branch = branches_of(district).order_by("code").last()
    founded = datetime.date(YEAR, 5, 20)
    Organization.objects.filter(pk=branch.pk).update(established_on=founded)
    generate(district, noncompliant_share=0)

    assert Meeting.objects.filter(organization=branch).exists()
    assert not Meeting.objects.filter(organization=branch, held_on__lt=founded).exists()
    results = ComplianceResult.objects.filter(organization=branch)
    # Monthly and quarterly rules from the first full period; the yearly ones in the founding year too (founded
    # before the first-year cut-off, 1 October).
    assert not results.filter(period_start__lt=founded).exclude(period_key=str(YEAR)).exists()
    assert results.filter(rule_code="C6", period_key=str(YEAR)).exists()
    assert branch.pk not in missed_branch_ids(district)


def test_seed_demo_history_fills_the_demo_district_and_keeps_the_demo_branch_story(db):
    from io import StringIO

    from django.core.management import call_command

    from activities.models import Meeting
    from branches.models import Organization, OrganizationKind
    from demo.tree.tables import DEMO_BRANCH_CODE, DEMO_DISTRICT_CODE

    call_command("seed_demo", "--history", stdout=StringIO())
    district = Organization.objects.get(code=DEMO_DISTRICT_CODE)
    branches = Organization.objects.filter(path__startswith=district.path, kind=OrganizationKind.BRANCH)
    with_meetings = branches.filter(meetings__isnull=False).distinct().count()
    assert with_meetings == branches.filter(members__isnull=False).distinct().count()
    # The demo branch keeps the hand-made story: a 主题党日 planned next week.
    assert Meeting.objects.filter(organization__code=DEMO_BRANCH_CODE, status="planned").exists()
    # Last year's 民主评议 at district scale too (written in bulk): most branches, with their grades.
    from django.utils import timezone

    from reviews.evaluations.models import EvaluationCampaign, GradeProposal

    last_year = timezone.localdate().year - 1
    evaluated = EvaluationCampaign.objects.filter(organization__in=branches, year=last_year).count()
    assert evaluated >= branches.count() // 2
    assert GradeProposal.objects.filter(campaign__year=last_year, campaign__organization__in=branches).exists()
