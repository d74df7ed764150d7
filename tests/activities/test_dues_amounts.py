"""党费 amounts: every bracket boundary of the default rules (loaded by the data migration), the fixed amounts,
预备党员's first month, a base change mid-year and a rule change with an effective date."""

import datetime
from decimal import Decimal

import pytest

from activities.dues import services
from activities.dues.models import DuesBase, DuesCategory, DuesRule
from activities.dues.rules import base_for_month, first_due_month, monthly_amount, quantize
from activities.dues.selectors import collection_sheet, dues_rules
from branches.models import MembershipType
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 3, 1)


def amount(category: str, income: str, month: datetime.date = MONTH, agreed: str | None = None) -> Decimal:
    base = DuesBase(
        category=category,
        income=Decimal(income),
        applies_from=datetime.date(2020, 1, 1),
        agreed_amount=Decimal(agreed) if agreed else None,
    )
    return monthly_amount(base, month, dues_rules()).amount


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("0.00", "0.00"),
        ("2999.99", "15.00"),  # 0.5 %: 14.99995 → 15.00 (half up)
        ("3000.00", "15.00"),  # ≤ 3,000: 0.5 %
        ("3000.01", "30.00"),  # > 3,000: 1 % (30.0001)
        ("5000.00", "50.00"),  # ≤ 5,000: 1 %
        ("5000.01", "75.00"),  # > 5,000: 1.5 % (75.00015)
        ("10000.00", "150.00"),  # ≤ 10,000: 1.5 %
        ("10000.01", "200.00"),  # > 10,000: 2 %
        ("12345.67", "246.91"),  # 246.9134
    ],
)
def test_it_applies_the_in_service_brackets(income, expected):
    assert amount(DuesCategory.IN_SERVICE, income) == Decimal(expected)


@pytest.mark.parametrize(
    ("pension", "expected"),
    [("4000.00", "20.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("8000.00", "80.00")],
)
def test_it_applies_the_retired_brackets(pension, expected):
    assert amount(DuesCategory.RETIRED, pension) == Decimal(expected)


def test_it_rounds_half_up_to_the_fen_in_decimal():
    assert quantize(Decimal("0.005")) == Decimal("0.01")
    assert quantize(Decimal("3010.10") * Decimal("1.00") / 100) == Decimal("30.10")
    assert isinstance(amount(DuesCategory.IN_SERVICE, "3333.33"), Decimal)
    assert amount(DuesCategory.IN_SERVICE, "3333.33") == Decimal("33.33")


@pytest.mark.parametrize(
    ("category", "agreed", "expected"),
    [
        (DuesCategory.FARMER, None, "0.20"),
        (DuesCategory.FARMER, "0.50", "0.50"),
        (DuesCategory.FARMER, "5.00", "0.20"),  # outside 0.2–1 元: the rule's amount
        (DuesCategory.STUDENT, None, "0.20"),
        (DuesCategory.UNEMPLOYED, None, "0.20"),
        (DuesCategory.LOW_INCOME, None, "0.20"),
    ],
)
def test_it_applies_the_fixed_amounts(category, agreed, expected):
    assert amount(category, "0", agreed=agreed) == Decimal(expected)


def test_the_default_rules_cite_their_source():
    assert DuesRule.objects.count() == 10
    assert all("党费收缴、使用和管理的规定" in rule.source for rule in DuesRule.objects.all())


def test_a_rule_change_applies_from_its_date_and_never_rewrites_the_past():
    changed_on = datetime.date(2026, 7, 1)
    for lower, upper, rate in ((None, "3000.00", "0.40"), ("3000.00", None, "1.00")):
        DuesRule.objects.create(
            category=DuesCategory.IN_SERVICE,
            effective_from=changed_on,
            lower=Decimal(lower) if lower else None,
            upper=Decimal(upper) if upper else None,
            rate=Decimal(rate),
            source="测试用新标准",
        )
    assert amount(DuesCategory.IN_SERVICE, "2000.00", datetime.date(2026, 6, 1)) == Decimal("10.00")
    assert amount(DuesCategory.IN_SERVICE, "2000.00", datetime.date(2026, 7, 1)) == Decimal("8.00")
    assert amount(DuesCategory.IN_SERVICE, "20000.00", datetime.date(2026, 6, 1)) == Decimal("400.00")
    assert amount(DuesCategory.IN_SERVICE, "20000.00", datetime.date(2026, 7, 1)) == Decimal("200.00")
    # The retired brackets did not change: the old set stays in force for them.
    assert amount(DuesCategory.RETIRED, "6000.00", datetime.date(2026, 8, 1)) == Decimal("60.00")


def test_a_base_change_mid_year_applies_from_its_month(secretary, branch):
    member = MemberFactory(organization=branch, name="基数变化")
    services.dues_base_set(
        member=member,
        category=DuesCategory.IN_SERVICE,
        income=Decimal("4000"),
        applies_from=datetime.date(2026, 1, 1),
        recorded_by=secretary,
    )
    services.dues_base_set(
        member=member,
        category=DuesCategory.IN_SERVICE,
        income=Decimal("6000"),
        applies_from=datetime.date(2026, 7, 15),
        recorded_by=secretary,
    )
    bases = list(member.dues_bases.all())
    assert len(bases) == 2  # history, not an overwrite
    rules = dues_rules()
    assert monthly_amount(base_for_month(bases, datetime.date(2026, 6, 1)), MONTH, rules).amount == Decimal("40.00")
    july = base_for_month(bases, datetime.date(2026, 7, 1))
    assert july.applies_from == datetime.date(2026, 7, 1)
    assert monthly_amount(july, datetime.date(2026, 7, 1), rules).amount == Decimal("90.00")
    assert base_for_month(bases, datetime.date(2025, 12, 1)) is None


def test_a_probationary_member_owes_from_the_month_of_approval(branch):
    approved = datetime.date(2026, 3, 28)
    assert first_due_month(approved) == datetime.date(2026, 3, 1)
    member = MemberFactory(
        organization=branch,
        name="预备党员",
        membership_type=MembershipType.PROBATIONARY,
        joined_on=approved,
        full_member_on=None,
    )
    services.dues_base_set(
        member=member, category=DuesCategory.STUDENT, income=Decimal(0), applies_from=approved, recorded_by=None
    )
    february = collection_sheet(organization=branch, month=datetime.date(2026, 2, 1))
    march = collection_sheet(organization=branch, month=datetime.date(2026, 3, 1))
    assert member.pk not in [row.member.pk for row in february.rows]
    row = next(row for row in march.rows if row.member.pk == member.pk)
    assert row.computed.amount == Decimal("0.20")


def test_a_base_refuses_a_negative_income(branch):
    member = MemberFactory(organization=branch)
    with pytest.raises(Exception, match="负数"):
        services.dues_base_set(
            member=member,
            category=DuesCategory.IN_SERVICE,
            income=Decimal("-1"),
            applies_from=MONTH,
            recorded_by=None,
        )
    assert not DuesBase.objects.filter(member=member).exists()
