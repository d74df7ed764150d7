"""A branch secretary records this month's 党费 on a phone (375 px): everyone is marked paid by default, two
exceptions are ticked (one unpaid, one partly paid), one save; the member then finds their own dues.

Screenshots go to test-artifacts/screenshots/ (dues-*.png).
"""

import importlib
import time
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities.dues.models import DuesMonth, DuesPayment, DuesStatus
from tests.activities.dues_pages import give_bases
from tests.browser.conftest import PHONE
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def dues_rules(transactional_db):
    """The default brackets come from a data migration that a transactional test before this one flushes."""
    migration = importlib.import_module("activities.migrations.0008_load_default_dues_rules")
    migration.install(django_apps, None)


@pytest.fixture
def six_members(branch, secretary, member_user, dues_rules):
    for name in ("张三", "李四", "王五", "赵六"):
        MemberFactory(organization=branch, name=name)
    give_bases(branch, income="4000.00")  # 1 %: 40.00 a month each


def test_a_secretary_records_this_months_dues_on_a_phone_with_two_exceptions(
    web, branch, secretary, member_user, six_members
):
    page = web.page
    web.resize(PHONE)
    started = time.monotonic()
    web.log_in("secretary")
    web.open(branch.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("link", name="党费收缴").click()
    expect(page.locator("main h1")).to_have_text("党费收缴")
    expect(page.locator("[data-total-due]")).to_have_text("240.00")
    form = page.locator("form[data-dues-form]")
    form.get_by_label("交纳方式").select_option(label="现金")
    form.get_by_label("张三的交纳情况").select_option(label="未交")
    form.get_by_label("李四的交纳情况").select_option(label="部分交纳")
    form.get_by_label("李四的实交金额").fill("20")
    assert web.horizontal_overflow() <= 0
    web.screenshot("dues-collection-phone")
    with page.expect_navigation():
        form.get_by_role("button", name="保存本月党费").click()
    expect(page.locator(".alert-success")).to_contain_text("应交240.00元，实交180.00元")
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed

    month = timezone.localdate().replace(day=1)
    payments = {p.member.name: p for p in DuesPayment.objects.filter(month=month).select_related("member")}
    assert len(payments) == 6
    assert payments["张三"].status == DuesStatus.UNPAID
    assert payments["李四"].status == DuesStatus.PARTIAL and payments["李四"].amount_paid == Decimal("20.00")
    assert {p.method for name, p in payments.items() if name != "张三"} == {"cash"}
    rollup = DuesMonth.objects.get(organization=branch, month=month)
    assert (rollup.members, rollup.paid_members, rollup.paid) == (6, 4, Decimal("180.00"))
    # The saved exceptions show again on the page.
    expect(page.get_by_label("张三的交纳情况")).to_have_value("unpaid")
    expect(page.get_by_label("李四的实交金额")).to_have_value("20.00")
    web.screenshot("dues-collection-saved-phone")

    # The member finds their own dues on the phone: the amount, its rule, this month paid.
    web.context.clear_cookies()
    web.log_in("member")
    web.open(reverse("activities:dues_mine"))
    expect(page.locator("[data-monthly-amount]")).to_have_text("40.00")
    expect(page.locator("main")).to_contain_text("3000.00元以上至5000.00元 1.00%")
    expect(page.locator("main")).to_contain_text(f"{month:%Y-%m}")
    assert web.horizontal_overflow() <= 0
    web.screenshot("dues-mine-phone")
    assert web.console_errors == []
