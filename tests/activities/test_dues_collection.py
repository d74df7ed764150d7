"""The secretary's 党费 page: everyone paid by default, exceptions ticked, one save; closing locks the month;
corrections after that are amendments with a reason; the branch-month roll-up equals a full recompute."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.dues import selectors, services
from activities.dues.models import DuesAmendment, DuesMonth, DuesPayment, DuesStatus
from branches.models import Member, RoleKind
from tests.activities.dues_pages import collection_body, give_bases
from tests.activities.meeting_pages import bulk_members
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def month(today):
    return today.replace(day=1)


@pytest.fixture
def members(secretary, member_user, branch):
    MemberFactory(organization=branch, name="张三")
    MemberFactory(organization=branch, name="李四")
    give_bases(branch)
    return {m.name: m for m in Member.objects.filter(organization=branch)}


def url(branch, month) -> str:
    return f"{reverse('activities:dues_collection', args=[branch.pk])}?month={month:%Y-%m}"


def test_it_lists_every_member_paid_in_full_by_default(client, secretary, members, branch, month):
    client.force_login(secretary)
    response = client.get(url(branch, month))
    assert response.status_code == 200
    html = response.content.decode()
    for name in members:
        assert name in html
    assert "40.00" in html
    assert "160.00" in html  # 4 members × 40.00
    rows = response.context["form"].rows
    assert {row.status for row in rows} == {DuesStatus.PAID}


def test_the_branch_page_links_to_it_for_the_secretary(client, secretary, members, branch):
    client.force_login(secretary)
    assert (
        reverse("activities:dues_collection", args=[branch.pk])
        in client.get(branch.get_absolute_url()).content.decode()
    )


def test_it_records_the_month_with_two_exceptions_in_one_save(client, secretary, members, branch, month, today):
    client.force_login(secretary)
    body = collection_body(
        method="cash",
        paid_on=today,
        exceptions={members["张三"].pk: ("unpaid", ""), members["李四"].pk: ("partial", "15.5")},
    )
    response = client.post(url(branch, month), body)
    assert response.status_code == 302
    payments = {p.member.name: p for p in DuesPayment.objects.select_related("member")}
    assert payments["王书记"].status == DuesStatus.PAID and payments["王书记"].amount_paid == Decimal("40.00")
    assert payments["王书记"].method == "cash" and payments["王书记"].paid_on == today
    assert payments["张三"].status == DuesStatus.UNPAID and payments["张三"].amount_paid == 0
    assert payments["张三"].method == "" and payments["张三"].paid_on is None
    assert payments["李四"].amount_paid == Decimal("15.50")
    rollup = DuesMonth.objects.get(organization=branch, month=month)
    assert (rollup.members, rollup.paid_members) == (4, 2)
    assert (rollup.due, rollup.paid, rollup.arrears) == (Decimal("160.00"), Decimal("95.50"), Decimal("64.50"))
    # Saved again: the exceptions show as saved.
    rows = {row.row.member.name: row for row in client.get(url(branch, month)).context["form"].rows}
    assert rows["李四"].status == DuesStatus.PARTIAL and rows["李四"].amount == "15.50"


def test_it_records_more_paid_and_a_reduction_with_its_reason(client, secretary, members, branch, month, today):
    client.force_login(secretary)
    body = collection_body(paid_on=today, exceptions={members["张三"].pk: ("advance", "120")})
    body[f"r-{members['李四'].pk}"] = "10"
    body[f"rr-{members['李四'].pk}"] = "支部大会决定：家庭困难"
    assert client.post(url(branch, month), body).status_code == 302
    zhang = DuesPayment.objects.get(member=members["张三"])
    li = DuesPayment.objects.get(member=members["李四"])
    assert zhang.status == DuesStatus.ADVANCE and zhang.amount_paid == Decimal("120.00")
    assert (li.amount_due, li.amount_paid, li.reduction) == (Decimal("30.00"), Decimal("30.00"), Decimal("10.00"))
    assert li.reduction_reason == "支部大会决定：家庭困难"


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (("partial", ""), "请填写实交金额"),
        (("partial", "abc"), "金额格式不正确"),
        (("partial", "50"), "部分交纳的金额须大于0且少于应交"),
        (("advance", "10"), "多交/预交的金额须多于应交"),
        (("lost", ""), "请选择交纳情况"),
    ],
)
def test_bad_input_writes_nothing_and_says_why(client, secretary, members, branch, month, today, exception, message):
    client.force_login(secretary)
    response = client.post(
        url(branch, month), collection_body(paid_on=today, exceptions={members["张三"].pk: exception})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DuesPayment.objects.exists() and not DuesMonth.objects.exists()


def test_a_reduction_without_a_reason_is_refused(client, secretary, members, branch, month, today):
    client.force_login(secretary)
    body = collection_body(paid_on=today)
    body[f"r-{members['李四'].pk}"] = "10"
    response = client.post(url(branch, month), body)
    assert "减免须填写支部决定的理由" in response.content.decode()
    assert not DuesPayment.objects.exists()


def test_a_future_payment_date_is_refused(client, secretary, members, branch, month, today):
    client.force_login(secretary)
    response = client.post(url(branch, month), collection_body(paid_on=today + datetime.timedelta(days=1)))
    assert "交纳日期不能晚于今天" in response.content.decode()
    assert not DuesPayment.objects.exists()


def test_closing_locks_the_month_and_corrections_are_amendments(client, secretary, members, branch, month, today):
    client.force_login(secretary)
    client.post(url(branch, month), collection_body(paid_on=today, exceptions={members["张三"].pk: ("unpaid", "")}))
    close = f"{reverse('activities:dues_close', args=[branch.pk])}?month={month:%Y-%m}"
    assert client.post(close).status_code == 302
    rollup = DuesMonth.objects.get(organization=branch, month=month)
    assert rollup.closed_by == secretary and rollup.closed_at is not None
    # A whole-month save is refused now.
    response = client.post(url(branch, month), collection_body(paid_on=today))
    assert "已于" in response.content.decode() or "已结账" in response.content.decode()
    assert DuesPayment.objects.get(member=members["张三"]).status == DuesStatus.UNPAID
    # Corrected one by one, with a reason.
    payment = DuesPayment.objects.get(member=members["张三"])
    amend = reverse("activities:dues_amend", args=[payment.pk])
    response = client.post(amend, {"status": "paid", "method": "cash", "paid_on": today.isoformat(), "reason": ""})
    assert "请填写更正理由" in response.content.decode()
    assert not DuesAmendment.objects.exists()
    body = {"status": "paid", "method": "cash", "paid_on": today.isoformat(), "reason": "补交，收据号 A-12"}
    assert client.post(amend, body).status_code == 302
    amendment = DuesAmendment.objects.get()
    assert amendment.amended_by == secretary and amendment.reason == "补交，收据号 A-12"
    assert amendment.before["status"] == "unpaid" and amendment.after["status"] == "paid"
    assert amendment.after["amount_paid"] == "40.00"
    rollup.refresh_from_db()
    assert (rollup.paid_members, rollup.paid, rollup.arrears) == (4, Decimal("160.00"), Decimal("0.00"))
    assert rollup.closed_at is not None


def test_an_open_month_is_not_amended_and_an_empty_month_is_not_closed(secretary, members, branch, month, today):
    sheet = selectors.collection_sheet(organization=branch, month=month)
    with pytest.raises(Exception, match="尚未登记"):
        services.dues_month_close(organization=branch, month=month, closed_by=secretary)
    services.dues_collection_save(sheet=sheet, entries={}, method="cash", paid_on=today, recorded_by=secretary)
    payment = DuesPayment.objects.first()
    with pytest.raises(Exception, match="尚未结账"):
        services.dues_payment_amend(
            payment=payment,
            status="unpaid",
            amount_paid=None,
            method="",
            paid_on=None,
            reason="x",
            amended_by=secretary,
        )


def test_the_roll_up_equals_a_full_recompute(secretary, members, branch, month, today):
    sheet = selectors.collection_sheet(organization=branch, month=month)
    entries = {
        members["张三"].pk: services.DuesEntry(status="partial", amount_paid=Decimal("12.34")),
        members["李四"].pk: services.DuesEntry(status="advance", amount_paid=Decimal("99.99")),
    }
    services.dues_collection_save(sheet=sheet, entries=entries, method="online", paid_on=today, recorded_by=secretary)
    sheet = selectors.collection_sheet(organization=branch, month=month)
    services.dues_collection_save(
        sheet=sheet,
        entries={members["王书记"].pk: services.DuesEntry(status="unpaid")},
        method="online",
        paid_on=today,
        recorded_by=secretary,
    )
    services.dues_month_close(organization=branch, month=month, closed_by=secretary)
    services.dues_payment_amend(
        payment=DuesPayment.objects.get(member=members["张三"]),
        status="paid",
        amount_paid=None,
        method="cash",
        paid_on=today,
        reason="补交",
        amended_by=secretary,
    )
    maintained = DuesMonth.objects.values("members", "paid_members", "due", "paid", "arrears").get()
    services.dues_month_recompute(organization=branch, month=month)
    assert DuesMonth.objects.values("members", "paid_members", "due", "paid", "arrears").get() == maintained
    assert maintained["paid"] == Decimal("120.00")  # the second save: everyone paid but 王书记


def test_a_200_member_branch_saves_in_five_statements_and_the_page_in_ten_queries(
    client, secretary, branch, month, today, django_assert_max_num_queries
):
    bulk_members(branch, 199)  # with the secretary: 200
    give_bases(branch)
    client.force_login(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(url(branch, month))
    assert len(response.context["form"].rows) == 200
    sheet = selectors.collection_sheet(organization=branch, month=month)
    with CaptureQueriesContext(connection) as captured:
        services.dues_collection_save(sheet=sheet, entries={}, method="cash", paid_on=today, recorded_by=secretary)
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 5, statements
    assert DuesPayment.objects.count() == 200
    with django_assert_max_num_queries(10):
        assert client.get(url(branch, month)).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.post(url(branch, month), collection_body(paid_on=today)).status_code == 302


def test_a_plain_member_may_not_collect(client, member_user, members, branch, month):
    client.force_login(member_user)
    assert client.get(url(branch, month)).status_code == 403
    assert client.post(url(branch, month), collection_body(paid_on=month)).status_code == 403
    assert not DuesPayment.objects.exists()


def test_an_organizer_may_collect(client, members, branch, month):
    organizer = UserFactory(username="zuzhi")
    give_role(organizer, branch, RoleKind.ORGANIZER)
    client.force_login(organizer)
    assert client.get(url(branch, month)).status_code == 200


def test_out_of_scope_ids_answer_404_and_write_nothing(
    client, secretary, members, branch, other_branch, other_branch_secretary, month, today
):
    foreign = MemberFactory(organization=other_branch, name="外支部党员")
    give_bases(other_branch)
    sheet = selectors.collection_sheet(organization=other_branch, month=month)
    services.dues_collection_save(
        sheet=sheet, entries={}, method="cash", paid_on=today, recorded_by=other_branch_secretary
    )
    services.dues_month_close(organization=other_branch, month=month, closed_by=other_branch_secretary)
    foreign_payment = DuesPayment.objects.get(member=foreign)
    before = list(DuesPayment.objects.values())
    client.force_login(secretary)
    for path in (
        url(other_branch, month),
        reverse("activities:dues_close", args=[other_branch.pk]),
        reverse("activities:dues_amend", args=[foreign_payment.pk]),
        reverse("activities:dues_base_edit", args=[foreign.pk]),
    ):
        assert client.get(path).status_code in (404, 405), path
        body = collection_body(paid_on=today, exceptions={foreign.pk: ("unpaid", "")})
        body |= {
            "status": "unpaid",
            "reason": "越权",
            "category": "in_service",
            "income": "1",
            "applies_from": "2026-01",
        }
        assert client.post(path, body).status_code == 404, path
    # The foreign member's id in the body of an own page is ignored.
    client.post(url(branch, month), collection_body(paid_on=today, exceptions={foreign.pk: ("unpaid", "")}))
    assert list(DuesPayment.objects.filter(organization=other_branch).values()) == before
    assert not DuesPayment.objects.filter(organization=branch, member=foreign).exists()


def test_the_secretary_sets_a_base_from_a_month(client, secretary, members, branch):
    client.force_login(secretary)
    member = members["张三"]
    path = reverse("activities:dues_base_edit", args=[member.pk])
    assert client.get(path).status_code == 200
    response = client.post(path, {"category": "retired", "income": "6000", "applies_from": "2026-02"})
    assert response.status_code == 302
    base = member.dues_bases.get(applies_from=datetime.date(2026, 2, 1))
    assert base.category == "retired" and base.income == Decimal("6000.00")
    assert member.dues_bases.count() == 2
    response = client.post(path, {"category": "retired", "income": "-5", "applies_from": "2026-02"})
    assert response.status_code == 200 and member.dues_bases.count() == 2
