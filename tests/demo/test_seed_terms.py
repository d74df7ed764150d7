"""seed_demo's 换届 and 重点约谈: the demo branch's election history, two branches of the demo committee with a
term due (one overdue) on the officer's page, and one interview about the branch's overdue problems; once."""

import datetime
import io

import pytest
from django.core.management import call_command

from branches.models import Organization, Role, RoleKind
from branches.terms.models import CommitteeTerm
from branches.terms.selectors import terms_due
from demo.terms.seed import DEMO_COMMITTEE_CODE
from demo.tree import tables as tree_tables
from reviews.oversight.models import Interview

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_the_election_history_terms_due_and_an_interview_once():
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    history = list(CommitteeTerm.objects.filter(organization__code=tree_tables.DEMO_BRANCH_CODE).order_by("elected_on"))
    assert len(history) == 3
    assert [term.is_current for term in history] == [False, False, True]
    current = history[-1]
    assert current.organization.term_ends_on == current.ends_on
    # The demo secretary keeps the role: the current committee is the one of today.
    assert Role.objects.filter(
        user__username="secretary", organization=current.organization, kind=RoleKind.SECRETARY
    ).exists()
    assert current.seats.filter(member__user__username="secretary", kind=RoleKind.SECRETARY).exists()

    committee = Organization.objects.get(code=DEMO_COMMITTEE_CODE)
    assert committee.pk in current.organization.ancestor_ids
    due = terms_due(node=Organization.objects.get(code=tree_tables.DEMO_DISTRICT_CODE), today=TODAY)
    due_days = {row.organization.code: row.days_left for row in due.overdue + due.due}
    assert -20 in due_days.values() and 45 in due_days.values()

    interview = Interview.objects.get()
    assert interview.organization == current.organization and interview.interviewee.user.username == "secretary"
    assert interview.problems.exists()

    counts = (CommitteeTerm.objects.count(), Interview.objects.count(), Role.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (CommitteeTerm.objects.count(), Interview.objects.count(), Role.objects.count()) == counts
