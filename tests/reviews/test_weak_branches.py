"""软弱涣散党支部: the criteria read from the portal's records, the idempotent monthly suggestions (beat and job),
the committee's confirm/dismiss, the rectification plan (measures, progress, lifting only after verification),
who sees and does what, 404 outside the scope, and the officers' page's query budget for 20 and 2,000 branches."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization, OrganizationKind, RoleKind
from branches.services import role_revoke
from portal.jobs.models import Job, JobState
from reviews import tasks
from reviews.models import ComplianceRollup
from reviews.oversight.models import (
    FindingResult,
    Inspection,
    InspectionBranch,
    InspectionFinding,
    InspectionKind,
    InspectionStatus,
    ProblemSource,
)
from reviews.oversight.services import problem_register
from reviews.weak_branches import services
from reviews.weak_branches.criteria import branch_weak_reasons, closed_quarters, reason_text
from reviews.weak_branches.models import (
    CriterionCode,
    PlanState,
    RectificationPlan,
    RectificationUpdate,
    SuggestionState,
    WeakCriterion,
    WeakSuggestion,
)
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, OrganizationFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)
LONG_AGO = timezone.make_aware(datetime.datetime(2025, 1, 1, 9))


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def _age(*branches):
    """The branches were entered in the portal long ago (the fallback for "secretary vacant since")."""
    Organization.objects.filter(pk__in=[b.pk for b in branches]).update(created_at=LONG_AGO)


def _reasons(branch, today=TODAY):
    return {r["code"]: r for r in branch_weak_reasons(branch_ids=[branch.pk], today=today).get(branch.pk, [])}


# Criteria -------------------------------------------------------------------------------------------------------


def test_it_has_the_default_criteria_citing_the_seed():
    codes = set(WeakCriterion.objects.values_list("code", flat=True))
    assert codes == set(CriterionCode.values)
    assert all("持续整顿软弱涣散党支部" in c.source for c in WeakCriterion.objects.all())


def test_it_suggests_a_branch_whose_secretary_post_has_been_vacant_for_more_than_3_months(branch, sibling_branch):
    _age(branch, sibling_branch)
    user = UserFactory()
    give_role(user, sibling_branch, RoleKind.SECRETARY)
    assert "secretary_vacant" in _reasons(branch)
    assert "secretary_vacant" not in _reasons(sibling_branch)


def test_it_reads_vacant_since_from_the_last_secretary_revocation_in_the_audit_log(branch):
    _age(branch)
    user = UserFactory()
    role = give_role(user, branch, RoleKind.SECRETARY)
    role_revoke(role=role)  # revoked today: vacant for days, not months
    assert "secretary_vacant" not in _reasons(branch, today=timezone.localdate())
    later = timezone.localdate() + datetime.timedelta(days=100)
    assert _reasons(branch, today=later)["secretary_vacant"]["since"] == timezone.localdate().isoformat()


def test_it_suggests_a_branch_whose_committee_term_has_ended(branch):
    user = UserFactory()
    give_role(user, branch, RoleKind.SECRETARY)
    Organization.objects.filter(pk=branch.pk).update(
        term_started_on=datetime.date(2023, 1, 1), term_ends_on=datetime.date(2026, 11, 30)
    )
    assert _reasons(branch)["term_overdue"]["ended"] == "2026-11-30"
    Organization.objects.filter(pk=branch.pk).update(term_ends_on=datetime.date(2027, 1, 1))
    assert _reasons(branch) == {}


def _rollup(branch, key, kind, end, applicable, met):
    ComplianceRollup.objects.create(
        node=branch, rule_code="C3", period_key=key, period_kind=kind, period_end=end, applicable=applicable, met=met
    )


def test_it_suggests_a_branch_below_the_rate_for_two_consecutive_closed_quarters(branch, sibling_branch):
    assert [q.key for q in closed_quarters(today=TODAY, count=2)] == ["2026-Q2", "2026-Q3"]
    for target, q3_met in ((branch, 1), (sibling_branch, 3)):
        give_role(UserFactory(), target, RoleKind.SECRETARY)
        _rollup(target, "2026-05", "month", datetime.date(2026, 5, 31), 3, 1)  # Q2: 1 of 3
        _rollup(target, "2026-08", "month", datetime.date(2026, 8, 31), 3, q3_met)
        _rollup(target, "2026-Q4", "quarter", datetime.date(2026, 12, 31), 1, 0)  # still open: not read
    low = _reasons(branch)["low_compliance"]
    assert low["rates"] == [33, 33] and low["quarters"] == ["2026-Q2", "2026-Q3"]
    assert "60%" in reason_text(low)
    assert "low_compliance" not in _reasons(sibling_branch)  # Q3 at 100%


def test_it_suggests_a_branch_with_overdue_problems_and_with_an_inspection_problem(branch, district_officer, district):
    give_role(UserFactory(), branch, RoleKind.SECRETARY)
    problem_register(
        organization=branch,
        source=ProblemSource.SELF_CHECK,
        description="台账不全",
        responsible="书记",
        deadline=TODAY - datetime.timedelta(days=1),
        created_by=district_officer,
    )
    inspection = Inspection.objects.create(
        organization=district,
        kind=InspectionKind.ROUND,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 10, 31),
        inspectors="张干事",
        status=InspectionStatus.CLOSED,
        created_by=district_officer,
    )
    row = InspectionBranch.objects.create(inspection=inspection, branch=branch)
    InspectionFinding.objects.create(
        inspection_branch=row,
        item_key="x",
        item_title="三会一课",
        result=FindingResult.PROBLEM,
        note="未按期召开",
        recorded_by=district_officer,
    )
    found = _reasons(branch)
    assert found["problems_overdue"]["count"] == 1
    assert found["inspection_problem"]["count"] == 1


def test_it_reads_the_criteria_in_force_on_the_day(branch):
    _age(branch)
    WeakCriterion.objects.filter(code=CriterionCode.SECRETARY_VACANT).update(is_active=False)
    assert _reasons(branch) == {}


def test_it_adds_a_criterion_version_from_a_later_date_and_ends_the_current_one():
    current = WeakCriterion.objects.get(code=CriterionCode.LOW_COMPLIANCE)
    start = timezone.localdate() + datetime.timedelta(days=30)
    new = services.weak_criterion_add_version(
        criterion=WeakCriterion(
            code=CriterionCode.LOW_COMPLIANCE, threshold=50, source="区委规定", effective_from=start
        )
    )
    current.refresh_from_db()
    assert new.previous == current and current.effective_to == start - datetime.timedelta(days=1)
    with pytest.raises(Exception, match="晚于今天"):
        services.weak_criterion_add_version(
            criterion=WeakCriterion(
                code=CriterionCode.TERM_OVERDUE, threshold=5, source="x", effective_from=timezone.localdate()
            )
        )


# The monthly suggestions ----------------------------------------------------------------------------------------


def test_the_monthly_run_is_idempotent_and_keeps_decisions(branch, sibling_branch, committee_officer):
    _age(branch, sibling_branch)
    ids = [branch.pk, sibling_branch.pk]
    assert services.weak_suggestions_compute(organization_ids=ids, today=TODAY) == 2
    assert services.weak_suggestions_compute(organization_ids=ids, today=TODAY) == 2
    assert WeakSuggestion.objects.count() == 2
    dismissed = WeakSuggestion.objects.get(branch=sibling_branch)
    services.weak_suggestion_dismiss(suggestion=dismissed, by=committee_officer, reason="新书记已到任，正在办理")
    assert services.weak_suggestions_compute(organization_ids=ids, today=TODAY) == 1
    dismissed.refresh_from_db()
    assert dismissed.state == SuggestionState.DISMISSED
    assert WeakSuggestion.objects.count() == 2


def test_a_branch_already_weak_is_not_suggested_again(branch):
    _age(branch)
    Organization.objects.filter(pk=branch.pk).update(is_weak=True, weak_since=datetime.date(2026, 3, 1))
    assert services.weak_suggestions_compute(organization_ids=[branch.pk], today=TODAY) == 0


def test_the_beat_entry_fans_out_chunks_that_write_the_suggestions(branch, django_capture_on_commit_callbacks):
    _age(branch)
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-weak-suggestions"]
    assert entry["task"] == "reviews.tasks.weak_suggestions_schedule"
    with django_capture_on_commit_callbacks(execute=True):
        chunks = tasks.weak_suggestions_schedule.apply(kwargs={"today": TODAY.isoformat()}).get()
    assert chunks >= 1
    assert WeakSuggestion.objects.filter(branch=branch, month=datetime.date(2026, 12, 1)).exists()


def test_an_officer_starts_the_run_by_hand_as_a_job(
    client, committee, branch, committee_officer, django_capture_on_commit_callbacks
):
    _age(branch)
    client.force_login(committee_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:weak_suggestions_start", args=[committee.pk]))
    assert response.status_code == 302
    job = Job.objects.get(kind=services.WEAK_SUGGESTIONS)
    assert job.state == JobState.DONE, job.error
    assert job.result["waiting"] == 1
    assert WeakSuggestion.objects.filter(branch=branch).exists()
    page = client.get(reverse("reviews:weak_overview", args=[committee.pk])).content.decode()
    assert branch.name in page and "书记空缺" in page


# Decisions and plans --------------------------------------------------------------------------------------------


@pytest.fixture
def suggestion(branch):
    return WeakSuggestion.objects.create(
        branch=branch, month=datetime.date(2026, 12, 1), reasons=[{"code": "problems_overdue", "count": 2}]
    )


def test_the_committee_confirms_a_suggestion_setting_the_flag(client, branch, suggestion, committee_officer):
    client.force_login(committee_officer)
    response = client.post(reverse("reviews:weak_suggestion_confirm", args=[suggestion.pk]), {"reason": "党委会研究"})
    assert response.status_code == 302
    branch.refresh_from_db()
    suggestion.refresh_from_db()
    assert branch.is_weak and branch.weak_since == timezone.localdate()
    assert "逾期未整改" in branch.weak_reason and "党委会研究" in branch.weak_reason
    assert suggestion.state == SuggestionState.CONFIRMED and suggestion.decided_by == committee_officer


def test_dismissing_needs_a_reason(client, branch, suggestion, committee_officer):
    client.force_login(committee_officer)
    client.post(reverse("reviews:weak_suggestion_dismiss", args=[suggestion.pk]), {"reason": " "})
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.SUGGESTED
    client.post(reverse("reviews:weak_suggestion_dismiss", args=[suggestion.pk]), {"reason": "书记已到任"})
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.DISMISSED and suggestion.decision_reason == "书记已到任"


def test_the_branch_secretary_neither_sees_nor_decides_their_own_branchs_suggestion(
    client, secretary, suggestion, branch
):
    client.force_login(secretary)
    response = client.post(reverse("reviews:weak_suggestion_confirm", args=[suggestion.pk]))
    assert response.status_code == 404
    page = client.get(reverse("reviews:weak_overview", args=[branch.pk])).content.decode()
    assert "建议名单" not in page and "逾期未整改" not in page
    branch.refresh_from_db()
    assert not branch.is_weak


def _confirmed_plan(suggestion, officer):
    services.weak_branch_confirm(suggestion=suggestion, by=officer)
    return services.rectification_plan_create(
        branch=suggestion.branch,
        responsible=officer,
        goal="三个月内配齐班子",
        by=officer,
        measures=[("选配书记", datetime.date(2027, 1, 31))],
    )


def test_a_plan_is_drawn_up_on_its_page_by_the_committee(client, branch, suggestion, committee_officer):
    services.weak_branch_confirm(suggestion=suggestion, by=committee_officer)
    client.force_login(committee_officer)
    url = reverse("reviews:rectification_plan_create", args=[branch.pk])
    response = client.post(url, {"responsible": committee_officer.pk, "goal": "", "measure": "", "due_on": "x"})
    assert response.status_code == 400
    assert "请填写整顿目标" in response.content.decode()
    data = {"responsible": committee_officer.pk, "goal": "配齐班子", "measure": "选配书记", "due_on": "2027-01-31"}
    response = client.post(url, data)
    plan = RectificationPlan.objects.get(branch=branch)
    assert response.url == plan.get_absolute_url()
    assert plan.suggestion == suggestion and plan.measures.count() == 1


def test_the_secretary_sees_the_plan_and_adds_progress(client, secretary, branch, suggestion, committee_officer):
    plan = _confirmed_plan(suggestion, committee_officer)
    measure = plan.measures.get()
    client.force_login(secretary)
    assert client.get(reverse("reviews:branch_rectification", args=[branch.pk])).url == plan.get_absolute_url()
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "选配书记" in page and "验收摘帽" not in page
    response = client.post(
        reverse("reviews:rectification_update_add", args=[plan.pk]),
        {"text": "已推荐人选", "measure": measure.pk, "measure_done": "on"},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.done_on == timezone.localdate()
    assert RectificationUpdate.objects.get(plan=plan).by == secretary
    assert (
        client.post(reverse("reviews:weak_branch_lift", args=[plan.pk]), {"evidence": "x", "reason": "y"}).status_code
        == 403
    )


def test_the_flag_is_lifted_only_after_verification_with_evidence(client, branch, suggestion, committee_officer):
    plan = _confirmed_plan(suggestion, committee_officer)
    client.force_login(committee_officer)
    url = reverse("reviews:weak_branch_lift", args=[plan.pk])
    response = client.post(url, {"evidence": "", "reason": ""})
    assert response.status_code == 400 and "请填写验收佐证材料" in response.content.decode()
    response = client.post(url, {"evidence": "班子会议记录", "reason": "已配齐"})
    assert "还有整顿措施未完成" in response.content.decode()
    branch.refresh_from_db()
    assert branch.is_weak
    services.rectification_update_add(
        plan=plan, by=committee_officer, text="书记到任", measure=plan.measures.get(), measure_done=True
    )
    assert client.post(url, {"evidence": "班子会议记录", "reason": "已配齐"}).status_code == 302
    branch.refresh_from_db()
    plan.refresh_from_db()
    assert not branch.is_weak and branch.weak_since is None
    assert plan.state == PlanState.LIFTED and plan.lifted_by == committee_officer
    assert (
        plan.lifted_on == timezone.localdate() and plan.lift_evidence == "班子会议记录" and plan.lift_reason == "已配齐"
    )
    page = client.get(reverse("reviews:weak_overview", args=[branch.parent_id])).content.decode()
    assert "今年已摘帽" in page and branch.name in page


def test_the_officers_page_shows_how_long_and_the_plans_progress(
    client, committee, branch, suggestion, committee_officer
):
    plan = _confirmed_plan(suggestion, committee_officer)
    Organization.objects.filter(pk=branch.pk).update(weak_since=timezone.localdate() - datetime.timedelta(days=40))
    client.force_login(committee_officer)
    page = client.get(reverse("reviews:weak_overview", args=[committee.pk])).content.decode()
    assert "措施完成0/1" in page and ">40<" in page
    assert plan.get_absolute_url() in page


# Scope ----------------------------------------------------------------------------------------------------------


def test_every_page_answers_404_for_another_subtree_and_writes_nothing(
    client, other_branch_secretary, branch, suggestion, committee_officer, committee
):
    plan = _confirmed_plan(
        WeakSuggestion.objects.create(
            branch=BranchFactory(parent=committee),
            month=TODAY.replace(day=1),
            reasons=[{"code": "term_overdue", "ended": "2026-01-01"}],
        ),
        committee_officer,
    )
    client.force_login(other_branch_secretary)
    before = (
        WeakSuggestion.objects.filter(state=SuggestionState.SUGGESTED).count(),
        RectificationUpdate.objects.count(),
    )
    for name, pk in (
        ("reviews:weak_overview", committee.pk),
        ("reviews:weak_suggestions_start", committee.pk),
        ("reviews:weak_suggestion_confirm", suggestion.pk),
        ("reviews:weak_suggestion_dismiss", suggestion.pk),
        ("reviews:branch_rectification", branch.pk),
        ("reviews:rectification_plan_create", branch.pk),
        ("reviews:rectification_plan", plan.pk),
        ("reviews:rectification_measure_add", plan.pk),
        ("reviews:rectification_update_add", plan.pk),
        ("reviews:weak_branch_lift", plan.pk),
    ):
        url = reverse(name, args=[pk])
        body = {"reason": "x", "text": "x", "title": "x", "due_on": "2027-01-01", "evidence": "x", "goal": "x"}
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, body).status_code in (404, 405), name
    assert (
        WeakSuggestion.objects.filter(state=SuggestionState.SUGGESTED).count(),
        RectificationUpdate.objects.count(),
    ) == before
    assert not Job.objects.exists()
    plan.refresh_from_db()
    assert plan.state == PlanState.RECTIFYING


def test_a_foreign_measure_in_the_body_is_refused(client, secretary, suggestion, committee_officer, other_district):
    plan = _confirmed_plan(suggestion, committee_officer)
    foreign_branch = BranchFactory(parent=other_district, name="外区支部")
    Organization.objects.filter(pk=foreign_branch.pk).update(is_weak=True, weak_since=TODAY)
    foreign_branch.refresh_from_db()
    foreign = services.rectification_plan_create(
        branch=foreign_branch,
        responsible=committee_officer,
        goal="x",
        by=committee_officer,
        measures=[("外区措施", datetime.date(2027, 1, 1))],
    )
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:rectification_update_add", args=[plan.pk]),
        {"text": "进展", "measure": foreign.measures.get().pk, "measure_done": "on"},
    )
    assert response.status_code == 400
    assert not RectificationUpdate.objects.exists()
    assert foreign.measures.get().done_on is None


# Query budget ---------------------------------------------------------------------------------------------------


def _fill(committee, officer, size):
    branches = bulk_branches(committee, size)
    Organization.objects.filter(pk__in=[b.pk for b in branches]).update(created_at=LONG_AGO)
    services.weak_suggestions_compute(organization_ids=[b.pk for b in branches], today=TODAY)
    for branch in branches[:3]:
        suggestion = WeakSuggestion.objects.get(branch=branch)
        _confirmed_plan(suggestion, officer)
    return branches


def test_the_officers_page_costs_the_same_for_20_and_2000_branches(client, district, committee_officer):
    small = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district, name="小党委")
    large = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district, name="大党委")
    officer = UserFactory(username="district_weak_officer")
    give_role(officer, district, RoleKind.OFFICER)
    enrol_totp(officer)
    _fill(small, officer, 20)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("reviews:weak_overview", args=[small.pk])).status_code == 200
    budget = len(captured.captured_queries)
    assert budget <= 15
    _fill(large, officer, 2000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reviews:weak_overview", args=[large.pk]))
    assert response.status_code == 200
    assert len(captured.captured_queries) <= budget
    assert "共2000个党支部" in response.content.decode()


# The yearly report ----------------------------------------------------------------------------------------------


def test_the_yearly_report_counts_weak_branches_how_long_and_those_lifted(
    district, branch, sibling_branch, suggestion, committee_officer, django_assert_max_num_queries
):
    from reviews.reports import render
    from reviews.reports.selectors import report_data
    from tests.reviews.test_reports import REPORT_BUDGET, pdf_text

    plan = _confirmed_plan(suggestion, committee_officer)
    services.rectification_update_add(
        plan=plan, by=committee_officer, text="完成", measure=plan.measures.get(), measure_done=True
    )
    services.weak_branch_lift(plan=plan, by=committee_officer, evidence="会议记录", reason="已整改")
    RectificationPlan.objects.filter(pk=plan.pk).update(weak_since=datetime.date(2026, 3, 1))
    Organization.objects.filter(pk=sibling_branch.pk).update(is_weak=True, weak_since=datetime.date(2026, 10, 1))
    year = timezone.localdate().year
    with django_assert_max_num_queries(REPORT_BUDGET):
        report = report_data(organization=district, year=year, today=timezone.localdate(), as_of=timezone.now())
    assert [b.pk for b in report.weak] == [sibling_branch.pk]
    assert (
        report.weak[0].days_weak
        == (min(timezone.localdate(), datetime.date(year, 12, 31)) - datetime.date(2026, 10, 1)).days
    )
    assert [b.pk for b in report.weak_lifted] == [branch.pk]
    text = pdf_text(render.pdf_bytes(report, version=1))
    assert "本年度经验收摘帽1个" in text and "共1个" in text


def test_an_administrator_adds_a_criterion_version_in_the_admin(client, administrator, district_officer):
    start = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "code": CriterionCode.SECRETARY_VACANT,
        "threshold": 6,
        "quarters": 2,
        "is_active": "on",
        "source": "区委补充规定",
        "effective_from": start.isoformat(),
    }
    client.force_login(district_officer)
    assert client.post(reverse("admin:reviews_weakcriterion_add"), data).status_code in (302, 403)
    assert WeakCriterion.objects.filter(code=CriterionCode.SECRETARY_VACANT).count() == 1
    client.force_login(administrator)
    response = client.post(reverse("admin:reviews_weakcriterion_add"), data)
    assert response.status_code == 302
    new = WeakCriterion.objects.get(code=CriterionCode.SECRETARY_VACANT, threshold=6)
    assert new.previous.effective_to == start - datetime.timedelta(days=1)
    in_force = WeakCriterion.objects.get(pk=new.previous_id)
    assert client.get(reverse("admin:reviews_weakcriterion_change", args=[in_force.pk])).status_code == 200
    response = client.post(reverse("admin:reviews_weakcriterion_change", args=[in_force.pk]), data | {"threshold": 9})
    in_force.refresh_from_db()
    assert in_force.threshold == 3  # a version in force is read-only


def test_the_compliance_dashboard_counts_weak_branches_how_long_and_those_lifted(
    client, committee, branch, sibling_branch, suggestion, committee_officer
):
    from reviews.compliance.services import compliance_recompute
    from reviews.weak_branches.selectors import weak_figures

    plan = _confirmed_plan(suggestion, committee_officer)
    services.rectification_update_add(
        plan=plan, by=committee_officer, text="完成", measure=plan.measures.get(), measure_done=True
    )
    services.weak_branch_lift(plan=plan, by=committee_officer, evidence="会议记录", reason="已整改")
    today = timezone.localdate()
    Organization.objects.filter(pk=sibling_branch.pk).update(
        is_weak=True, weak_since=today - datetime.timedelta(days=45)
    )
    BranchFactory(parent=committee)  # a branch never weak counts nowhere
    figures = weak_figures(node=committee, today=today)
    assert (figures.weak, figures.longest_days, figures.lifted_this_year) == (1, 45, 1)
    compliance_recompute(year=today.year, today=today)  # the cards show once the year has been judged
    client.force_login(committee_officer)
    page = client.get(reverse("reviews:dashboard", args=[committee.pk])).content.decode()
    card = page.split('weak-card">', 1)[1].split("</div>", 1)[0]
    assert ">1</span>" in card and "最长已整顿 45 天" in card and "本年已摘帽 1" in card
