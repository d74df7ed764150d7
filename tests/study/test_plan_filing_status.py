"""The committee's view of its subtree: plans not filed, waiting for 备案, nothing next month, task completion."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import OrganizationKind, RoleKind
from study.learning import services as learning_services
from study.models import Audience, PlanStatus, StudyForm, StudyPlan, StudyTask
from study.plans import services as services
from study.plans.selectors import (
    FILING_PAGE_SIZE,
    LEVEL_FINE,
    LEVEL_NO_NEXT_MONTH,
    LEVEL_NOT_FILED,
    LEVEL_WAITING,
    shift_month,
)
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, UserFactory, give_role
from tests.study.conftest import YEAR

pytestmark = pytest.mark.django_db

BUDGET = 10
NEXT = shift_month(timezone.localdate(), 1)  # the month after this one
OTHER_MONTH = 1 if NEXT.month != 1 else 2
REFLECTION = "认真学习了党章，体会到了党员的责任。"


def status_url(organization, **params):
    url = reverse("study:plan_filing_status", args=[organization.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def make_plan(branch, status, *, months, year=None, officer=None, secretary=None):
    """A plan of `branch` for `year` (default: the next month's year) brought to `status`."""
    year = year or NEXT.year
    MemberFactory(organization=branch)
    plan = services.plan_create(organization=branch, year=year, title=f"{branch.name}{year}", created_by=None)
    for month in months:
        services.plan_item_save(
            plan=plan,
            month=month,
            topic=f"{month}月学习",
            form=StudyForm.SELF_STUDY,
            audience=Audience.ALL,
            due_date=datetime.date(year, month, 25),
            hours=2,
        )
    if status == PlanStatus.DRAFT:
        return plan
    services.plan_submit(plan=plan, submitted_by=secretary)
    if status == PlanStatus.RETURNED:
        return services.plan_return(plan=plan, returned_by=officer, comment="请补充。")
    if status == PlanStatus.FILED:
        return services.plan_file(plan=plan, filed_by=officer)
    return plan


@pytest.fixture
def subtree(committee, branch, sibling_branch, district_officer):
    """Six branches under the committee, one in each situation."""
    fine = branch
    waiting = sibling_branch
    no_plan = BranchFactory(parent=committee, name="第三党支部")
    draft = BranchFactory(parent=committee, name="第四党支部")
    returned = BranchFactory(parent=committee, name="第五党支部")
    no_next = BranchFactory(parent=committee, name="第六党支部")
    make_plan(fine, PlanStatus.FILED, months=[NEXT.month, OTHER_MONTH], officer=district_officer)
    make_plan(waiting, PlanStatus.SUBMITTED, months=[OTHER_MONTH])
    make_plan(draft, PlanStatus.DRAFT, months=[NEXT.month])
    make_plan(returned, PlanStatus.RETURNED, months=[OTHER_MONTH], officer=district_officer)
    make_plan(no_next, PlanStatus.FILED, months=[OTHER_MONTH], officer=district_officer)
    return {
        "fine": fine,
        "waiting": waiting,
        "no_plan": no_plan,
        "draft": draft,
        "returned": returned,
        "no_next": no_next,
    }


def test_it_counts_and_sorts_the_branches_problems_first(client, district_officer, committee, subtree):
    client.force_login(district_officer)
    response = client.get(status_url(committee, year=NEXT.year))
    assert response.status_code == 200
    status = response.context["status"]
    counts = status.counts
    assert (counts.branches, counts.filed, counts.not_filed, counts.waiting, counts.no_next_month) == (6, 2, 4, 1, 4)
    levels = [(row.name, row.level) for row in status.rows]
    assert [level for _name, level in levels] == sorted(level for _name, level in levels)
    by_name = dict(levels)
    assert by_name[subtree["no_plan"].name] == LEVEL_NOT_FILED
    assert by_name[subtree["draft"].name] == LEVEL_NOT_FILED
    assert by_name[subtree["returned"].name] == LEVEL_NOT_FILED
    assert by_name[subtree["waiting"].name] == LEVEL_WAITING
    assert by_name[subtree["no_next"].name] == LEVEL_NO_NEXT_MONTH
    assert by_name[subtree["fine"].name] == LEVEL_FINE
    text = response.content.decode()
    waiting_plan = StudyPlan.objects.get(organization=subtree["waiting"])
    assert waiting_plan.get_absolute_url() in text  # the officer goes straight to 备案
    for label in ("未制定", "草稿未报送", "已退回", "待备案", "已备案"):
        assert label in text


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("not_filed", {"waiting", "no_plan", "draft", "returned"}),
        ("waiting", {"waiting"}),
        ("no_next_month", {"waiting", "no_plan", "returned", "no_next"}),
        ("", {"fine", "waiting", "no_plan", "draft", "returned", "no_next"}),
    ],
)
def test_it_filters_by_problem(client, district_officer, committee, subtree, show, expected):
    client.force_login(district_officer)
    status = client.get(status_url(committee, year=NEXT.year, show=show)).context["status"]
    assert {row.pk for row in status.rows} == {subtree[key].pk for key in expected}
    assert status.shown_count == len(expected)


