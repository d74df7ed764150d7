"""述职评议考核 in a browser: the 书记 writes and submits the report on a phone beside the read-only figures; the
committee's round page and the report page fit a phone and a desktop. Screenshots: test-artifacts/screenshots/
(duty-*.png)."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branches.models import RoleKind
from reviews.duty_reports import services
from reviews.duty_reports.models import DutyReport, DutyReportStatus
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.browser


def test_the_secretary_submits_the_report_on_a_phone(web, secretary, branch, sibling_branch, committee):
    officer = UserFactory()
    give_role(officer, committee, RoleKind.OFFICER)
    enrol_totp(officer)
    duty_round = services.duty_round_open(
        committee=committee, year=2026, due_on=datetime.date(2027, 1, 31), opened_by=officer
    )
    report = DutyReport.objects.get(round=duty_round, organization=branch)

    web.resize(PHONE)
    web.log_in_as(secretary)
    web.open(reverse("reviews:duty_mine"))
    web.page.get_by_role("link", name="2026年度述职报告").click()
    expect(web.page.locator(".duty-figures")).to_contain_text("2026年度平台记录（只读）")
    web.page.get_by_label("履职情况").fill("全年按计划开展“三会一课”，带头讲党课。")
    web.page.get_by_label("存在问题").fill("学习形式较单一。")
    web.page.get_by_label("下一步打算").fill("丰富学习形式。")
    assert web.horizontal_overflow() == 0
    web.screenshot("duty-report-edit-375")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="提交述职报告").click()
    expect(web.page.locator(".alert-success, .alert")).to_contain_text(["述职报告已提交。"])
    report.refresh_from_db()
    assert report.status == DutyReportStatus.SUBMITTED and report.figures
    assert web.horizontal_overflow() == 0

    web.log_in_as(officer)
    web.open(reverse("reviews:duty_round_detail", args=[duty_round.pk]))
    expect(web.page.locator(".duty-round-table")).to_contain_text("第一党支部")
    assert web.horizontal_overflow() == 0
    web.screenshot("duty-round-375")
    web.resize(DESKTOP)
    web.open(report.get_absolute_url())
    expect(web.page.locator(".duty-prose")).to_contain_text("带头讲党课")
    web.screenshot("duty-report-1280")
    assert web.console_errors == []
