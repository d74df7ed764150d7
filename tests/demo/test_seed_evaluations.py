"""seed_demo's 民主评议党员: last year's completed for most branches, this year's in progress in the demo branch."""

import datetime
import io

import pytest
from django.core.management import call_command

from activities.models import MeetingKind
from demo.tree import tables as tree_tables
from reviews.evaluations.models import (
    ApprovalStatus,
    BallotReceipt,
    EvaluationCampaign,
    EvaluationStep,
    GradeProposal,
    MutualBallot,
)
from reviews.models import ComplianceResult

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_last_years_evaluations_and_this_years_campaign_once():
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    last = EvaluationCampaign.objects.filter(year=2025)
    assert last.count() >= 8
    pending = GradeProposal.objects.filter(status=ApprovalStatus.PENDING)
    assert pending.count() == 1
    stuck = pending.get().campaign
    assert not stuck.stages.get(step=EvaluationStep.DECISION).is_closed
    decided = last.exclude(pk=stuck.pk).exclude(decision_meeting=None)
    assert decided.exists()
    meeting = decided.first().decision_meeting
    assert meeting.counted_kinds.filter(kind=MeetingKind.DEMOCRATIC_EVALUATION).exists()
    # C6 for 2026 is met where the 组织生活会 was held and the 2025 评议 decided at a 2026 党员大会.
    assert ComplianceResult.objects.filter(
        organization__in=decided.values("organization"), rule_code="C6", period_key="2026", is_met=True
    ).exists()

    current = EvaluationCampaign.objects.get(year=2026)
    assert current.organization.code == tree_tables.DEMO_BRANCH_CODE
    assert current.stages.get(step=EvaluationStep.PREPARATION).is_closed
    assert not current.stages.get(step=EvaluationStep.MUTUAL).is_closed
    assert BallotReceipt.objects.filter(campaign=current).count() == 3
    assert not BallotReceipt.objects.filter(campaign=current, member__user__username="member").exists()
    assert MutualBallot.objects.filter(campaign=current).exists()

    counts = (EvaluationCampaign.objects.count(), GradeProposal.objects.count(), MutualBallot.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (EvaluationCampaign.objects.count(), GradeProposal.objects.count(), MutualBallot.objects.count()) == counts


def test_it_seeds_probation_outcomes_problems_and_dispositions():
    from reviews.evaluations.models import (
        Disposition,
        DispositionKind,
        EvaluationProblem,
        Grade,
        Opinion,
        ProbationOutcome,
    )

    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    extended = GradeProposal.objects.filter(campaign__year=2025, probation_outcome=ProbationOutcome.EXTEND)
    assert extended.count() == 1
    assert extended.get().status == ApprovalStatus.APPROVED and extended.get().grade == ""
    assert extended.get().probation_ends_on is not None
    decided = EvaluationCampaign.objects.filter(year=2025).exclude(decision_meeting=None)
    assert EvaluationProblem.objects.filter(campaign__in=decided).count() == 2 * decided.count()
    basic = GradeProposal.objects.filter(grade=Grade.BASICALLY_QUALIFIED, status=ApprovalStatus.APPROVED)
    assert Disposition.objects.filter(kind=DispositionKind.CORRECTION).count() == basic.count()
    current = EvaluationCampaign.objects.get(year=2026)
    assert Opinion.objects.filter(campaign=current).count() == 3
    assert EvaluationProblem.objects.filter(campaign=current).count() == 1
