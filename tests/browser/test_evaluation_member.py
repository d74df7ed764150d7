"""A member on a phone writes their 个人自评 and casts their secret 党员互评 ballots.

Screenshots at 375 px go to test-artifacts/screenshots/ (evaluation-*.png).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.evaluations import services
from reviews.evaluations.models import BallotReceipt, Grade, MutualBallot, SelfEvaluation
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser

YEAR = 2026
POLITICAL = "坚定理想信念，认真学习党章党规，在思想上政治上行动上同党中央保持高度一致。"


@pytest.fixture
def campaign(branch, secretary, member_user):
    MemberFactory(organization=branch, name="周党员")
    return services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )


def test_a_member_fills_the_self_evaluation_and_votes_on_a_phone(web, member_user, secretary, campaign):
    web.resize(PHONE)
    web.log_in("member")

    web.open(campaign.get_absolute_url())
    expect(web.page.locator("main h1")).to_contain_text("年度民主评议党员")
    with web.page.expect_navigation():
        web.page.get_by_role("link", name="我的个人自评").click()
    expect(web.page.locator(".evaluation-evidence")).to_contain_text("组织生活")
    assert web.horizontal_overflow() <= 1
    web.page.get_by_label("政治合格").fill(POLITICAL)
    web.page.get_by_label("发挥作用合格").fill("立足岗位履职尽责，在志愿服务中发挥先锋模范作用。")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="保存自评").click()
    expect(web.page.locator(".alert-success")).to_contain_text("个人自评已保存")
    web.screenshot("evaluation-self-375")
    assert SelfEvaluation.objects.get(member=member_user.member).political == POLITICAL

    web.open(reverse("reviews:evaluation_ballots", args=[campaign.pk]))
    rows = web.page.locator(".ballot-row")
    expect(rows).to_have_count(2)
    assert web.horizontal_overflow() <= 1
    # Forgetting one member keeps the choices made and says whom to grade.
    rows.filter(has_text="王书记").get_by_label("优秀").check()
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="提交评议").click()
    expect(web.page.locator(".ballot-form")).to_contain_text("请为周党员选择评议等次。")
    expect(rows.filter(has_text="王书记").get_by_label("优秀")).to_be_checked()
    assert not BallotReceipt.objects.exists()

    rows.filter(has_text="周党员").get_by_label("合格", exact=True).check()
    rows.filter(has_text="周党员").get_by_placeholder("意见（可不填）").fill("工作认真负责。")
    web.screenshot("evaluation-ballots-375")
    with web.page.expect_navigation():
        web.page.get_by_role("button", name="提交评议").click()
    expect(web.page.locator(".alert-success")).to_contain_text("已提交对2名党员的评议")
    assert BallotReceipt.objects.filter(member=member_user.member).exists()
    assert sorted(MutualBallot.objects.values_list("grade", flat=True)) == sorted([Grade.EXCELLENT, Grade.QUALIFIED])

    web.open(reverse("reviews:evaluation_ballots", args=[campaign.pk]))
    expect(web.page.locator(".alert-success")).to_contain_text("您已完成投票")
    assert web.horizontal_overflow() <= 1
    assert web.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_opinions_and_grades_pages_fit_the_screen(web, viewport, secretary, member_user, campaign):
    stages = list(campaign.stages.order_by("position"))
    for stage in stages[:2]:
        services.stage_close(stage=stage, closed_by=secretary)
    services.opinion_submit(campaign=campaign, member=member_user.member, text="建议多结合业务工作。", user=member_user)
    services.masses_opinion_enter(campaign=campaign, text="希望党员更主动服务群众。", count=4, entered_by=secretary)
    web.resize(viewport)
    web.log_in_as(secretary)
    web.open(reverse("reviews:evaluation_opinions", args=[campaign.pk]))
    expect(web.page.locator(".opinion-all")).to_contain_text("4人提出")
    assert web.horizontal_overflow() <= 1
    web.screenshot(f"evaluation-opinions-{viewport['width']}")
    web.open(reverse("reviews:evaluation_grades", args=[campaign.pk]))
    assert web.horizontal_overflow() <= 1
    assert web.console_errors == []
