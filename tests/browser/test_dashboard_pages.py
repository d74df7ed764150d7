"""The dashboard of a wide node in the browser: one page of children in the heat map and both tables, paging,
the search by name, no accessibility violations, at desktop and phone width."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.compliance import dashboard as selectors
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import axe_violations
from tests.reviews.test_dashboard_speed import YEAR, _wide_node

pytestmark = pytest.mark.browser

WIDTH = 60


def test_an_officer_pages_and_searches_a_wide_nodes_children(web, district):
    node, officer = _wide_node(district, WIDTH)
    web.log_in_as(officer)
    web.open(reverse("reviews:dashboard", args=[node.pk]) + f"?year={YEAR}")
    page = web.page
    page.wait_for_load_state("networkidle")
    size = selectors.CHILDREN_PAGE_SIZE
    expect(page.locator("table.heat-table tbody tr")).to_have_count(size)
    expect(page.locator("table.children-table tbody tr")).to_have_count(size)
    expect(page.locator("#chart-heat")).to_be_visible()  # drawn from the page's data
    assert axe_violations(web) == []
    web.screenshot("dashboard-wide-1280")

    first = page.locator("table.children-table tbody tr").first.inner_text()
    page.get_by_role("navigation", name="下级组织分页", exact=True).get_by_role("link", name="下一页").click()
    expect(page.get_by_text(f"第2/{-(-WIDTH // size)}页").first).to_be_visible()
    assert page.locator("table.children-table tbody tr").first.inner_text() != first

    page.get_by_label("按名称或代码查找下级组织").fill("批量党支部")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("status").filter(has_text=f"找到 {WIDTH} 个")).to_be_visible()
    page.get_by_label("按名称或代码查找下级组织").fill("没有这个")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_text("没有名称或代码包含这段文字的下级组织。")).to_be_visible()

    web.resize(PHONE)
    web.open(reverse("reviews:dashboard", args=[node.pk]) + f"?year={YEAR}")
    page.wait_for_load_state("networkidle")
    assert axe_violations(web) == []
    web.screenshot("dashboard-wide-375")
    assert web.console_errors == []
