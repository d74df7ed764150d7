"""督导检查 and the problem ledger: the reproducible 随机抽查, findings on a checklist with the portal's evidence, a
finding turned into a problem, the problem's life (start, submit with evidence, verify or return), who sees what,
404 outside the scope for every page, and query budgets independent of the subtree's size."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import OrganizationCategory, OrganizationKind, RoleKind
from reviews.models import ComplianceResult, Rule
from reviews.oversight import sampling, services
from reviews.oversight.models import (
    FindingResult,
    Inspection,
    InspectionBranch,
    InspectionFinding,
    InspectionKind,
    InspectionStatus,
    Problem,
    ProblemSource,
    ProblemState,
    ProblemTransition,
)
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def _plan(**overrides) -> services.InspectionPlan:
    values = {
        "kind": InspectionKind.RANDOM,
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 11, 30),
        "inspectors": "张干事、刘干事",
        "sample_size": 1,
    }
    return services.InspectionPlan(**(values | overrides))


@pytest.fixture
def inspection(district, district_officer, branch, sibling_branch):
    return services.inspection_plan(
        organization=district,
        plan=_plan(kind=InspectionKind.ROUND, sample_size=None, branch_ids=(branch.pk,), free_items=("台账规范",)),
        created_by=district_officer,
    )


@pytest.fixture
def row(inspection, branch):
    return InspectionBranch.objects.get(inspection=inspection, branch=branch)


@pytest.fixture
def finding(row, district_officer):
    return services.findings_record(
        inspection_branch=row,
        entries=[services.FindingEntry("item:1", "台账规范", FindingResult.PROBLEM, "会议记录不完整")],
        recorded_by=district_officer,
    )[0]


@pytest.fixture
def problem(finding, district_officer):
    return services.finding_to_problem(
        finding=finding, responsible="王书记", deadline=TODAY + datetime.timedelta(days=30), created_by=district_officer
    )


# The draw -------------------------------------------------------------------------------------------------------


def test_the_draw_is_a_function_of_seed_and_candidates():
    candidates = [[pk, "village" if pk % 3 else "school"] for pk in range(1, 41)]
    first = sampling.draw(candidates, 6, 12345)
    assert first == sampling.draw(list(reversed(candidates)), 6, 12345)
    assert len(first) == 6 and set(first) <= set(range(1, 41))
    assert sampling.draw(candidates, 6, 54321) != first
    assert sampling.draw(candidates, 100, 1) == list(range(1, 41))


def test_a_stratified_draw_gives_each_category_its_share():
    candidates = [[pk, "village"] for pk in range(1, 31)] + [[pk, "school"] for pk in range(31, 41)]
    drawn = sampling.draw(candidates, 4, 7, stratified=True)
    assert len([pk for pk in drawn if pk <= 30]) == 3
    assert len([pk for pk in drawn if pk > 30]) == 1


def test_a_random_inspection_stores_its_draw_and_draws_the_same_again(district, district_officer, committee):
    for n in range(12):
        category = OrganizationCategory.SCHOOL if n % 2 else OrganizationCategory.VILLAGE
        BranchFactory(parent=committee, category=category)
    inspection = services.inspection_plan(
        organization=district, plan=_plan(sample_size=4, stratified=True), created_by=district_officer
    )
    assert inspection.seed is not None and len(inspection.candidates) == 12
    drawn = sorted(inspection.branches.values_list("branch_id", flat=True))
    assert len(drawn) == 4
    assert sampling.draw(inspection.candidates, 4, inspection.seed, stratified=True) == drawn
    assert services.inspection_draw_check(inspection)
    # Tampering with the stored sample is caught by the re-check.
    InspectionBranch.objects.filter(inspection=inspection).first().delete()
    InspectionBranch.objects.create(
        inspection=inspection,
        branch_id=next(pk for pk, _category in inspection.candidates if pk not in drawn),
    )
    assert not services.inspection_draw_check(inspection)


def test_the_draw_leaves_out_branches_inspected_recently(district, district_officer, branch, sibling_branch):
    services.inspection_plan(
        organization=district,
        plan=_plan(kind=InspectionKind.ROUND, sample_size=None, branch_ids=(branch.pk,)),
        created_by=district_officer,
    )
    again = services.inspection_plan(
        organization=district, plan=_plan(sample_size=5, exclude_months=6), created_by=district_officer
    )
    assert [pk for pk, _category in again.candidates] == [sibling_branch.pk]
    assert list(again.branches.values_list("branch_id", flat=True)) == [sibling_branch.pk]


def test_the_district_draws_a_sample_on_the_page_and_sees_the_check(client, district, district_officer, branch):
    client.force_login(district_officer)
    url = reverse("reviews:inspection_create", args=[district.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "random",
            "period_start": "2026-01-01",
            "period_end": "2026-11-30",
            "inspectors": "张干事",
            "sample_size": "3",
            "exclude_months": "6",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response.url == inspection.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert f"抽取种子 {inspection.seed}，候选 1 个党支部" in page
    assert "结果一致" in page


def test_bad_plans_write_nothing(client, district, district_officer, other_branch):
    client.force_login(district_officer)
    url = reverse("reviews:inspection_create", args=[district.pk])
    base = {"period_start": "2026-01-01", "period_end": "2026-11-30", "inspectors": "张干事"}
    for data in (
        base | {"kind": "random"},
        base | {"kind": "special", "sample_size": "1"},
        base | {"kind": "round", "branches": [other_branch.pk]},
        base | {"kind": "round", "period_end": "2025-01-01"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Inspection.objects.exists()


# The checklist and the findings ----------------------------------------------------------------------------------


def test_the_checklist_shows_the_rules_with_the_branchs_evidence(client, district_officer, row, branch):
    rule = Rule.objects.filter(code="C3").order_by("-effective_from").first()
    assert rule is not None, "the default rules are migrated in"
    for month, met in ((1, True), (2, False)):
        ComplianceResult.objects.create(
            organization=branch,
            rule=rule,
            rule_code="C3",
            period_key=f"2026-{month:02d}",
            period_start=datetime.date(2026, month, 1),
            period_end=datetime.date(2026, month, 28),
            required=1,
            count=int(met),
            is_met=met,
            meeting_ids=[1] if met else [],
        )
    client.force_login(district_officer)
    response = client.get(reverse("reviews:inspection_branch", args=[row.pk]))
    items = {item.key: item for item in response.context["items"]}
    assert items["rule:C3"].evidence.met == ["2026-01"]
    assert items["rule:C3"].evidence.missed == ["2026-02"]
    assert items["item:1"].title == "台账规范"


def test_a_problem_found_needs_a_note_and_nothing_is_written_without(client, district_officer, row):
    client.force_login(district_officer)
    url = reverse("reviews:inspection_branch", args=[row.pk])
    response = client.post(url, {"result_item:1": "problem", "note_item:1": " ", "result_rule:C3": "passed"})
    assert response.status_code == 200
    assert "请写明情况" in response.content.decode()
    assert not InspectionFinding.objects.exists()
    response = client.post(url, {"result_item:1": "problem", "note_item:1": "记录不全", "result_rule:C3": "passed"})
    assert response.status_code == 302
    assert dict(InspectionFinding.objects.values_list("item_key", "result")) == {
        "item:1": "problem",
        "rule:C3": "passed",
    }


def test_a_finding_becomes_a_problem_once(client, district_officer, finding, branch):
    client.force_login(district_officer)
    url = reverse("reviews:finding_problem", args=[finding.pk])
    response = client.post(url, {"responsible": "王书记", "deadline": "2027-01-31"})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response.url == problem.get_absolute_url()
    assert (problem.organization, problem.source, problem.finding) == (branch, ProblemSource.INSPECTION, finding)
    assert "会议记录不完整" in problem.description
    client.post(url, {"responsible": "王书记", "deadline": "2027-01-31"})
    assert Problem.objects.count() == 1


def test_the_branch_sees_the_findings_only_once_the_inspection_is_closed(
    client, secretary, district_officer, inspection, row, finding
):
    client.force_login(secretary)
    url = reverse("reviews:inspection_branch", args=[row.pk])
    assert client.get(url).status_code == 404
    ledger = reverse("reviews:problem_ledger", args=[row.branch_id])
    assert "会议记录不完整" not in client.get(ledger).content.decode()
    services.inspection_close(inspection=inspection, by=district_officer)
    response = client.get(url)
    assert response.status_code == 200 and "会议记录不完整" in response.content.decode()
    assert client.post(url, {"result_item:1": "passed"}).status_code == 403
    assert row.pk in [r.pk for r in client.get(ledger).context["ledger"].inspections]


def test_a_closed_inspection_keeps_its_findings(district_officer, inspection, row, finding):
    services.inspection_close(inspection=inspection, by=district_officer)
    assert Inspection.objects.get().status == InspectionStatus.CLOSED
    with pytest.raises(Exception, match="检查已经结束"):
        services.findings_record(
            inspection_branch=row,
            entries=[services.FindingEntry("item:1", "台账规范", FindingResult.PASSED)],
            recorded_by=district_officer,
        )


# The problem's life ---------------------------------------------------------------------------------------------


def test_the_secretary_rectifies_and_the_committee_verifies(client, secretary, committee_officer, problem):
    client.force_login(secretary)
    assert client.post(reverse("reviews:problem_start", args=[problem.pk])).status_code == 302
    submit = reverse("reviews:problem_submit", args=[problem.pk])
    response = client.post(submit, {"measures": "补齐会议记录", "evidence": " "})
    assert response.status_code == 200 and "请填写整改情况" in response.content.decode()
    client.post(submit, {"measures": "补齐会议记录", "evidence": "已补录1—11月会议记录，见组织生活。"})
    problem.refresh_from_db()
    assert problem.state == ProblemState.SUBMITTED and problem.evidence.startswith("已补录")
    # The secretary cannot verify their own rectification.
    assert client.post(reverse("reviews:problem_verify", args=[problem.pk])).status_code == 403
    client.force_login(committee_officer)
    page = client.get(problem.get_absolute_url())
    assert page.context["verify_form"] is not None
    client.post(reverse("reviews:problem_verify", args=[problem.pk]), {"note": "核验属实"})
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED and problem.closed_at is not None
    ledger = reverse("reviews:problem_ledger", args=[problem.organization_id])
    assert f'href="{ledger}"' in client.get(problem.get_absolute_url()).content.decode()
    steps = list(ProblemTransition.objects.filter(problem=problem).values_list("from_state", "to_state", "by"))
    assert steps[1:] == [
        ("open", "rectifying", secretary.pk),
        ("rectifying", "submitted", secretary.pk),
        ("submitted", "closed", committee_officer.pk),
    ]


def test_a_return_needs_a_reason_and_sends_it_back(client, secretary, committee_officer, problem):
    services.problem_submit(problem=problem, by=secretary, measures="补齐", evidence="已补齐")
    client.force_login(committee_officer)
    url = reverse("reviews:problem_return", args=[problem.pk])
    client.post(url, {"reason": ""})
    problem.refresh_from_db()
    assert problem.state == ProblemState.SUBMITTED
    client.post(url, {"reason": "佐证不足，请附会议记录编号"})
    problem.refresh_from_db()
    assert problem.state == ProblemState.RETURNED and problem.return_reason.startswith("佐证不足")
    assert ProblemTransition.objects.filter(problem=problem, to_state="returned").get().reason


def test_overdue_is_derived_from_the_deadline(problem):
    assert not problem.is_overdue_on(problem.deadline)
    assert problem.is_overdue_on(problem.deadline + datetime.timedelta(days=1))
    problem.state = ProblemState.CLOSED
    assert not problem.is_overdue_on(problem.deadline + datetime.timedelta(days=1))


def test_the_secretary_registers_a_personal_problem_the_member_sees(
    client, secretary, member_user, branch, other_branch
):
    client.force_login(secretary)
    url = reverse("reviews:problem_create", args=[branch.pk])
    assert client.get(url).status_code == 200
    own = member_user.member
    foreign = MemberFactory(organization=other_branch)
    data = {"source": "masses", "description": "服务群众不主动", "responsible": "李党员", "deadline": "2027-01-31"}
    response = client.post(url, data | {"member": foreign.pk})
    assert response.status_code == 200 and not Problem.objects.exists()
    client.post(url, data | {"member": own.pk})
    problem = Problem.objects.get()
    assert problem.member == own and problem.source == ProblemSource.MASSES
    client.force_login(member_user)
    mine = client.get(reverse("reviews:problems_mine"))
    assert [p.pk for p in mine.context["problems"]] == [problem.pk]
    assert client.get(problem.get_absolute_url()).status_code == 200
    assert client.get(reverse("reviews:problem_ledger", args=[branch.pk])).status_code == 403
    assert client.post(reverse("reviews:problem_start", args=[problem.pk])).status_code == 403


def test_a_member_does_not_see_other_members_problems(client, secretary, member_user, branch):
    other = MemberFactory(organization=branch)
    problem = services.problem_register(
        organization=branch,
        member=other,
        source=ProblemSource.SELF_CHECK,
        description="x",
        responsible="y",
        deadline=TODAY,
        created_by=secretary,
    )
    client.force_login(member_user)
    assert client.get(problem.get_absolute_url()).status_code == 404
    assert list(client.get(reverse("reviews:problems_mine")).context["problems"]) == []


def test_the_evaluation_problems_show_in_the_branch_ledger(client, secretary, branch):
    from reviews.evaluations import services as evaluation_services
    from reviews.evaluations.models import EvaluationProblem

    campaign = evaluation_services.campaign_open(
        organization=branch,
        year=2026,
        schedule=evaluation_services.default_schedule(year=2026),
        opened_by=secretary,
    )
    EvaluationProblem.objects.create(
        campaign=campaign,
        source="self_check",
        description="理论学习不够深入",
        responsible="王书记",
        measures="每月专题学习",
        deadline=TODAY,
        entered_by=secretary,
    )
    client.force_login(secretary)
    page = client.get(reverse("reviews:problem_ledger", args=[branch.pk])).content.decode()
    assert "理论学习不够深入" in page and "2026年度民主评议" in page


# Scope ----------------------------------------------------------------------------------------------------------


def _urls(district, branch, problem, inspection, row, finding):
    return {
        "reviews:problem_ledger": [branch.pk],
        "reviews:problem_create": [branch.pk],
        "reviews:problem_detail": [problem.pk],
        "reviews:problem_start": [problem.pk],
        "reviews:problem_submit": [problem.pk],
        "reviews:problem_verify": [problem.pk],
        "reviews:problem_return": [problem.pk],
        "reviews:inspection_list": [district.pk],
        "reviews:inspection_create": [district.pk],
        "reviews:inspection_detail": [inspection.pk],
        "reviews:inspection_close": [inspection.pk],
        "reviews:inspection_branch": [row.pk],
        "reviews:finding_problem": [finding.pk],
    }


def test_every_page_answers_404_outside_the_scope(
    client, district, district_officer, branch, other_branch_secretary, inspection, row, finding, problem
):
    services.inspection_close(inspection=inspection, by=district_officer)
    client.force_login(other_branch_secretary)
    before = (Problem.objects.count(), ProblemTransition.objects.count(), InspectionFinding.objects.count())
    body = {
        "reason": "x",
        "measures": "x",
        "evidence": "x",
        "responsible": "x",
        "deadline": "2027-01-01",
        "result_item:1": "passed",
        "description": "x",
        "source": "masses",
    }
    for name, args in _urls(district, branch, problem, inspection, row, finding).items():
        url = reverse(name, args=args)
        codes = {client.get(url).status_code, client.post(url, body).status_code}
        assert codes in ({404}, {404, 405}), name
    after = (Problem.objects.count(), ProblemTransition.objects.count(), InspectionFinding.objects.count())
    assert before == after
    assert Problem.objects.get().state == ProblemState.OPEN
    assert client.get(reverse("reviews:problems_mine")).context["problems"] == []


def test_the_secretary_cannot_run_or_plan_inspections(client, secretary, district, inspection, row, finding):
    client.force_login(secretary)
    assert client.get(reverse("reviews:inspection_list", args=[district.pk])).status_code == 404
    assert client.get(reverse("reviews:inspection_detail", args=[inspection.pk])).status_code == 404
    assert client.post(reverse("reviews:finding_problem", args=[finding.pk]), {}).status_code == 404
    assert client.get(reverse("reviews:inspection_list", args=[row.branch_id])).status_code == 404


# Query budgets --------------------------------------------------------------------------------------------------


def _grow(committee, officer, n):
    for index in range(n):
        branch = BranchFactory(parent=committee)
        services.problem_register(
            organization=branch,
            source=ProblemSource.SELF_CHECK,
            description=f"问题{index}",
            responsible="书记",
            deadline=TODAY - datetime.timedelta(days=index % 3),
            created_by=officer,
        )


def test_the_officer_pages_cost_the_same_for_20_and_60_branches(
    client, district, committee, district_officer, django_assert_max_num_queries
):
    _grow(committee, district_officer, 20)
    small = services.inspection_plan(organization=district, plan=_plan(sample_size=10), created_by=district_officer)
    client.force_login(district_officer)

    def pages(inspection):
        row = inspection.branches.first()
        return [
            reverse("reviews:problem_ledger", args=[district.pk]),
            reverse("reviews:problem_ledger", args=[committee.pk]),
            reverse("reviews:inspection_list", args=[district.pk]),
            reverse("reviews:inspection_detail", args=[inspection.pk]),
            reverse("reviews:inspection_branch", args=[row.pk]),
        ]

    budgets = []
    for url in pages(small):
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url).status_code == 200
        budgets.append(len(captured.captured_queries))
    _grow(committee, district_officer, 40)
    large = services.inspection_plan(organization=district, plan=_plan(sample_size=40), created_by=district_officer)
    for url, budget in zip(pages(large), budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_the_subtree_ledger_counts_per_child(client, district, committee, district_officer, branch):
    other_committee = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district)
    _grow(committee, district_officer, 3)
    _grow(other_committee, district_officer, 2)
    client.force_login(district_officer)
    ledger = client.get(reverse("reviews:problem_ledger", args=[district.pk])).context["ledger"]
    assert {row.organization.pk: row.total for row in ledger.children} == {committee.pk: 3, other_committee.pk: 2}
    assert ledger.total == 5
    assert dict((value, n) for value, _label, n in ledger.by_source)["self_check"] == 5
    today = timezone.localdate()
    assert ledger.overdue_total == Problem.objects.filter(deadline__lt=today).count()


# Navigation -----------------------------------------------------------------------------------------------------


def test_the_secretary_and_the_officer_find_the_ledger_in_the_navigation(client, secretary, district_officer, branch):
    client.force_login(secretary)
    items = dict((str(label), url) for label, url in client.get(branch.get_absolute_url()).context["nav_items"])
    assert items["整改台账"] == reverse("reviews:problem_ledger", args=[branch.pk])
    page = client.get(branch.get_absolute_url()).content.decode()
    assert reverse("reviews:problem_ledger", args=[branch.pk]) in page
    client.force_login(district_officer)
    response = client.get(reverse("reviews:problem_ledger", args=[branch.parent.parent_id]))
    assert reverse("reviews:inspection_list", args=[branch.parent.parent_id]) in response.content.decode()


# Reminders ------------------------------------------------------------------------------------------------------


def test_the_deadline_reminders_are_sent_once_to_the_branch_and_the_parent(
    secretary, committee_officer, member_user, problem
):
    from notifications.models import Notification
    from reviews.oversight.reminders import problem_reminders_send

    week_before = problem.deadline - datetime.timedelta(days=7)
    assert problem_reminders_send(today=week_before) == 1
    assert problem_reminders_send(today=week_before) == 0
    assert Notification.objects.get().recipient == secretary
    day_after = problem.deadline + datetime.timedelta(days=1)
    assert problem_reminders_send(today=day_after) == 2
    assert problem_reminders_send(today=day_after + datetime.timedelta(days=1)) == 0
    overdue = Notification.objects.filter(title__startswith="整改问题已逾期")
    assert set(overdue.values_list("recipient", flat=True)) == {secretary.pk, committee_officer.pk}
    assert not Notification.objects.filter(recipient=member_user).exists()


def test_the_beat_runs_the_problem_reminders_daily():
    from django.conf import settings

    from reviews.tasks import problem_reminders_send

    entry = settings.CELERY_BEAT_SCHEDULE["reviews-problem-reminders"]
    assert entry["task"] == "reviews.tasks.problem_reminders_send"
    assert problem_reminders_send.apply(kwargs={"today": "2027-02-01"}).get() == 0
