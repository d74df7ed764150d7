"""星级评定: the default rubric, proposals scored item by item from the portal's records (a fixed number of
queries whatever the subtree's size), proposing again keeps the decisions, 定星/升星/降星 with reasons and history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.evaluations.models import EvaluationCampaign
from reviews.models import ComplianceResult, Rule, StudyProgress
from reviews.oversight.models import Problem, ProblemSource, ProblemState
from reviews.ratings import services
from reviews.ratings.models import BranchRating, BranchRatingChange, RatingItem, RatingRubric, StarAction
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)
YEAR = 2026


def _result(branch, month, met):
    rule = Rule.objects.filter(code="C3").order_by("-effective_from").first()
    ComplianceResult.objects.create(
        organization=branch,
        rule=rule,
        rule_code="C3",
        period_key=f"{YEAR}-{month:02d}",
        period_start=datetime.date(YEAR, month, 1),
        period_end=datetime.date(YEAR, month, 28),
        required=1,
        count=int(met),
        is_met=met,
    )


def _propose(district):
    return services.ratings_propose(organization=district, year=YEAR, today=TODAY, progress=None)


def test_it_loads_a_default_rubric_with_five_levels_citing_the_seed():
    rubric = RatingRubric.objects.get(organization=None)
    assert rubric.thresholds == [0, 60, 70, 80, 90]
    assert sum(rubric.items.values()) == 100
    assert set(rubric.items) == set(RatingItem.values)
    assert "星级评定" in rubric.source and "第52行" in rubric.source
    rubric.full_clean()


def test_a_rubric_must_add_up_to_100_with_rising_thresholds():
    rubric = RatingRubric(name="x", source="x", effective_from=TODAY, items={"compliance": 50}, thresholds=[0, 1])
    with pytest.raises(ValidationError) as error:
        rubric.full_clean()
    assert set(error.value.message_dict) == {"items", "thresholds"}


def test_it_proposes_stars_from_the_records_with_the_breakdown(district, branch, sibling_branch, secretary):
    _result(branch, 1, True)
    _result(branch, 2, False)  # missed after grace
    StudyProgress.objects.create(organization=branch, year=YEAR, due=10, done=5)
    EvaluationCampaign.objects.create(organization=sibling_branch, year=YEAR, opened_by=secretary)
    Problem.objects.create(
        organization=branch,
        source=ProblemSource.SELF_CHECK,
        description="台账不全",
        responsible="王书记",
        deadline=datetime.date(YEAR, 3, 1),
        state=ProblemState.OPEN,
        found_on=datetime.date(YEAR, 1, 5),
        created_by=secretary,
    )
    assert _propose(district) == 2
    rating = BranchRating.objects.get(organization=branch, year=YEAR)
    items = {entry["code"]: entry for entry in rating.breakdown}
    assert items["compliance"]["points"] == "15.0"  # 1 of 2 closed rule-periods met: half of 30
    assert items["missed"]["points"] == "8.0"  # one missed takes a fifth of 10
    assert items["study"]["points"] == "5.0"
    assert items["problems"]["points"] == "0.0"  # overdue, not closed
    assert items["evaluation"]["points"] == "0.0"
    assert items["plan_filed"]["points"] == "0.0"
    assert sum(float(entry["points"]) for entry in rating.breakdown) == float(rating.score)
    assert rating.proposed_stars == rating.rubric.stars_for(float(rating.score))
    assert rating.stars is None
    assert rating.evidence_as_of == TODAY


def test_proposing_again_refreshes_the_proposal_and_keeps_the_decision(district, branch, district_officer):
    _propose(district)
    rating = BranchRating.objects.get(organization=branch)
    services.rating_decide(rating=rating, stars=rating.proposed_stars, reason="", by=district_officer)
    StudyProgress.objects.create(organization=branch, year=YEAR, due=10, done=0)
    _propose(district)
    rating.refresh_from_db()
    assert rating.stars is not None
    assert {entry["code"]: entry for entry in rating.breakdown}["study"]["points"] == "0.0"
    assert BranchRating.objects.filter(organization=branch).count() == 1


def test_the_proposal_costs_the_same_queries_for_2_and_20_branches(district, committee, branch):
    BranchFactory(parent=committee)
    with CaptureQueriesContext(connection) as small:
        _propose(district)
    for _ in range(18):
        MemberFactory(organization=BranchFactory(parent=committee))
    BranchRating.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        _propose(district)
    assert BranchRating.objects.filter(organization__parent=committee).count() == 20
    assert len(large) == len(small)


def test_a_newer_district_rubric_applies_from_its_date(district, branch):
    RatingRubric.objects.create(
        name="东城标准",
        organization=district,
        source="区委文件",
        effective_from=datetime.date(YEAR, 1, 1),
        items={"compliance": 100},
        thresholds=[0, 20, 40, 60, 80],
    )
    _propose(district)
    rating = BranchRating.objects.get(organization=branch)
    assert rating.rubric.name == "东城标准"
    assert [entry["code"] for entry in rating.breakdown] == ["compliance"]


def test_confirming_as_proposed_is_a_定星_and_changes_need_a_reason(district, branch, district_officer):
    _propose(district)
    rating = BranchRating.objects.get(organization=branch)
    proposed = rating.proposed_stars
    change = services.rating_decide(rating=rating, stars=proposed, reason="", by=district_officer)
    assert change.action == StarAction.DEFINE and change.stars_before is None
    higher = 5 if proposed < 5 else 4
    with pytest.raises(ValidationError) as error:
        services.rating_decide(rating=rating, stars=higher, reason=" ", by=district_officer)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.rating_decide(rating=rating, stars=proposed, reason="同上", by=district_officer)
    change = services.rating_decide(rating=rating, stars=higher, reason="示范党支部", by=district_officer)
    assert change.action == (StarAction.RAISE if higher > proposed else StarAction.LOWER)
    assert (change.stars_before, change.stars_after, change.by) == (proposed, higher, district_officer)
    rating.refresh_from_db()
    assert rating.stars == higher and rating.decided_by == district_officer
    assert BranchRatingChange.objects.filter(rating=rating).count() == 2


def test_a_first_decision_other_than_proposed_is_升星_or_降星_with_a_reason(district, branch, district_officer):
    _propose(district)
    rating = BranchRating.objects.get(organization=branch)
    other = 1 if rating.proposed_stars > 1 else 2
    with pytest.raises(ValidationError):
        services.rating_decide(rating=rating, stars=other, reason="", by=district_officer)
    change = services.rating_decide(rating=rating, stars=other, reason="软弱涣散", by=district_officer)
    assert change.action == (StarAction.LOWER if other < rating.proposed_stars else StarAction.RAISE)


def test_the_job_proposes_for_its_subtree(district, branch, district_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.ratings_propose_start(organization=district, year=YEAR, by=district_officer)
    job.refresh_from_db()
    assert job.state == "done", job.message
    assert job.result == {"year": YEAR, "branches": 1}
    assert BranchRating.objects.filter(organization=branch, year=YEAR).exists()
    assert timezone.now() >= BranchRating.objects.get(organization=branch).proposed_at
