"""seed_demo --history's 督导检查 and 整改台账: a closed half-year 随机抽查 with findings and a district-wide ledger
with open, overdue and closed problems, written in bulk; the roll-ups equal a recount; idempotent, deterministic."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Q

from demo.oversight.history import INSPECTORS, oversight_history_generate
from demo.tree import tables as tree_tables
from reviews.oversight import services
from reviews.oversight.models import (
    Inspection,
    InspectionFinding,
    Problem,
    ProblemRollup,
    ProblemSource,
    ProblemState,
    ProblemTransition,
)
from reviews.oversight.rollups import Figures, problem_rollups_count

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--branches=80", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())


def _history(seeded_before: frozenset[int] = frozenset()):
    """The history's problems: from its inspection, and those of every branch but the demo branch's story
    (less the problems `seed_demo` itself wrote before the history, such as the weak branch's)."""
    return Problem.objects.filter(
        Q(finding__inspection_branch__inspection__inspectors=INSPECTORS)
        | (Q(finding__isnull=True) & ~Q(organization__code=tree_tables.DEMO_BRANCH_CODE))
    ).exclude(pk__in=seeded_before)


def _ledger(seeded_before: frozenset[int] = frozenset()) -> list[tuple]:
    return list(
        _history(seeded_before)
        .order_by("organization__code", "found_on", "description", "state")
        .values_list("organization__code", "source", "description", "state", "found_on", "deadline", "closed_at")
    )


def test_it_writes_a_closed_spot_check_and_a_ledger_in_every_state(seeded, django_assert_max_num_queries):
    before = Problem.objects.count()
    with django_assert_max_num_queries(60):
        stats = oversight_history_generate(seed=7, today=TODAY)
    inspection = Inspection.objects.get(inspectors=INSPECTORS)
    assert inspection.is_closed and services.inspection_draw_check(inspection)
    assert stats.branches_inspected == inspection.branches.count() >= 1
    findings = InspectionFinding.objects.filter(inspection_branch__inspection=inspection)
    assert findings.count() == stats.findings == 2 * stats.branches_inspected
    history = Problem.objects.exclude(organization__code=tree_tables.DEMO_BRANCH_CODE).filter(
        created_at__date__lte=TODAY
    )
    assert Problem.objects.count() - before == stats.problems
    assert history.filter(
        source=ProblemSource.INSPECTION, finding__inspection_branch__inspection=inspection
    ).count() == (findings.filter(result="problem").count())
    states = set(Problem.objects.values_list("state", flat=True))
    assert {ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.CLOSED} <= states
    assert stats.closed and stats.overdue and stats.open >= stats.overdue
    # Every problem's life is recorded, its last step the state it is in.
    for problem in history.prefetch_related("transitions"):
        steps = list(problem.transitions.all())
        assert steps[0].from_state == "" and steps[-1].to_state == problem.state
        assert all(step.at.date() < TODAY for step in steps[1:])
    assert (
        ProblemTransition.objects.filter(to_state=ProblemState.CLOSED).count()
        == Problem.objects.filter(state=ProblemState.CLOSED).count()
    )
    stored = {
        row.node_id: Figures(row.open, row.overdue, row.closed_this_year)
        for row in ProblemRollup.objects.all()
        if row.open or row.overdue or row.closed_this_year
    }
    assert stored == problem_rollups_count(as_of=TODAY)


def test_a_second_run_adds_nothing_and_a_seed_gives_the_same_ledger(seeded):
    seeded_before = frozenset(Problem.objects.values_list("pk", flat=True))
    oversight_history_generate(seed=7, today=TODAY)
    first = _ledger(seeded_before)
    assert first
    assert oversight_history_generate(seed=7, today=TODAY).problems == 0
    assert _ledger(seeded_before) == first
    _history(seeded_before).delete()
    Inspection.objects.filter(inspectors=INSPECTORS).delete()
    oversight_history_generate(seed=7, today=TODAY)
    assert _ledger(seeded_before) == first
