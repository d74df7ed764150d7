"""党费 amounts: which bracket rule applies to a base in a month, and the monthly amount (Decimal, to the 分).

Pure functions over rows already loaded: the selectors load the rules once (one query) and the bases of a
branch once, then call these per member and month.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from activities.dues.models import CENT, RATE_CATEGORIES, DuesBase, DuesRule


def quantize(amount: Decimal) -> Decimal:
    """To the 分, half up (0.005 → 0.01); never float."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DuesAmount:
    amount: Decimal
    rule: DuesRule | None


def rules_in_force(rules: Iterable[DuesRule], *, category: str, month: datetime.date) -> list[DuesRule]:
    """The category's brackets in force in `month`: the set with the latest effective date on or before the
    month's first day (a rule change applies from its date and never rewrites the months before it)."""
    first = month.replace(day=1)
    candidates = [rule for rule in rules if rule.category == category and rule.effective_from <= first]
    if not candidates:
        return []
    latest = max(rule.effective_from for rule in candidates)
    return [rule for rule in candidates if rule.effective_from == latest]


def _in_bracket(rule: DuesRule, income: Decimal) -> bool:
    return (rule.lower is None or income > rule.lower) and (rule.upper is None or income <= rule.upper)


def monthly_amount(base: DuesBase, month: datetime.date, rules: Sequence[DuesRule]) -> DuesAmount:
    """The month's dues for a base: income × the bracket's rate, or the fixed amount (the agreed amount when the
    rule gives a range and it lies inside). No rule in force: 0 with no rule."""
    in_force = rules_in_force(rules, category=base.category, month=month)
    income = Decimal(base.income or 0)
    if base.category in RATE_CATEGORIES:
        for rule in in_force:
            if rule.rate is not None and _in_bracket(rule, income):
                return DuesAmount(quantize(income * rule.rate / 100), rule)
        return DuesAmount(Decimal("0.00"), None)
    for rule in in_force:
        if rule.amount is not None:
            amount = rule.amount
            agreed = base.agreed_amount
            if agreed is not None and rule.amount_max is not None and rule.amount <= agreed <= rule.amount_max:
                amount = agreed
            return DuesAmount(quantize(amount), rule)
    return DuesAmount(Decimal("0.00"), None)


def base_for_month(bases: Iterable[DuesBase], month: datetime.date) -> DuesBase | None:
    """The base that applies in `month`: the latest one starting on or before the month."""
    first = month.replace(day=1)
    found = None
    for base in bases:
        if base.applies_from <= first and (found is None or base.applies_from > found.applies_from):
            found = base
    return found


def first_due_month(joined_on: datetime.date | None) -> datetime.date | None:
    """预备党员 pay from the day they are approved: the month of their 入党日期 is the first month due."""
    return joined_on.replace(day=1) if joined_on else None
