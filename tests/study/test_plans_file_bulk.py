"""批量备案: a committee files many submitted plans in one action."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from study.models import PlanStatus, StudyPlan, StudyTask
from study.plans import services
from tests.factories import BranchFactory, MemberFactory
from tests.study.conftest import YEAR, add_monthly_items

pytestmark = pytest.mark.django_db


def submitted_plans(committee, secretary, count: int, members_each: int = 2) -> list[StudyPlan]:
    plans = []
    for _ in range(count):
        branch = BranchFactory(parent=committee)
        for _ in range(members_each):
            MemberFactory(organization=branch)
        plan = services.plan_create(organization=branch, year=YEAR, title="计划", created_by=secretary)
        add_monthly_items(plan, months=range(1, 4))
        plans.append(services.plan_submit(plan=plan, submitted_by=secretary))
    return plans


def test_it_files_all_selected_plans_and_gives_every_member_their_tasks(committee, secretary, district_officer):
    plans = submitted_plans(committee, secretary, 3)
    assert services.plans_file(plans=plans, filed_by=district_officer) == 3
    assert set(StudyPlan.objects.filter(pk__in=[p.pk for p in plans]).values_list("status", flat=True)) == {
        PlanStatus.FILED
    }
    assert StudyTask.objects.filter(item__plan__in=plans).count() == 3 * 2 * 3  # plans × members × items
    assert all(plan.history.filter(to_status=PlanStatus.FILED, changed_by=district_officer).exists() for plan in plans)


def test_one_plan_not_waiting_stops_the_whole_batch(committee, secretary, district_officer):
    plans = submitted_plans(committee, secretary, 2)
    services.plan_return(plan=plans[1], returned_by=district_officer, comment="请补充七月安排")
    with pytest.raises(Exception, match="只有已报送的计划可以备案"):
        services.plans_file(plans=plans, filed_by=district_officer)
    plans[0].refresh_from_db()
    assert plans[0].status == PlanStatus.SUBMITTED
    assert not StudyTask.objects.exists()


def test_filing_more_plans_costs_no_more_queries(committee, secretary, district_officer):
    few, many = submitted_plans(committee, secretary, 2), submitted_plans(committee, secretary, 8)
    with CaptureQueriesContext(connection) as small:
        services.plans_file(plans=few, filed_by=district_officer)
    with CaptureQueriesContext(connection) as large:
        services.plans_file(plans=many, filed_by=district_officer)
    assert len(large) == len(small)


def test_an_officer_files_the_waiting_plans_from_the_filing_status_page(client, committee, secretary, district_officer):
    plans = submitted_plans(committee, secretary, 2)
    client.force_login(district_officer)
    page = client.get(reverse("study:plan_filing_status", args=[committee.pk]) + "?show=waiting").text
    assert "批量备案所选计划" in page
    response = client.post(
        reverse("study:plans_file_bulk", args=[committee.pk]), {"plan": [p.pk for p in plans], "comment": "同意备案"}
    )
    assert response.status_code == 302
    assert StudyPlan.objects.filter(status=PlanStatus.FILED).count() == 2


def test_a_branch_secretary_cannot_file_in_bulk(client, committee, secretary, branch):
    client.force_login(secretary)
    # The committee is outside the secretary's scope.
    assert client.post(reverse("study:plans_file_bulk", args=[committee.pk]), {"plan": []}).status_code == 404


def test_plans_of_another_district_are_not_found(client, committee, secretary, district_officer, other_branch):
    other_plan = services.plan_create(organization=other_branch, year=YEAR, title="计划", created_by=None)
    add_monthly_items(other_plan, months=[1])
    MemberFactory(organization=other_branch)
    services.plan_submit(plan=other_plan, submitted_by=secretary)
    client.force_login(district_officer)
    response = client.post(reverse("study:plans_file_bulk", args=[committee.pk]), {"plan": [other_plan.pk]})
    assert response.status_code == 404
    other_plan.refresh_from_db()
    assert other_plan.status == PlanStatus.SUBMITTED
