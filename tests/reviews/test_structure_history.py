"""A period is judged by the branch's structure in that period (issue #13 item 1): its groups then, its committee
and members then — not today's."""

import datetime

import pytest
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import MeetingKind
from branches import services as branches
from branches.models import MembershipType, MemberStatus
from reviews.compliance.rules import BranchStructure, GroupFact, Scope
from reviews.compliance.selectors import branch_obligations
from reviews.compliance.services import compliance_recompute, organizations_recompute
from reviews.models import ComplianceResult, ComplianceRollup
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
TODAY = datetime.date(YEAR, 11, 20)
LONG_AGO = datetime.date(2020, 1, 1)


def held(branch, day: datetime.date, kind: str, *, group=None):
    starts = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9))
    meeting = activities.meeting_create(
        organization=branch,
        group=group,
        created_by=None,
        kind=kind,
        topic="集中学习",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    return activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)


def c1(organization, *, subject: str = "") -> dict[str, bool]:
    rows = ComplianceResult.objects.filter(organization=organization, rule_code="C1", subject=subject)
    return dict(rows.values_list("period_key", "is_met"))


def months(*numbers: int) -> list[str]:
    return [f"{YEAR}-{n:02d}" for n in numbers]


@pytest.fixture
def branch(committee):
    return BranchFactory(name="第一党支部", parent=committee, established_on=datetime.date(2015, 1, 1))


def test_a_group_set_up_in_september_leaves_the_months_before_to_the_branch(branch, committee, district):
    for month in range(1, 10):
        held(branch, datetime.date(YEAR, month, 12), MeetingKind.COLLECTIVE_STUDY)
    group = branches.group_create(organization=branch, name="第一党小组", established_on=datetime.date(YEAR, 9, 10))
    held(branch, datetime.date(YEAR, 10, 14), MeetingKind.GROUP_MEETING, group=group)

    compliance_recompute(year=YEAR, today=TODAY)

    # January–September: the branch studied as a whole and that was right (the group did not stand all September).
    assert c1(branch) == dict.fromkeys(months(*range(1, 10)), True)
    # The group is judged from October, its first full month.
    assert c1(branch, subject=f"g{group.pk}") == {f"{YEAR}-10": True, f"{YEAR}-11": False}
    for node in (branch, committee, district):
        q1 = ComplianceRollup.objects.filter(node=node, rule_code="C1", period_key__in=months(1, 2, 3))
        assert sorted(q1.values_list("met", "applicable")) == [(1, 1)] * 3
    # The branch's to-do for a past month says the same as the stored results.
    march = branch_obligations(organization=branch, today=TODAY, month=datetime.date(YEAR, 3, 1))
    c1_march = [o for o in march.month if o.result.rule.code == "C1"]
    assert [(o.group_id, o.result.outcome) for o in c1_march] == [(None, "met")]
    october = branch_obligations(organization=branch, today=TODAY, month=datetime.date(YEAR, 10, 1))
    assert [(o.group_id, o.result.outcome) for o in october.month if o.result.rule.code == "C1"] == [(group.pk, "met")]


def test_a_group_dissolved_mid_year_owes_nothing_after_it(branch):
    first = branches.group_create(organization=branch, name="第一党小组", established_on=LONG_AGO)
    second = branches.group_create(organization=branch, name="第二党小组", established_on=LONG_AGO)
    member = MemberFactory(organization=branch, group=second, started_on=LONG_AGO)
    for month in range(1, 12):
        held(branch, datetime.date(YEAR, month, 12), MeetingKind.GROUP_MEETING, group=first)
    for month in range(1, 6):
        held(branch, datetime.date(YEAR, month, 13), MeetingKind.GROUP_MEETING, group=second)
    branches.group_update(group=second, name=second.name, leader=None, dissolved_on=datetime.date(YEAR, 6, 15))

    compliance_recompute(year=YEAR, today=TODAY)

    assert c1(branch, subject=f"g{second.pk}") == dict.fromkeys(months(1, 2, 3, 4, 5), True)
    assert c1(branch, subject=f"g{first.pk}") == dict.fromkeys(months(*range(1, 12)), True)
    assert c1(branch) == {}, "a branch with a group standing is not judged as a branch without groups"
    member.refresh_from_db()
    assert member.group_id is None


