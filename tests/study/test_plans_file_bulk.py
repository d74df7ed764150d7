"""批量备案: a committee files many submitted plans in one action."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.jobs.models import Job, JobState
from study.models import PlanStatus, StudyPlan, StudyTask
from study.plans import services
from study.plans.jobs import PLANS_FILE, plans_file_start
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


def test_an_officer_files_the_waiting_plans_from_the_filing_status_page_as_a_job(
    client, committee, secretary, district_officer, django_capture_on_commit_callbacks
):
    plans = submitted_plans(committee, secretary, 2)
    client.force_login(district_officer)
    page = client.get(reverse("study:plan_filing_status", args=[committee.pk]) + "?show=waiting").text
    assert "批量备案所选计划" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("study:plans_file_bulk", args=[committee.pk]),
            {"plan": [p.pk for p in plans], "comment": "同意备案"},
        )
    job = Job.objects.get(kind=PLANS_FILE)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert StudyPlan.objects.filter(status=PlanStatus.FILED).count() == 0  # nothing filed in the request

    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.state, job.result, job.progress_done, job.progress_total) == (
        JobState.DONE,
        {"filed": 2, "skipped": 0},
        2,
        2,
    )
    assert StudyPlan.objects.filter(status=PlanStatus.FILED).count() == 2
    assert all(plan.history.filter(to_status=PlanStatus.FILED, comment="同意备案").exists() for plan in plans)
    done = client.get(response["Location"]).text
    assert "已备案2份学习计划，学习任务已下发到党员。" in done
    assert reverse("study:plan_filing_status", args=[committee.pk]) in done


def test_the_bulk_job_skips_plans_already_filed_so_a_retry_files_nothing_twice(
    committee, secretary, district_officer, django_capture_on_commit_callbacks
):
    plans = submitted_plans(committee, secretary, 3)
    services.plans_file(plans=plans[:1], filed_by=district_officer)  # as a first, interrupted attempt would have
    tasks_before = StudyTask.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = plans_file_start(organization=committee, plan_ids=[p.pk for p in plans], comment="", by=district_officer)
    job.refresh_from_db()

    assert (job.state, job.result) == (JobState.DONE, {"filed": 2, "skipped": 1})
    assert "另有1份已备案或已不在待备案状态，已跳过。" in job.message
    assert plans[0].history.filter(to_status=PlanStatus.FILED).count() == 1
    assert StudyTask.objects.count() == tasks_before + 2 * 2 * 3


def test_the_bulk_job_files_nothing_when_a_selected_plan_was_returned(
    committee, secretary, district_officer, django_capture_on_commit_callbacks
):
    plans = submitted_plans(committee, secretary, 2)
    services.plan_return(plan=plans[1], returned_by=district_officer, comment="请补充七月安排")
    with django_capture_on_commit_callbacks(execute=True):
        job = plans_file_start(organization=committee, plan_ids=[p.pk for p in plans], comment="", by=district_officer)
    job.refresh_from_db()

    assert job.state == JobState.FAILED
    assert "只有已报送的计划可以备案" in job.message
    assert not StudyPlan.objects.filter(status=PlanStatus.FILED).exists()


def test_the_same_selection_clicked_twice_shows_the_running_job(client, committee, secretary, district_officer):
    plans = submitted_plans(committee, secretary, 2)
    client.force_login(district_officer)
    url = reverse("study:plans_file_bulk", args=[committee.pk])
    first = client.post(url, {"plan": [p.pk for p in plans]})  # on_commit not run: the job stays queued
    second = client.post(url, {"plan": [p.pk for p in reversed(plans)]})

    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind=PLANS_FILE).count() == 1


def test_a_branch_secretary_cannot_file_in_bulk(client, committee, secretary, branch):
    client.force_login(secretary)
    # The committee is outside the secretary's scope.
    assert client.post(reverse("study:plans_file_bulk", args=[committee.pk]), {"plan": []}).status_code == 404


def test_plans_of_another_district_are_not_found_and_no_job_is_started(
    client, committee, secretary, district_officer, other_branch, django_capture_on_commit_callbacks
):
    other_plan = services.plan_create(organization=other_branch, year=YEAR, title="计划", created_by=None)
    add_monthly_items(other_plan, months=[1])
    MemberFactory(organization=other_branch)
    services.plan_submit(plan=other_plan, submitted_by=secretary)
    own = submitted_plans(committee, secretary, 1)
    client.force_login(district_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("study:plans_file_bulk", args=[committee.pk]), {"plan": [own[0].pk, other_plan.pk]}
        )
    assert response.status_code == 404
    assert not Job.objects.exists()
    other_plan.refresh_from_db()
    own[0].refresh_from_db()
    assert (other_plan.status, own[0].status) == (PlanStatus.SUBMITTED, PlanStatus.SUBMITTED)


def test_the_job_files_nothing_outside_its_owners_scope(
    committee, secretary, district_officer, other_branch, django_capture_on_commit_callbacks
):
    """Even a job whose parameters name a foreign plan (not reachable through the page) touches nothing."""
    other_plan = services.plan_create(organization=other_branch, year=YEAR, title="计划", created_by=None)
    add_monthly_items(other_plan, months=[1])
    MemberFactory(organization=other_branch)
    services.plan_submit(plan=other_plan, submitted_by=secretary)
    own = submitted_plans(committee, secretary, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = plans_file_start(
            organization=committee, plan_ids=[own[0].pk, other_plan.pk], comment="", by=district_officer
        )
    job.refresh_from_db()

    assert job.state == JobState.FAILED
    assert not StudyPlan.objects.filter(status=PlanStatus.FILED).exists()
