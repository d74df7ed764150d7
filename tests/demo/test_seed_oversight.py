"""seed_demo's 督导检查 and 整改台账: the district's closed 随机抽查 and the demo branch's ledger in every state."""

import datetime
import io

import pytest
from django.core.management import call_command

from demo.tree import tables as tree_tables
from reviews.oversight import services
from reviews.oversight.models import Inspection, InspectionFinding, Problem, ProblemState

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_a_closed_spot_check_and_a_ledger_once():
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    inspection = Inspection.objects.get()
    assert inspection.organization.code == tree_tables.DEMO_DISTRICT_CODE
    assert inspection.is_closed and inspection.seed == 7 and services.inspection_draw_check(inspection)
    assert InspectionFinding.objects.filter(result="problem", problem__isnull=False).exists()
    ledger = Problem.objects.filter(organization__code=tree_tables.DEMO_BRANCH_CODE)
    states = set(ledger.values_list("state", flat=True))
    assert {ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.SUBMITTED, ProblemState.CLOSED} <= states
    assert any(problem.is_overdue_on(TODAY) for problem in ledger)
    assert ledger.filter(member__user__username="member").exists()

    counts = (Inspection.objects.count(), Problem.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (Inspection.objects.count(), Problem.objects.count()) == counts
