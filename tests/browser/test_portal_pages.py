"""A secretary logs in and opens the roster; pages fit a phone; the language switch works.

Screenshots of the main pages at 1280 and 375 px go to test-artifacts/screenshots/.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branches.idnumbers import mask
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MemberFactory, new_id_number

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def member_with_id(branch):
    id_number = new_id_number()
    return MemberFactory(organization=branch, name="陈红梅", id_number=id_number), id_number


def test_it_lets_a_secretary_log_in_and_open_the_roster(web, secretary, branch, member_with_id):
    member, id_number = member_with_id

    web.log_in("secretary")

    assert web.page.url == web.base_url + reverse("branches:organization_detail", args=[branch.pk])
    roster = web.page.locator("table.table-roster")
    expect(roster.get_by_role("link", name="陈红梅")).to_be_visible()
    expect(roster.get_by_text(mask(id_number))).to_be_visible()
    assert mask(id_number).startswith("**************")
    assert id_number not in web.page.content()
    assert web.console_errors == []


def test_it_fits_the_branch_page_on_a_phone_and_opens_the_menu(web, secretary, branch, member_with_id):
    web.resize(PHONE)
    web.log_in("secretary")
    expect(web.page.locator("table.table-roster").get_by_role("link", name="陈红梅")).to_be_visible()

    assert web.horizontal_overflow() <= 1
    menu = web.page.locator("#portal-nav")
    expect(menu).to_be_hidden()
    web.page.locator(".navbar-toggler").click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="我的组织")).to_be_visible()
    assert web.horizontal_overflow() <= 1
    assert web.console_errors == []


def test_it_switches_the_navbar_to_english(web, secretary, branch):
    web.log_in("secretary")
    brand = web.page.locator(".navbar-brand")
    expect(brand).to_have_text("两学一做学习教育平台")

    web.page.locator("#language-select").select_option("en")
    with web.page.expect_navigation():
        web.page.locator("footer").get_by_role("button").click()

    expect(web.page.locator("html")).to_have_attribute("lang", "en")
    menu_texts = [brand.inner_text(), *web.page.locator("#portal-nav .navbar-nav.me-auto .nav-link").all_inner_texts()]
    assert len(menu_texts) >= 2
    assert [text for text in menu_texts if CJK.search(text)] == [], "the navbar should be in English"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_it_lays_out_the_main_pages_within_the_screen(
    web, viewport, secretary, branch, sibling_branch, other_district, member_with_id, district_officer
):
    member, _id_number = member_with_id
    width = viewport["width"]
    web.resize(viewport)
    pages = [
        ("login", "/accounts/login/", None, "登录"),
        ("branch", reverse("branches:organization_detail", args=[branch.pk]), secretary, branch.name),
        ("member", member.get_absolute_url(), secretary, member.name),
        ("tree", reverse("branches:organization_tree"), district_officer, "组织树"),
    ]
    for name, path, user, heading in pages:
        web.context.clear_cookies()
        if user is not None:
            web.log_in_as(user)
        web.open(path)
        expect(web.page.locator("main h1").first).to_contain_text(heading)
        if name == "tree":
            expect(web.page.locator("main")).to_contain_text("东城区委")
        web.screenshot(f"{name}-{width}")
        assert web.horizontal_overflow() <= 1, f"{name} page is wider than {width} px"
    assert web.console_errors == []


def test_it_keeps_the_study_hours_table_inside_its_card_on_an_english_phone(web, secretary, branch):
    for n in range(6):
        MemberFactory(organization=branch, name=f"党员{n}号")
    web.resize(PHONE)
    web.log_in_as(secretary)
    web.context.add_cookies([{"name": "django_language", "value": "en", "url": web.base_url}])

    web.open(reverse("branches:organization_detail", args=[branch.pk]))

    expect(web.page.locator("#m3-title")).to_be_visible()
    assert web.horizontal_overflow() <= 1
    assert web.console_errors == []
