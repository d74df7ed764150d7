"""督导检查 and the 整改台账 in a browser: the district draws a 随机抽查 sample, records a finding on a branch's
checklist and turns it into a problem; the branch's secretary submits the rectification with evidence on a phone;
the committee above the branch verifies it and the problem is closed. Screenshots: test-artifacts/screenshots/
(oversight-*.png)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branches.models import RoleKind
from reviews.oversight.models import Inspection, Problem, ProblemState
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.browser


def test_a_random_sample_finding_is_rectified_and_verified(
    web, district, district_officer, committee, branch, secretary
):
    committee_officer = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(committee_officer, committee, RoleKind.OFFICER)
    enrol_totp(committee_officer)

    # The district draws a sample of its branches.
    web.log_in_as(district_officer)
    web.open(reverse("reviews:inspection_list", args=[district.pk]))
    web.page.get_by_role("link", name="安排检查").click()
    web.page.get_by_label("检查方式").select_option("random")
    web.page.get_by_label("检查人员").fill("张干事、刘干事")
    web.page.get_by_label("其他检查事项").fill("党员教育管理台账规范")
    web.page.get_by_label("抽取数量").fill("1")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="建立检查").click()
    inspection = Inspection.objects.get()
    expect(web.page.locator(".draw-info")).to_contain_text(f"抽取种子 {inspection.seed}，候选 1 个党支部")
    expect(web.page.locator(".draw-check")).to_contain_text("结果一致")
    web.screenshot("oversight-inspection-1280")

    # A finding on the branch's checklist, turned into a problem.
    web.page.get_by_role("link", name="第一党支部").click()
    item = web.page.locator('.checklist-item[data-key="item:1"]')
    item.get_by_label("发现问题").check()
    item.get_by_label("情况说明").fill("党员教育管理台账缺少10月、11月记录")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="保存检查发现").click()
    expect(web.page.locator(".alert-success")).to_contain_text("检查发现已保存。")
    web.screenshot("oversight-checklist-1280")
    card = web.page.locator('.finding-to-problem[data-key="item:1"]')
    card.get_by_label("责任人").fill("王书记")
    with web.page.expect_navigation():
        card.get_by_role("button", name="转为整改问题").click()
    problem = Problem.objects.get()
    assert problem.organization == branch and problem.state == ProblemState.OPEN

    # The secretary rectifies on a phone.
    web.resize(PHONE)
    web.log_in_as(secretary)
    web.open(reverse("reviews:problem_ledger", args=[branch.pk]))
    assert web.horizontal_overflow() == 0
    web.screenshot("oversight-ledger-375")
    web.page.get_by_role("link", name="党员教育管理台账规范").click()
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="开始整改").click()
    web.page.get_by_role("link", name="提交整改情况").click()
    web.page.get_by_label("整改措施").fill("补齐10月、11月台账，明确组织委员每月整理。")
    web.page.get_by_label("整改情况及佐证").fill("已补录，见12月支委会会议记录第3项。")
    assert web.horizontal_overflow() == 0
    web.screenshot("oversight-submit-375")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="提交上级验收").click()
    expect(web.page.locator(".problem-state")).to_have_text("待验收")
    assert web.horizontal_overflow() == 0

    # The committee above the branch verifies it.
    web.resize(DESKTOP)
    web.log_in_as(committee_officer)
    web.open(reverse("reviews:problem_ledger", args=[committee.pk]))
    web.page.locator(".problem-table").get_by_role("link").first.click()
    expect(web.page.locator(".problem-evidence")).to_contain_text("12月支委会会议记录")
    web.page.get_by_label("验收意见").fill("核验属实。")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="验收销号").click()
    expect(web.page.locator(".problem-state")).to_have_text("已销号")
    web.screenshot("oversight-verified-1280")
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED
    assert web.console_errors == []
