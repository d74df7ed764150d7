"""我的党费: a member sees their base, monthly amount and its rule, the months recorded and their arrears."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.dues import selectors, services
from activities.dues.models import DuesPayment, DuesStatus
from portal.periods import shift_month
from tests.activities.dues_pages import give_bases
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def record_months(branch, secretary, statuses: dict[int, str]) -> None:
    """Record the branch's months (offset from this month → the member_user's status; others paid)."""
    today = timezone.localdate()
    for offset, status in sorted(statuses.items()):
        month = shift_month(today.replace(day=1), offset)
        sheet = selectors.collection_sheet(organization=branch, month=month)
        entries = {
            row.member.pk: services.DuesEntry(status=status) for row in sheet.rows if row.member.name == "李党员"
        }
        services.dues_collection_save(sheet=sheet, entries=entries, method="cash", paid_on=today, recorded_by=secretary)


def test_a_member_sees_their_base_amount_months_and_arrears(
    client, member_user, secretary, branch, django_assert_max_num_queries
):
    give_bases(branch, income="5000.00")
    record_months(branch, secretary, {-3: DuesStatus.PAID, -2: DuesStatus.UNPAID, -1: DuesStatus.UNPAID})
    client.force_login(member_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activities:dues_mine"))
    html = response.content.decode()
    dues = response.context["dues"]
    assert dues.current.amount == Decimal("50.00")
    assert "5000.00元" in html and "1.00%" in html and "党费收缴、使用和管理的规定" in html
    assert len(dues.payments) == 3
    assert len(dues.arrears_months) == 2 and dues.arrears_amount == Decimal("100.00")
    assert "已连续 2 个月未按时足额交纳，欠交 100.00 元" in html


def test_it_is_in_the_members_navigation(client, member_user):
    client.force_login(member_user)
    items = dict((str(label), url) for label, url in client.get(reverse("activities:dues_mine")).context["nav_items"])
    assert items["我的党费"] == reverse("activities:dues_mine")


def test_a_member_without_a_base_is_told_whom_to_ask(client, member_user):
    client.force_login(member_user)
    assert "尚未登记您的党费基数" in client.get(reverse("activities:dues_mine")).content.decode()


def test_an_account_without_a_member_record_sees_no_dues(client, branch):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("activities:dues_mine"))
    assert response.status_code == 200 and response.context["dues"] is None


def test_arrears_count_back_from_the_latest_recorded_month_and_stop_at_a_paid_one():
    def p(month: int, status: str) -> DuesPayment:
        return DuesPayment(month=datetime.date(2026, month, 1), status=status)

    assert selectors.arrears_run([p(1, "unpaid"), p(2, "paid"), p(3, "unpaid"), p(4, "partial")]) == [
        datetime.date(2026, 4, 1),
        datetime.date(2026, 3, 1),
    ]
    assert selectors.arrears_run([p(1, "unpaid"), p(3, "unpaid")]) == [
        datetime.date(2026, 3, 1),
        datetime.date(2026, 1, 1),
    ]
    assert selectors.arrears_run([p(5, "advance"), p(4, "unpaid")]) == []
