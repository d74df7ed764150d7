"""Stored results and roll-ups: incremental updates give exactly what a full recompute gives."""

import datetime
import random

import pytest
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import Meeting, MeetingKind
from activities.records import services as records_services
from branches.models import OrganizationKind
from reviews.compliance.services import ALL_RULES, compliance_recompute, organizations_recompute
from reviews.models import ComplianceResult, ComplianceRollup
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, PartyGroupFactory

pytestmark = pytest.mark.django_db

BRANCH_KINDS = [
    MeetingKind.THEME_DAY,
    MeetingKind.GENERAL_MEETING,
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.COLLECTIVE_STUDY,
    MeetingKind.CEREMONY,
    MeetingKind.ORG_LIFE_MEETING,
]


def snapshot():
    results = sorted(
        ComplianceResult.objects.values_list(
            "organization_id", "subject", "rule_code", "period_key", "period_end", "count", "is_met", "meeting_ids"
        )
    )
    rollups = sorted(
        ComplianceRollup.objects.values_list("node_id", "rule_code", "period_key", "period_end", "applicable", "met")
    )
    return results, rollups


@pytest.fixture
def tree(district):
    committees = [
        OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district, name=f"党委{i}") for i in range(2)
    ]
    branches = [BranchFactory(parent=committees[i % 2], established_on=datetime.date(2015, 1, 1)) for i in range(4)]
    for _ in range(8):
        MemberFactory(organization=branches[0])
    MemberFactory(organization=branches[1])
    for name in ("第一党小组", "第二党小组"):
        PartyGroupFactory(organization=branches[2], name=name)
    return committees, branches


def random_meeting(rng, branch, year, today):
    day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange((today - datetime.date(year, 1, 1)).days))
    starts = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9))
    group = branch.groups.order_by("pk").first() if rng.random() < 0.3 else None
    kind = MeetingKind.GROUP_MEETING if group else rng.choice(BRANCH_KINDS)
    counts_as = [MeetingKind.THEMATIC_DISCUSSION] if kind == MeetingKind.GENERAL_MEETING and rng.random() < 0.7 else []
    meeting = activities.meeting_create(
        organization=branch,
        group=group,
        created_by=None,
        kind=kind,
        counts_as=counts_as,
        topic="随机会议",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    if rng.random() < 0.85:
        meeting = activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)
    return meeting


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_gives_the_same_rows_incrementally_as_a_full_recompute(tree, seed):
    _committees, branches = tree
    rng = random.Random(seed)
    today = timezone.localdate()
    year = today.year
    compliance_recompute(year=year, today=today)
    for _step in range(40):
        branch = rng.choice(branches)
        action = rng.random()
        existing = list(Meeting.objects.filter(organization=branch).exclude(status="filed"))
        if action < 0.6 or not existing:
            random_meeting(rng, branch, year, today)
        elif action < 0.8:
            meeting = rng.choice(existing)
            new_start = meeting.starts_at - datetime.timedelta(days=rng.randrange(1, 60))
            if new_start.year == year:
                activities.meeting_update(
                    meeting=meeting,
                    version=meeting.version,
                    updated_by=None,
                    starts_at=new_start,
                    ends_at=new_start + datetime.timedelta(hours=2),
                )
        elif action < 0.9:
            meeting = rng.choice(existing)
            if meeting.status == "held":
                records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=None)
        else:
            meeting = rng.choice(existing)
            activities.meeting_delete(meeting=meeting, version=meeting.version)
        organizations_recompute(organization_ids=[branch.pk], year=year, today=today)
    incremental = snapshot()
    compliance_recompute(year=year, today=today)
    assert snapshot() == incremental
    assert incremental[0], "the history produced results"


@pytest.mark.parametrize("seed", [4, 5])
def test_the_bulk_rebuild_writes_the_rows_the_incremental_path_writes(tree, district, other_branch, seed):
    """The yearly rebuild (COPY, roll-ups carried up once per node) gives exactly the rows of judging every
    organisation through the incremental path, for a subtree (the nodes above move by its difference) and for
    the whole tree."""
    from branches.models import Organization

    _committees, branches = tree
    rng = random.Random(seed)
    today = timezone.localdate()
    year = today.year
    for _step in range(40):
        random_meeting(rng, rng.choice([*branches, other_branch]), year, today)
    ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    organizations_recompute(organization_ids=ids, year=year, today=today)
    incremental = snapshot()
    assert incremental[0] and incremental[1]

    compliance_recompute(year=year, organization=district, today=today)
    assert snapshot() == incremental
    compliance_recompute(year=year, today=today)
    assert snapshot() == incremental
    compliance_recompute(year=year, organization=branches[0], today=today)
    assert snapshot() == incremental


def test_it_rolls_results_up_to_every_node_above(tree, district, city):
    committees, branches = tree
    today = timezone.localdate()
    compliance_recompute(year=today.year, today=today)
    for node in (branches[0], committees[0], district, city):
        row = ComplianceRollup.objects.get(node=node, rule_code="C3", period_key=f"{today.year}-01")
        below = ComplianceResult.objects.filter(
            organization__path__startswith=node.path, rule_code="C3", period_key=f"{today.year}-01"
        )
        assert row.applicable == below.count() > 0
    organizations = ComplianceRollup.objects.get(node=district, rule_code=ALL_RULES, period_key=f"{today.year}-01")
    assert organizations.applicable == 4  # four branches had monthly rules in January


def test_it_updates_the_results_after_a_meeting_is_recorded(branch, secretary, django_capture_on_commit_callbacks):
    starts = timezone.now() - datetime.timedelta(hours=4)
    meeting = activities.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    assert not ComplianceResult.objects.filter(organization=branch, rule_code="C3").exists()
    with django_capture_on_commit_callbacks(execute=True):
        activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)
    month = f"{meeting.held_on:%Y-%m}"
    result = ComplianceResult.objects.get(organization=branch, rule_code="C3", period_key=month)
    assert result.is_met and result.meeting_ids == [meeting.pk]
    assert ComplianceRollup.objects.get(node=branch.parent, rule_code="C3", period_key=month).met == 1


def test_it_recomputes_from_the_command(tree, district):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("recompute_compliance", "--org", district.code, stdout=out)
    assert "条检查结果" in out.getvalue()
    assert ComplianceResult.objects.filter(organization__path__startswith=district.path).exists()


def test_it_carries_a_completed_study_task_up_the_roll_ups(branch, member_user, django_capture_on_commit_callbacks):
    from study.learning import services as learning_services
    from study.models import Audience, StudyForm, StudyTask
    from study.plans import services as study

    today = timezone.localdate()
    plan = study.plan_create(organization=branch, year=today.year, title="学习计划", created_by=None)
    study.plan_item_save(
        plan=plan,
        month=1,
        topic="学习党章",
        form=StudyForm.SELF_STUDY,
        audience=Audience.ALL,
        due_date=datetime.date(today.year, 1, 25),
        hours=2,
    )
    study.plan_submit(plan=plan, submitted_by=None)
    study.plan_file(plan=plan, filed_by=None)
    compliance_recompute(year=today.year, today=today)
    row = ComplianceRollup.objects.get(node=branch.parent, rule_code="study", period_key=str(today.year))
    assert (row.applicable, row.met) == (1, 0)
    task = StudyTask.objects.get(member=member_user.member)
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.task_complete(task=task, reflection="认真学习了党章全文，体会很深。")
    row.refresh_from_db()
    assert (row.applicable, row.met) == (1, 1)
