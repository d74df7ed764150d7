"""星级评定 demo data for `manage.py seed_demo` (seed §二.4: 实践创星、评级定星、晋位升星).

The story, with T = today: the portal has proposed this year's stars for every branch of the demo district (from
the compliance results, study progress, talks, 民主评议, the problem ledger and the structure just seeded). The
committee officer (login `committee`) has confirmed the demo branch's proposal (定星); the district officer (login
`district`) has raised one branch (升星: 示范党支部) and lowered another (降星: 软弱涣散整顿中); the other proposals
wait on the officers page.

Through the services, in one transaction. Idempotent: a district with ratings of the year is left alone.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import transaction

from branches.models import Organization, User
from demo.tree import tables as tree_tables
from reviews.ratings import services
from reviews.ratings.models import BranchRating

RAISE_REASON = "该支部创建“示范党支部”成效明显，经党委会研究予以升星。"
LOWER_REASON = "该支部列入软弱涣散党组织整顿，经党委会研究予以降星。"


@dataclass
class RatingsDemoResult:
    proposed: int = 0
    decided: int = 0
    seconds: float = 0.0


def ratings_demo_seed(*, today: datetime.date) -> RatingsDemoResult:
    """This year's proposals for the demo district, and three decisions of the demo committee's officer."""
    started = time.monotonic()
    result = RatingsDemoResult()
    district = Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    officer = User.objects.filter(username="committee").first() or User.objects.filter(username="district").first()
    if (
        district is None
        or officer is None
        or BranchRating.objects.filter(organization__path__startswith=district.path, year=today.year).exists()
    ):
        return result
    district_officer = User.objects.filter(username="district").first() or officer
    with transaction.atomic():
        result.proposed = services.ratings_propose(organization=district, year=today.year, today=today, progress=None)
        ratings = list(
            BranchRating.objects.filter(organization__path__startswith=district.path, year=today.year)
            .select_related("organization__parent")
            .order_by("organization__path")
        )
        own = next((r for r in ratings if r.organization.code == tree_tables.DEMO_BRANCH_CODE), None)
        if own is not None:
            services.rating_decide(rating=own, stars=own.proposed_stars, reason="", by=officer)
            result.decided += 1
        others = [rating for rating in ratings if rating is not own]
        raised = next((rating for rating in others if rating.proposed_stars < 5), None)
        if raised is not None:
            services.rating_decide(
                rating=raised, stars=raised.proposed_stars + 1, reason=RAISE_REASON, by=district_officer
            )
            result.decided += 1
        lowered = next((rating for rating in others if rating.proposed_stars > 1 and rating is not raised), None)
        if lowered is not None:
            services.rating_decide(
                rating=lowered, stars=lowered.proposed_stars - 1, reason=LOWER_REASON, by=district_officer
            )
            result.decided += 1
    result.seconds = time.monotonic() - started
    return result
