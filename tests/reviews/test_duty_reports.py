"""述职评议考核: the committee opens a round, the secretaries write their reports beside a snapshot of their year,
the assessors grade them, the committee concludes; who sees what; reminders; query budgets."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse

from branches.models import OrganizationKind, RoleKind
from notifications.models import Notification
from reviews.duty_reports import selectors, services
from reviews.duty_reports.models import DutyAssessment, DutyReport, DutyReportRound, DutyReportStatus
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, UserFactory, give_role

YEAR = 2026
DUE = datetime.date(2027, 1, 31)
PROSE = {"performance": "全年按时召开组织生活会。", "problems": "学习形式较单一。", "plans": "加强专题学习。"}


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


@pytest.fixture
def duty_round(committee, committee_officer, member_user, branch, sibling_branch):
    return services.duty_round_open(
        committee=committee, year=YEAR, due_on=DUE, opened_by=committee_officer, representatives=[member_user]
    )


@pytest.fixture
def report(duty_round, branch):
    return DutyReport.objects.get(round=duty_round, organization=branch)


@pytest.fixture
def submitted(report, secretary):
    return services.duty_report_save(report=report, author=secretary, submit=True, **PROSE)


# Opening a round ------------------------------------------------------------------------------------------------


def test_it_opens_a_round_with_a_draft_report_per_unit(client, committee, committee_officer, branch, sibling_branch):
    client.force_login(committee_officer)
    url = reverse("reviews:duty_round_list", args=[committee.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": YEAR, "due_on": "2027-01-31"})
    duty_round = DutyReportRound.objects.get(committee=committee, year=YEAR)
    assert response.status_code == 302 and response.url == duty_round.get_absolute_url()
    assert set(duty_round.reports.values_list("organization", "status")) == {
        (branch.pk, DutyReportStatus.DRAFT),
        (sibling_branch.pk, DutyReportStatus.DRAFT),
    }

    again = client.post(url, {"year": YEAR, "due_on": "2027-01-31"})
    assert again.status_code == 200 and "本党组织2026年度的述职评议考核已经发起。" in again.content.decode()
    assert DutyReportRound.objects.count() == 1


def test_a_general_branch_is_passed_through_and_a_lower_committee_is_not(committee, district, committee_officer):
    general = OrganizationFactory(kind=OrganizationKind.GENERAL_BRANCH, parent=committee)
    under_general = BranchFactory(parent=general)
    lower = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=committee)
    BranchFactory(parent=lower)
    direct = BranchFactory(parent=committee)
    assert set(selectors.reporting_units(committee=committee)) == {general, under_general, lower, direct}
    assert selectors.reporting_units(committee=district) == [committee]


def test_it_says_what_to_fix_in_the_open_form(client, committee, committee_officer, branch):
    client.force_login(committee_officer)
    response = client.post(reverse("reviews:duty_round_list", args=[committee.pk]), {"year": "二〇二六"})
    html = response.content.decode()
    assert "述职年度应为四位数字，如 2026。" in html and "请填写提交截止日期。" in html
    assert not DutyReportRound.objects.exists()


def test_a_branch_has_no_round_list(client, branch, secretary):
    client.force_login(secretary)
    assert client.get(reverse("reviews:duty_round_list", args=[branch.pk])).status_code == 404


def test_a_committee_member_who_may_not_manage_only_looks(client, committee, branch):
    user = UserFactory()
    give_role(user, committee, RoleKind.PROPAGANDA)
    client.force_login(user)
    url = reverse("reviews:duty_round_list", args=[committee.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"year": YEAR, "due_on": "2027-01-31"}).status_code == 403
    assert not DutyReportRound.objects.exists()


# The secretary's report --------------------------------------------------------------------------------------


def test_the_secretary_saves_a_draft_with_a_snapshot_of_the_year(client, report, secretary):
    client.force_login(secretary)
    url = reverse("reviews:duty_report_edit", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["preview"] is True
    response = client.post(url, {**PROSE, "save": "1", "figures": '{"missed": 99}'})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == DutyReportStatus.DRAFT and report.performance == PROSE["performance"]
    built = selectors.figures_build(organization=report.organization, year=YEAR)
    assert report.figures["rules"] == built["rules"] and report.figures["missed"] == built["missed"] != 99
    assert report.figures["evaluations"]["branches"] == 1 and report.figures["is_branch"] is True
    assert report.figures_taken_at is not None


def test_the_numbers_stay_as_taken_until_the_secretary_takes_them_again(client, report, secretary, branch):
    services.duty_report_save(report=report, author=secretary, **PROSE)
    taken, active = report.figures_taken_at, report.figures["members"]["active"]
    MemberFactory(organization=branch, name="新党员")
    services.duty_report_save(report=report, author=secretary, **PROSE)
    report.refresh_from_db()
    assert report.figures_taken_at == taken and report.figures["members"]["active"] == active

    client.force_login(secretary)
    client.post(reverse("reviews:duty_report_edit", args=[report.pk]), {**PROSE, "refresh": "1"})
    report.refresh_from_db()
    assert report.figures["members"]["active"] == active + 1 and report.figures_taken_at > taken


def test_submitting_needs_every_part_of_the_prose(client, report, secretary):
    client.force_login(secretary)
    url = reverse("reviews:duty_report_edit", args=[report.pk])
    response = client.post(url, {"performance": "已履职。", "problems": "", "plans": "", "submit": "1"})
    assert "提交前请填写：存在问题、下一步打算。" in response.content.decode()
    report.refresh_from_db()
    assert report.status == DutyReportStatus.DRAFT and report.submitted_at is None


def test_a_submitted_report_is_locked(client, submitted, secretary):
    client.force_login(secretary)
    url = reverse("reviews:duty_report_edit", args=[submitted.pk])
    response = client.post(url, {"performance": "改写", "problems": "x", "plans": "y", "save": "1"})
    assert response.status_code == 302 and response.url == submitted.get_absolute_url()
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.SUBMITTED and submitted.performance == PROSE["performance"]


def test_only_the_units_secretary_writes_the_report(client, report, committee_officer, member_user):
    for user in (committee_officer, member_user):
        client.force_login(user)
        response = client.post(reverse("reviews:duty_report_edit", args=[report.pk]), {**PROSE, "submit": "1"})
        assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == DutyReportStatus.DRAFT and report.performance == ""


# Return for revision ------------------------------------------------------------------------------------------


def test_the_committee_returns_a_report_with_a_reason_and_the_secretary_resubmits(
    client, submitted, committee_officer, secretary
):
    client.force_login(committee_officer)
    url = reverse("reviews:duty_report_return", args=[submitted.pk])
    client.post(url, {"reason": ""})
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.SUBMITTED
    client.post(url, {"reason": "请补充整改措施。"})
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.RETURNED and submitted.return_reason == "请补充整改措施。"

    client.force_login(secretary)
    page = client.get(reverse("reviews:duty_report_edit", args=[submitted.pk]))
    assert "请补充整改措施。" in page.content.decode()
    client.post(
        reverse("reviews:duty_report_edit", args=[submitted.pk]), {**PROSE, "plans": "补充整改。", "submit": "1"}
    )
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.SUBMITTED and submitted.plans == "补充整改。"


def test_a_secretary_cannot_return_and_a_concluded_report_cannot_be_returned(
    client, submitted, committee_officer, secretary
):
    client.force_login(secretary)
    assert client.post(reverse("reviews:duty_report_return", args=[submitted.pk]), {"reason": "x"}).status_code == 403
    services.duty_report_conclude(report=submitted, concluded_by=committee_officer, grade="good", conclusion="好。")
    client.force_login(committee_officer)
    client.post(reverse("reviews:duty_report_return", args=[submitted.pk]), {"reason": "再改"})
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.CONCLUDED


# Assessment and conclusion ----------------------------------------------------------------------------------


def test_each_assessor_grades_once_and_may_change_it(client, submitted, committee_officer, member_user):
    url = reverse("reviews:duty_report_assess", args=[submitted.pk])
    for user, grade in ((committee_officer, "good"), (member_user, "average"), (member_user, "fairly_good")):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert client.post(url, {"grade": grade, "comment": "认真。"}).status_code == 302
    assert sorted(DutyAssessment.objects.filter(report=submitted).values_list("grade", flat=True)) == [
        "fairly_good",
        "good",
    ]


def test_the_assessment_form_says_what_to_fix(client, submitted, member_user):
    client.force_login(member_user)
    response = client.post(reverse("reviews:duty_report_assess", args=[submitted.pk]), {"grade": "excellent"})
    assert "请从评议等次中选择一项。" in response.content.decode()
    assert not DutyAssessment.objects.exists()


def test_a_draft_cannot_be_assessed_and_nobody_assesses_their_own_report(
    client, report, member_user, secretary, committee
):
    client.force_login(member_user)
    response = client.post(reverse("reviews:duty_report_assess", args=[report.pk]), {"grade": "good"})
    assert "这份述职报告不在评议中。" in response.content.decode()
    services.duty_report_save(report=report, author=secretary, submit=True, **PROSE)
    give_role(secretary, committee, RoleKind.COMMITTEE_MEMBER)
    client.force_login(secretary)
    assert client.post(reverse("reviews:duty_report_assess", args=[report.pk]), {"grade": "good"}).status_code == 403
    assert not DutyAssessment.objects.exists()


@override_settings(DUTY_REPORT_GRADES=["good", "poor"])
def test_the_scale_is_the_configured_one(client, submitted, member_user):
    client.force_login(member_user)
    url = reverse("reviews:duty_report_assess", args=[submitted.pk])
    assert [code for code, _label in client.get(url).context["form"].fields["grade"].choices] == ["good", "poor"]
    client.post(url, {"grade": "average"})
    assert not DutyAssessment.objects.exists()


def test_the_secretary_sees_the_tally_and_the_conclusion_but_no_assessor(
    client, submitted, committee_officer, member_user, secretary
):
    services.duty_assessment_save(report=submitted, assessor=committee_officer, grade="good", comment="带头作用强")
    services.duty_assessment_save(report=submitted, assessor=member_user, grade="fairly_good", comment="李的意见")
    client.force_login(secretary)
    before = client.get(reverse("reviews:duty_report_detail", args=[submitted.pk])).content.decode()
    assert "带头作用强" not in before and "评议票数" not in before

    client.force_login(committee_officer)
    url = reverse("reviews:duty_report_conclude", args=[submitted.pk])
    page = client.get(url).content.decode()
    assert "带头作用强" in page and "李党员" in page
    assert "请填写评定意见。" in client.post(url, {"grade": "good"}).content.decode()
    client.post(url, {"grade": "good", "conclusion": "履职尽责，评为好。"})
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.CONCLUDED and submitted.conclusion_grade == "good"

    client.force_login(secretary)
    html = client.get(reverse("reviews:duty_report_detail", args=[submitted.pk])).content.decode()
    assert "履职尽责，评为好。" in html and "好 1" in html and "较好 1" in html
    assert "带头作用强" not in html and "李的意见" not in html and "陈干事" not in html

    client.force_login(member_user)
    html = client.get(reverse("reviews:duty_report_detail", args=[submitted.pk])).content.decode()
    assert "李的意见" in html and "带头作用强" not in html


def test_a_plain_member_of_the_branch_may_not_read_the_report(client, submitted, branch):
    user = UserFactory()
    MemberFactory(organization=branch, user=user)
    client.force_login(user)
    assert client.get(reverse("reviews:duty_report_detail", args=[submitted.pk])).status_code == 403


# Access: outside the scope ----------------------------------------------------------------------------------


def test_every_page_answers_404_outside_the_scope(client, submitted, duty_round, committee, other_branch_secretary):
    client.force_login(other_branch_secretary)
    pages = [
        reverse("reviews:duty_round_list", args=[committee.pk]),
        reverse("reviews:duty_round_detail", args=[duty_round.pk]),
        reverse("reviews:duty_round_remind", args=[duty_round.pk]),
        reverse("reviews:duty_report_detail", args=[submitted.pk]),
        reverse("reviews:duty_report_edit", args=[submitted.pk]),
        reverse("reviews:duty_report_return", args=[submitted.pk]),
        reverse("reviews:duty_report_assess", args=[submitted.pk]),
        reverse("reviews:duty_report_conclude", args=[submitted.pk]),
    ]
    body = {"year": YEAR, "due_on": "2027-01-31", "grade": "poor", "conclusion": "x", "reason": "x", **PROSE}
    get_only = {reverse("reviews:duty_round_detail", args=[duty_round.pk]), pages[3]}
    for url in pages:
        if "remind" not in url and "return" not in url:
            assert client.get(url).status_code == 404, url
        assert client.post(url, body).status_code == (405 if url in get_only else 404), url
    submitted.refresh_from_db()
    assert submitted.status == DutyReportStatus.SUBMITTED and not DutyAssessment.objects.exists()
    assert DutyReportRound.objects.count() == 1 and not Notification.objects.exists()


def test_foreign_ids_in_the_body_are_refused(client, committee, committee_officer, other_branch_secretary, branch):
    client.force_login(committee_officer)
    response = client.post(
        reverse("reviews:duty_round_list", args=[committee.pk]),
        {"year": YEAR, "due_on": "2027-01-31", "representatives": [other_branch_secretary.pk]},
    )
    assert "所选的评议代表不在本党组织范围内，请重新选择。" in response.content.decode()
    assert not DutyReportRound.objects.exists()


def test_the_secretary_and_the_representative_reach_the_round_only_through_their_part(
    client, duty_round, secretary, member_user, other_branch_secretary
):
    client.force_login(secretary)
    assert client.get(reverse("reviews:duty_round_detail", args=[duty_round.pk])).status_code == 403
    client.force_login(member_user)
    page = client.get(reverse("reviews:duty_round_detail", args=[duty_round.pk]))
    assert page.status_code == 200 and page.context["can_run"] is False and page.context["page"].rows[0].tally == []


# Reminders ------------------------------------------------------------------------------------------------------


def test_it_reminds_late_secretaries_and_waiting_assessors_once_a_day(
    duty_round, report, secretary, sibling_branch, committee_officer, member_user
):
    sibling_secretary = UserFactory()
    give_role(sibling_secretary, sibling_branch, RoleKind.SECRETARY)
    services.duty_report_save(report=report, author=secretary, submit=True, **PROSE)
    services.duty_assessment_save(report=report, assessor=committee_officer, grade="good", comment="")

    assert services.duty_round_remind(duty_round=duty_round, today=DUE) == 1  # before the due date: assessors only
    assert Notification.objects.get().recipient == member_user
    after = DUE + datetime.timedelta(days=1)
    assert services.duty_round_remind(duty_round=duty_round, today=after) == 2
    assert set(Notification.objects.values_list("recipient", flat=True)) == {member_user.pk, sibling_secretary.pk}
    assert services.duty_round_remind(duty_round=duty_round, today=after) == 0
    assert services.duty_rounds_remind(today=after) == 0


def test_the_daily_task_reminds_every_open_round(duty_round, sibling_branch):
    from reviews.tasks import duty_rounds_remind

    sibling_secretary = UserFactory()
    give_role(sibling_secretary, sibling_branch, RoleKind.SECRETARY)
    assert duty_rounds_remind.apply(kwargs={"today": "2027-02-01"}).get() == 1


def test_the_officer_reminds_from_the_round_page(client, duty_round, committee_officer, sibling_branch, secretary):
    client.force_login(secretary)
    assert client.post(reverse("reviews:duty_round_remind", args=[duty_round.pk])).status_code == 403
    client.force_login(committee_officer)
    assert client.post(reverse("reviews:duty_round_remind", args=[duty_round.pk])).status_code == 302


# Navigation and the user's own page -------------------------------------------------------------------------


def test_the_secretary_finds_the_report_from_the_navigation(client, report, secretary, member_user, submitted):
    client.force_login(secretary)
    response = client.get(reverse("reviews:duty_mine"))
    items = dict((str(label), url) for label, url in response.context["nav_items"])
    assert items["述职评议"] == reverse("reviews:duty_mine")
    assert response.context["work"].written == [report]
    client.force_login(member_user)
    assert client.get(reverse("reviews:duty_mine")).context["work"].to_assess == [report]


def test_the_branch_to_do_links_the_secretary_to_the_report(client, report, secretary, member_user, branch):
    url = reverse("reviews:branch_todo", args=[branch.pk])
    client.force_login(secretary)
    assert reverse("reviews:duty_report_edit", args=[report.pk]) in client.get(url).content.decode()
    services.duty_report_save(report=report, author=secretary, submit=True, **PROSE)
    assert reverse("reviews:duty_report_edit", args=[report.pk]) not in client.get(url).content.decode()
    client.force_login(member_user)
    assert "述职报告待填写" not in client.get(url).content.decode()


# Query budgets ----------------------------------------------------------------------------------------------


def _units(committee, n):
    for _ in range(n):
        branch = BranchFactory(parent=committee)
        give_role(UserFactory(), branch, RoleKind.SECRETARY)


def test_the_round_pages_cost_the_same_for_many_units(
    client, committee, committee_officer, member_user, django_assert_max_num_queries
):
    _units(committee, 2)
    small = services.duty_round_open(committee=committee, year=YEAR, due_on=DUE, opened_by=committee_officer)
    client.force_login(committee_officer)
    pages = lambda duty_round: [  # noqa: E731
        reverse("reviews:duty_round_list", args=[committee.pk]),
        reverse("reviews:duty_round_detail", args=[duty_round.pk]),
        reverse("reviews:duty_mine"),
    ]
    budgets = []
    for url in pages(small):
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        budgets.append(len(captured.captured_queries))
    _units(committee, 40)
    large = services.duty_round_open(committee=committee, year=YEAR + 1, due_on=DUE, opened_by=committee_officer)
    for report in DutyReport.objects.filter(round=large)[:20]:
        DutyReport.objects.filter(pk=report.pk).update(status=DutyReportStatus.SUBMITTED, figures={"year": YEAR})
        DutyAssessment.objects.create(report=report, assessor=member_user, grade="good")
    assert large.reports.count() == small.reports.count() + 40
    for url, budget in zip(pages(large), budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
