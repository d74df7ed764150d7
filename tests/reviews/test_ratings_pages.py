"""星级评定 pages: the officers page (distribution per child, proposals waiting, confirm/change), one rating, the
branch page's block; 404 outside the scope (GET and POST, foreign ids in the path and the body, nothing written),
403 for the branch's own leaders, and the officers page's query budget over 2,000 branches and over 20."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import OrganizationKind, RoleKind
from portal.jobs.models import Job
from reviews.ratings import services
from reviews.ratings.models import BranchRating, BranchRatingChange, RatingRubric
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import OrganizationFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 15


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def proposed(district, branch, sibling_branch, other_branch, other_district, year):
    services.ratings_propose(organization=district, year=year, progress=None)
    services.ratings_propose(organization=other_district, year=year, progress=None)
    return BranchRating.objects.get(organization=branch, year=year)


@pytest.fixture
def foreign_rating(proposed, other_branch, year):
    return BranchRating.objects.get(organization=other_branch, year=year)


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def test_the_officers_page_shows_the_distribution_and_the_proposals_waiting(
    client, district_officer, district, committee, proposed, year
):
    client.force_login(district_officer)
    response = client.get(reverse("reviews:subtree_ratings", args=[district.pk]), {"year": year})
    assert response.status_code == 200
    ratings = response.context["ratings"]
    assert [row.organization for row in ratings.children] == [committee]
    assert ratings.total.branches == 2 and ratings.total.waiting == 2
    assert {rating.organization.name for rating in ratings.waiting} == {"第一党支部", "第二党支部"}
    assert "外区" not in response.content.decode() and "西城第一党支部" not in response.content.decode()


def test_confirming_from_the_list_records_a_定星_and_moves_it_out_of_waiting(
    client, district_officer, district, proposed, year
):
    client.force_login(district_officer)
    response = client.post(
        reverse("reviews:rating_detail", args=[proposed.pk]), {"stars": proposed.proposed_stars, "next": "subtree"}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.stars == proposed.proposed_stars
    change = BranchRatingChange.objects.get(rating=proposed)
    assert (change.action, change.by) == ("define", district_officer)
    page = client.get(reverse("reviews:subtree_ratings", args=[district.pk]), {"year": year})
    assert page.context["ratings"].total.waiting == 1
    assert sum(page.context["ratings"].total.by_stars) == 1


def test_a_change_without_a_reason_is_refused_with_a_message_and_nothing_written(client, committee_officer, proposed):
    client.force_login(committee_officer)
    other = 1 if proposed.proposed_stars > 1 else 2
    response = client.post(reverse("reviews:rating_detail", args=[proposed.pk]), {"stars": other, "reason": ""})
    assert response.status_code == 400
    assert "请填写理由" in response.content.decode()
    assert not BranchRatingChange.objects.exists()
    response = client.post(reverse("reviews:rating_detail", args=[proposed.pk]), {"stars": other, "reason": "整顿中"})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.stars == other
    detail = client.get(reverse("reviews:rating_detail", args=[proposed.pk]))
    assert "整顿中" in detail.content.decode() and "陈干事" in detail.content.decode()


def test_the_branch_secretary_sees_the_rating_but_cannot_decide_it(client, secretary, branch, proposed):
    client.force_login(secretary)
    page = client.get(reverse("branches:organization_detail", args=[branch.pk])).content.decode()
    assert reverse("reviews:branch_rating", args=[branch.pk]) in page  # the block, loaded by htmx
    block = client.get(reverse("reviews:branch_rating", args=[branch.pk]))
    assert block.status_code == 200 and proposed.proposed_label in block.content.decode()
    detail = client.get(reverse("reviews:rating_detail", args=[proposed.pk]))
    assert detail.status_code == 200 and detail.context["form"] is None
    response = client.post(reverse("reviews:rating_detail", args=[proposed.pk]), {"stars": 5, "reason": "自评"})
    assert response.status_code == 403
    assert not BranchRatingChange.objects.exists()
    assert client.get(reverse("reviews:subtree_ratings", args=[branch.parent_id])).status_code == 404


def test_foreign_ratings_and_subtrees_answer_404_and_nothing_is_written(
    client,
    other_branch_secretary,
    district_officer,
    district,
    branch,
    other_district,
    other_branch,
    proposed,
    foreign_rating,
    year,
):
    client.force_login(district_officer)
    urls = [
        reverse("reviews:rating_detail", args=[foreign_rating.pk]),
        reverse("reviews:subtree_ratings", args=[other_district.pk]),
        reverse("reviews:branch_rating", args=[other_branch.pk]),
    ]
    body = {"stars": 5, "reason": "外区", "year": year, "rating": foreign_rating.pk, "organization": other_branch.pk}
    jobs_before = Job.objects.count()
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, body).status_code in (404, 405), url
    # Foreign ids in the body of an allowed page change nothing foreign either.
    assert client.post(reverse("reviews:subtree_ratings", args=[district.pk]), body).status_code == 302
    foreign_rating.refresh_from_db()
    assert foreign_rating.stars is None
    assert not BranchRatingChange.objects.exists()
    assert Job.objects.count() == jobs_before + 1
    assert Job.objects.order_by("-pk").first().organization_id == district.pk
    client.force_login(other_branch_secretary)
    assert client.get(reverse("reviews:rating_detail", args=[proposed.pk])).status_code == 404
    assert client.post(reverse("reviews:rating_detail", args=[proposed.pk]), body).status_code == 404
    assert client.get(reverse("reviews:branch_rating", args=[branch.pk])).status_code == 404
    assert not BranchRatingChange.objects.exists()


def test_starting_the_proposals_runs_the_job_for_the_subtree(
    client, district_officer, district, branch, year, django_capture_on_commit_callbacks
):
    client.force_login(district_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:subtree_ratings", args=[district.pk]), {"year": year})
    assert response.status_code == 302
    assert BranchRating.objects.filter(organization=branch, year=year).exists()
    page = client.get(response.url)
    assert page.context["jobs"][0].state == "done"


def test_a_bad_year_is_refused_with_a_message(client, district_officer, district):
    client.force_login(district_officer)
    response = client.post(reverse("reviews:subtree_ratings", args=[district.pk]), {"year": 1999})
    assert response.status_code == 400
    assert "请选择2017年至今年之间的年度" in response.content.decode()
    assert not Job.objects.exists()


def _page_queries(client, district, year) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reviews:subtree_ratings", args=[district.pk]), {"year": year})
    assert response.status_code == 200
    return len(queries)


def _tree(district, committees: int, branches_each: int, year: int) -> None:
    rubric = RatingRubric.objects.get(organization=None)
    for i in range(committees):
        parent = OrganizationFactory(
            name=f"党委{district.pk}-{i}",
            code=f"BUDGET-{district.pk}-{i}",
            kind=OrganizationKind.PRIMARY_COMMITTEE,
            parent=district,
        )
        created = bulk_branches(parent, branches_each)
        BranchRating.objects.bulk_create(
            BranchRating(
                organization=branch,
                year=year,
                rubric=rubric,
                score=80,
                proposed_stars=4,
                stars=4 if n % 2 else None,
                breakdown=[],
                evidence_as_of=datetime.date(year, 1, 1),
                proposed_at=timezone.now(),
            )
            for n, branch in enumerate(created)
        )


def test_the_officers_page_costs_the_same_for_20_and_2000_branches(client, district_officer, district, city, year):
    from tests.factories import DistrictFactory

    small = DistrictFactory(parent=city)
    big = district
    _tree(small, 2, 10, year)
    _tree(big, 20, 100, year)
    give_role(district_officer, small, RoleKind.OFFICER)
    client.force_login(district_officer)
    _page_queries(client, small, year)  # warm the session and the role cache alike for both
    few = _page_queries(client, small, year)
    many = _page_queries(client, big, year)
    assert few == many <= PAGE_BUDGET
    response = client.get(reverse("reviews:subtree_ratings", args=[big.pk]), {"year": year})
    assert response.context["ratings"].total.branches == 2000
    assert response.context["ratings"].total.waiting == 1000
