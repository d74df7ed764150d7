"""预交 (paying several months ahead) and 自愿多交 (a one-off payment over 1,000 元 above what is owed)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.dues import selectors, services
from activities.dues.models import DuesMonth, DuesPayment, DuesStatus
from activities.dues.services import DuesEntry
from branches.models import Member
from portal.periods import shift_month
from tests.activities.dues_pages import collection_body, give_bases
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def members(secretary, member_user, branch):
    MemberFactory(organization=branch, name="张三", joined_on=datetime.date(2010, 1, 1))
    give_bases(branch)  # 40.00 a month each
    return {m.name: m for m in Member.objects.filter(organization=branch)}


def save(branch, month, secretary, entries, *, paid_on=None):
    sheet = selectors.collection_sheet(organization=branch, month=month)
    return services.dues_collection_save(
        sheet=sheet, entries=entries, method="transfer", paid_on=paid_on or month, recorded_by=secretary
    )


def test_paying_three_months_ahead_marks_the_following_months_paid(branch, secretary, members):
    zhang = members["张三"]
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("160.00"), months_ahead=3)},
    )
    rows = {p.month: p for p in DuesPayment.objects.filter(member=zhang)}
    assert rows[JAN].amount_paid == Decimal("40.00") and rows[JAN].months_ahead == 3
    for offset in (1, 2, 3):
        ahead = rows[shift_month(JAN, offset)]
        assert ahead.status == DuesStatus.PREPAID and ahead.amount_paid == ahead.amount_due == Decimal("40.00")
        assert ahead.prepaid_from == JAN
    assert shift_month(JAN, 4) not in rows
    february = selectors.collection_sheet(organization=branch, month=shift_month(JAN, 1))
    row = next(row for row in february.rows if row.member == zhang)
    assert row.status == DuesStatus.PREPAID
    # the roll-ups of the months paid ahead equal a full recompute
    for offset in (0, 1, 2, 3):
        month = shift_month(JAN, offset)
        stored = DuesMonth.objects.get(organization=branch, month=month)
        recomputed = services.dues_month_recompute(organization=branch, month=month)
        assert (stored.paid, stored.due, stored.members) == (recomputed.paid, recomputed.due, recomputed.members)


def test_saving_a_month_paid_ahead_keeps_the_prepayment(branch, secretary, members):
    zhang = members["张三"]
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("120.00"), months_ahead=2)},
    )
    february = shift_month(JAN, 1)
    save(branch, february, secretary, {zhang.pk: DuesEntry(status=DuesStatus.UNPAID)})
    payment = DuesPayment.objects.get(member=zhang, month=february)
    assert payment.status == DuesStatus.PREPAID and payment.amount_paid == Decimal("40.00")


def test_saving_the_month_again_with_fewer_months_removes_the_rest(branch, secretary, members):
    zhang = members["张三"]
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("160.00"), months_ahead=3)},
    )
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("80.00"), months_ahead=1)},
    )
    months = sorted(DuesPayment.objects.filter(member=zhang).values_list("month", flat=True))
    assert months == [JAN, shift_month(JAN, 1)]
    march = DuesMonth.objects.get(organization=branch, month=shift_month(JAN, 2))
    assert march.members == 0 and march.paid == 0


def test_too_little_for_the_months_ahead_is_refused_and_nothing_is_written(branch, secretary, members):
    zhang = members["张三"]
    with pytest.raises(ValidationError) as error:
        save(
            branch,
            JAN,
            secretary,
            {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("100.00"), months_ahead=3)},
        )
    assert "预交3个月，实交金额至少应为160.00元" in " ".join(error.value.messages)
    assert not DuesPayment.objects.exists()


def test_a_month_already_recorded_cannot_be_paid_ahead(branch, secretary, members):
    zhang = members["张三"]
    save(branch, shift_month(JAN, 1), secretary, {})
    with pytest.raises(ValidationError) as error:
        save(
            branch,
            JAN,
            secretary,
            {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("80.00"), months_ahead=1)},
        )
    assert "2026-02已有交纳记录" in " ".join(error.value.messages)
    assert not DuesPayment.objects.filter(month=JAN).exists()


def test_arrears_respect_the_months_paid_ahead(branch, secretary, members):
    zhang = members["张三"]
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("120.00"), months_ahead=2)},
    )
    for offset in (3, 4):
        save(branch, shift_month(JAN, offset), secretary, {zhang.pk: DuesEntry(status=DuesStatus.UNPAID)})
    arrears = selectors.arrears_by_member(organization_ids=[branch.pk], today=datetime.date(2026, 5, 20))
    assert arrears[zhang.pk].months == 2  # April and May; March was paid ahead in January
    save(branch, shift_month(JAN, 2), secretary, {})
    dues = selectors.member_dues(member=zhang, today=datetime.date(2026, 5, 20))
    assert dues.arrears_months == [shift_month(JAN, 4), shift_month(JAN, 3)]


def test_a_payment_over_1000_yuan_above_what_is_owed_is_voluntary(branch, secretary, members):
    zhang, li = members["张三"], members["王书记"]
    save(
        branch,
        JAN,
        secretary,
        {
            zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("1040.01")),
            li.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("1040.00")),
        },
    )
    assert DuesPayment.objects.get(member=zhang).voluntary == Decimal("1000.01")
    assert DuesPayment.objects.get(member=li).voluntary == 0  # 1,000.00 above is not *above* 1,000
    assert DuesMonth.objects.get(organization=branch, month=JAN).voluntary == Decimal("1000.01")
    overview = selectors.dues_overview(organization=branch, year=2026, today=datetime.date(2026, 3, 1))
    assert overview.total.voluntary == Decimal("1000.01")


def test_voluntary_after_months_paid_ahead(branch, secretary, members):
    zhang = members["张三"]
    save(
        branch,
        JAN,
        secretary,
        {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("2080.00"), months_ahead=1)},
    )
    january = DuesPayment.objects.get(member=zhang, month=JAN)
    assert january.amount_paid == Decimal("2040.00") and january.voluntary == Decimal("2000.00")


def test_the_page_posts_months_ahead_and_shows_voluntary(client, branch, secretary, members):
    zhang = members["张三"]
    client.force_login(secretary)
    url = f"{reverse('activities:dues_collection', args=[branch.pk])}?month=2026-01"
    body = collection_body(paid_on=JAN, exceptions={zhang.pk: ("advance", "1121.00")})
    body[f"m-{zhang.pk}"] = "2"
    assert client.post(url, body).status_code == 302
    html = client.get(url).content.decode()
    assert "data-dues-voluntary" in html
    assert DuesPayment.objects.filter(member=zhang, status=DuesStatus.PREPAID).count() == 2
    february = client.get(f"{reverse('activities:dues_collection', args=[branch.pk])}?month=2026-02")
    assert "data-dues-prepaid" in february.content.decode()


def test_prepaid_cannot_be_ticked_on_the_page(client, branch, secretary, members):
    zhang = members["张三"]
    client.force_login(secretary)
    url = f"{reverse('activities:dues_collection', args=[branch.pk])}?month=2026-01"
    response = client.post(url, collection_body(paid_on=JAN, exceptions={zhang.pk: ("prepaid", "")}))
    assert response.status_code == 200
    assert not DuesPayment.objects.exists()


def test_the_overview_export_has_the_voluntary_column(client, branch, committee, district, secretary, members):
    import io

    import openpyxl

    from branches.models import RoleKind
    from tests.conftest import enrol_totp
    from tests.factories import UserFactory, give_role

    zhang = members["张三"]
    save(branch, JAN, secretary, {zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("1100.00"))})
    officer = UserFactory(username="dues-officer")
    give_role(officer, district, RoleKind.OFFICER)
    enrol_totp(officer)
    client.force_login(officer)
    response = client.get(reverse("activities:dues_overview_export", args=[district.pk]) + "?year=2026")
    rows = [
        list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]
    header = next(row for row in rows if row and row[0] == "党组织")
    assert header[-1] == "自愿多交合计（元）"
    year_row = next(row for row in rows if row[0] == committee.name and row[2] == "全年")
    assert Decimal(str(year_row[-1])) == Decimal("1060.00")


def test_the_member_sees_how_far_they_paid_ahead(client, branch, secretary, member_user, members):
    own = Member.objects.get(user=member_user)
    today = datetime.date.today()
    month = today.replace(day=1)
    save(
        branch,
        month,
        secretary,
        {own.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("120.00"), months_ahead=2)},
        paid_on=today,
    )
    dues = selectors.member_dues(member=own, today=today)
    assert dues.prepaid_until == shift_month(month, 2)
    assert dues.arrears_months == [] and [p.month for p in dues.payments] == [month]
    client.force_login(member_user)
    assert "data-prepaid-until" in client.get(reverse("activities:dues_mine")).content.decode()
