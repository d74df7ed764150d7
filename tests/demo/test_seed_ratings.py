"""seed_demo's 星级评定: proposals for the demo district, the demo branch confirmed, one raised and one lowered
with their reasons; a second run adds nothing."""

import datetime
import io

import pytest
from django.core.management import call_command

from branches.models import Organization
from demo.tree import tables as tree_tables
from reviews.ratings.models import BranchRating, BranchRatingChange, StarAction

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_proposals_and_decisions_once():
    out = io.StringIO()
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=out)
    assert "星级评定" in out.getvalue()
    district = Organization.objects.get(code=tree_tables.DEMO_DISTRICT_CODE)
    ratings = BranchRating.objects.filter(year=TODAY.year)
    assert ratings.count() == Organization.objects.subtree_of(district).branches().count() > 1
    branch = ratings.get(organization__code=tree_tables.DEMO_BRANCH_CODE)
    assert branch.stars == branch.proposed_stars and len(branch.breakdown) == 8
    actions = set(BranchRatingChange.objects.values_list("action", flat=True))
    assert StarAction.DEFINE in actions and actions & {StarAction.RAISE, StarAction.LOWER}
    assert ratings.filter(stars__isnull=True).exists()  # proposals waiting on the officers page

    counts = (BranchRating.objects.count(), BranchRatingChange.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (BranchRating.objects.count(), BranchRatingChange.objects.count()) == counts