def test_it_counts_a_plan_under_revision_as_filed(client, district_officer, committee, subtree, secretary):
    plan = StudyPlan.objects.get(organization=subtree["fine"])
    services.plan_revise(plan=plan, revised_by=secretary)
    client.force_login(district_officer)
    status = client.get(status_url(committee, year=NEXT.year)).context["status"]
    assert status.counts.filed == 2
    row = next(row for row in status.rows if row.pk == subtree["fine"].pk)
    assert (row.has_filed, row.current_status) == (True, PlanStatus.DRAFT)
    assert "修订中" in client.get(status_url(committee, year=NEXT.year)).content.decode()


def test_it_shows_each_branchs_task_completion_so_far(client, district_officer, committee, branch, sibling_branch):
    plan = make_plan(branch, PlanStatus.FILED, months=[3, 4], year=YEAR - 1, officer=district_officer)
    tasks = list(StudyTask.objects.filter(item__plan=plan).order_by("pk"))
    assert len(tasks) == 2
    learning_services.task_complete(task=tasks[0], reflection=REFLECTION)
    client.force_login(district_officer)
    status = client.get(status_url(committee, year=YEAR - 1)).context["status"]
    rows = {row.pk: row for row in status.rows}
    assert (rows[branch.pk].done_count, rows[branch.pk].open_count, rows[branch.pk].rate) == (1, 1, 50.0)
    assert rows[sibling_branch.pk].rate is None
    assert (status.counts.done, status.counts.open, status.counts.rate) == (1, 1, 50)


def test_it_counts_only_tasks_already_due(client, district_officer, committee, branch):
    make_plan(branch, PlanStatus.FILED, months=[6], year=YEAR + 1, officer=district_officer)
    client.force_login(district_officer)
    response = client.get(status_url(committee, year=YEAR + 1))
    row = next(row for row in response.context["status"].rows if row.pk == branch.pk)
    assert (row.done_count, row.open_count, row.rate) == (0, 0, None)


@pytest.mark.parametrize("params", [{"year": "abc"}, {"year": "1990"}, {"show": "everything"}, {"page": "0"}])
def test_it_falls_back_to_the_defaults_for_bad_filters(client, district_officer, committee, branch, params):
    client.force_login(district_officer)
    response = client.get(status_url(committee, **params))
    assert response.status_code == 200
    status = response.context["status"]
    assert (status.year, status.show, status.page_number) == (timezone.localdate().year, "", 1)
    assert "筛选条件有误" in response.content.decode()


def test_it_pages_through_a_large_subtree(client, district_officer, committee):
    bulk_branches(committee, FILING_PAGE_SIZE + 5)
    client.force_login(district_officer)
    first = client.get(status_url(committee)).context["status"]
    assert (first.page_count, len(first.rows)) == (2, FILING_PAGE_SIZE)
    second = client.get(status_url(committee, page=2)).context["status"]
    assert len(second.rows) == 5
    assert not {row.pk for row in first.rows} & {row.pk for row in second.rows}
    assert client.get(status_url(committee, page=99)).context["status"].page_number == 2


def test_it_lets_the_committees_secretary_see_it_but_not_a_propaganda_member(client, committee):
    committee_secretary = UserFactory()
    give_role(committee_secretary, committee, RoleKind.SECRETARY)
    client.force_login(committee_secretary)
    assert client.get(status_url(committee)).status_code == 200
    propaganda = UserFactory()
    give_role(propaganda, committee, RoleKind.PROPAGANDA)
    client.force_login(propaganda)
    assert client.get(status_url(committee)).status_code == 403


def test_it_answers_404_outside_the_scope_or_for_a_branch(
    client, committee, branch, secretary, other_branch_secretary, other_district
):
    foreign_officer = UserFactory()
    give_role(foreign_officer, other_district, RoleKind.OFFICER)
    enrol_totp(foreign_officer)
    for user in (secretary, other_branch_secretary, foreign_officer):
        client.force_login(user)
        assert client.get(status_url(committee)).status_code == 404
    client.force_login(secretary)
    assert client.get(status_url(branch)).status_code == 404


def test_it_costs_the_same_for_3_and_60_branches(
    client, district_officer, committee, branch, sibling_branch, other_district, django_assert_max_num_queries
):
    def count(user, organization):
        client.force_login(user)
        with django_assert_max_num_queries(BUDGET), CaptureQueriesContext(connection) as captured:
            response = client.get(status_url(organization, year=NEXT.year))
        assert response.status_code == 200
        return len(captured), response.context["status"]

    small_officer = UserFactory()
    give_role(small_officer, other_district, RoleKind.OFFICER)
    enrol_totp(small_officer)
    small_committee = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=other_district)
    small_branches = bulk_branches(small_committee, 3, members_each=1)
    make_plan(small_branches[0], PlanStatus.FILED, months=[NEXT.month], officer=small_officer)
    small, small_status = count(small_officer, small_committee)
    assert small_status.counts.branches == 3

    many = bulk_branches(committee, 58, members_each=2)
    for i, target in enumerate([branch, sibling_branch, *many[:8]]):
        status = [PlanStatus.FILED, PlanStatus.SUBMITTED, PlanStatus.DRAFT, PlanStatus.RETURNED][i % 4]
        make_plan(target, status, months=[NEXT.month, OTHER_MONTH], officer=district_officer)
    big, big_status = count(district_officer, committee)
    assert big_status.counts.branches == 60
    assert big == small