def test_a_branch_growing_to_eight_members_in_june_owes_a_committee_meeting_from_june(branch, sibling_branch):
    for _ in range(6):
        MemberFactory(organization=branch, started_on=LONG_AGO)
    newcomer = MemberFactory(organization=sibling_branch, started_on=LONG_AGO)
    branches.member_transfer(member=newcomer, to_organization=branch, on=datetime.date(YEAR, 6, 10))
    MemberFactory(
        organization=branch,
        started_on=datetime.date(YEAR, 6, 20),
        joined_on=datetime.date(YEAR, 6, 20),
        membership_type=MembershipType.PROBATIONARY,
        full_member_on=None,
    )
    leaver = MemberFactory(organization=branch, started_on=LONG_AGO)
    branches.member_status_change(member=leaver, status=MemberStatus.DECEASED, on=datetime.date(YEAR, 3, 5))
    # Seven members until 5 March: a committee was called for in January and February, not from March to May.

    compliance_recompute(year=YEAR, today=TODAY)

    c4 = ComplianceResult.objects.filter(organization=branch, rule_code="C4")
    assert sorted(c4.values_list("period_key", flat=True)) == months(1, 2, 6, 7, 8, 9, 10, 11)
    # The sibling branch lost a member in June: it never had seven.
    assert not ComplianceResult.objects.filter(organization=sibling_branch, rule_code="C4").exists()
    may = branch_obligations(organization=branch, today=TODAY, month=datetime.date(YEAR, 5, 1))
    june = branch_obligations(organization=branch, today=TODAY, month=datetime.date(YEAR, 6, 1))
    assert not [o for o in may.month if o.result.rule.code == "C4"]
    assert [o.result.outcome for o in june.month if o.result.rule.code == "C4"] == ["missed"]


def test_the_structure_is_read_as_of_each_period():
    september = GroupFact(1, "第一党小组", datetime.date(YEAR, 9, 10))
    dissolved = GroupFact(2, "第二党小组", LONG_AGO, dissolved_on=datetime.date(YEAR, 6, 15))
    structure = BranchStructure(
        groups=(september, dissolved),
        stays=((LONG_AGO, None),) * 6 + ((datetime.date(YEAR, 6, 10), None),),
    )
    assert structure.groups_in(datetime.date(YEAR, 5, 1), datetime.date(YEAR, 5, 31)) == [dissolved]
    assert structure.groups_in(datetime.date(YEAR, 7, 1), datetime.date(YEAR, 7, 31)) == []
    assert structure.groups_in(datetime.date(YEAR, 10, 1), datetime.date(YEAR, 10, 31)) == [september]
    assert structure.member_count_on(datetime.date(YEAR, 6, 9)) == 6
    assert structure.member_count_on(datetime.date(YEAR, 6, 10)) == 7
    july = structure.scopes_in(datetime.date(YEAR, 7, 1), datetime.date(YEAR, 7, 31), today=TODAY)
    assert {Scope.BRANCH_WITH_COMMITTEE, Scope.BRANCH_WITHOUT_GROUPS} <= july
    # A month still running is judged by what is true today.
    assert Scope.BRANCH_WITH_COMMITTEE not in structure.scopes_in(
        datetime.date(YEAR, 6, 1), datetime.date(YEAR, 6, 30), today=datetime.date(YEAR, 6, 5)
    )


def test_incremental_recompute_after_a_structure_change_equals_a_rebuild(branch, sibling_branch):
    for month in range(1, 11):
        held(branch, datetime.date(YEAR, month, 12), MeetingKind.COLLECTIVE_STUDY)
        held(sibling_branch, datetime.date(YEAR, month, 12), MeetingKind.COMMITTEE_MEETING)
    for _ in range(6):
        MemberFactory(organization=sibling_branch, started_on=datetime.date(YEAR, 1, 1))
    leaver = MemberFactory(organization=sibling_branch, started_on=datetime.date(YEAR, 1, 1))
    compliance_recompute(year=YEAR, today=TODAY)

    group = branches.group_create(organization=branch, name="第一党小组", established_on=datetime.date(YEAR, 9, 10))
    held(branch, datetime.date(YEAR, 10, 14), MeetingKind.GROUP_MEETING, group=group)
    organizations_recompute(organization_ids=[branch.pk], year=YEAR, today=TODAY)
    branches.group_update(group=group, name=group.name, leader=None, dissolved_on=datetime.date(YEAR, 11, 2))
    organizations_recompute(organization_ids=[branch.pk], year=YEAR, today=TODAY)
    branches.member_transfer(member=leaver, to_organization=branch, on=datetime.date(YEAR, 3, 2))
    organizations_recompute(organization_ids=[sibling_branch.pk, branch.pk], year=YEAR, today=TODAY)

    def snapshot():
        results = sorted(
            ComplianceResult.objects.values_list("organization_id", "subject", "rule_code", "period_key", "is_met")
        )
        rollups = sorted(
            ComplianceRollup.objects.values_list("node_id", "rule_code", "period_key", "applicable", "met")
        )
        return results, rollups

    incremental = snapshot()
    compliance_recompute(year=YEAR, today=TODAY)
    assert snapshot() == incremental
    sibling_c4 = {r[3] for r in incremental[0] if r[0] == sibling_branch.pk and r[2] == "C4"}
    assert sibling_c4 == set(months(1, 2)), "seven members until 2 March, then six"


def test_changing_a_group_or_the_committee_judges_the_branch_again(branch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group = branches.group_create(organization=branch, name="第一党小组", established_on=LONG_AGO)
    assert ComplianceResult.objects.filter(organization=branch, subject=f"g{group.pk}").exists()
    with django_capture_on_commit_callbacks(execute=True):
        branches.group_update(group=group, name=group.name, leader=None, dissolved_on=datetime.date(2021, 1, 1))
    assert not ComplianceResult.objects.filter(organization=branch, subject=f"g{group.pk}").exists()
