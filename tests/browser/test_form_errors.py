"""A form that fails on a phone (issue 13, item 11): the summary of the errors is at the top of the form, each
error links to its field, the field has the red border and its error is what a screen reader reads with it.

Screenshots at 375 and 1280 px go to test-artifacts/screenshots/ (form-errors-*.png).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

RED_BORDER = "rgb(220, 53, 69)"  # Bootstrap's --bs-form-invalid-border-color


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_a_failed_form_lists_its_errors_at_the_top_and_ties_each_to_its_field(web, secretary, branch, viewport):
    web.resize(viewport)
    web.log_in_as(secretary)
    web.open(reverse("branches:member_create", args=[branch.pk]))
    page = web.page

    page.get_by_role("button", name="保存").click()

    summary = page.locator("form .form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    box = summary.bounding_box()
    assert box is not None and box["y"] < viewport["height"]  # on the first screen after the reload
    link = summary.get_by_role("link", name="姓名")
    field = page.get_by_label("姓名")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_class(re.compile(r"(^|\s)is-invalid(\s|$)"))
    assert field.evaluate("el => getComputedStyle(el).borderTopColor") == RED_BORDER
    described = field.get_attribute("aria-describedby") or ""
    texts = [page.locator(f"#{target}").inner_text() for target in described.split()]
    assert any("必填" in text for text in texts), texts

    link.click()
    expect(field).to_be_focused()
    web.screenshot(f"form-errors-{viewport['width']}")
    assert web.horizontal_overflow() <= 1
    assert web.console_errors == []
