"""The 情况通报: what each organisation of a subtree missed in a period after grace, grouped by rule, with
the source; read from the stored results of the subtree."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from activities.records.selectors import ChainHead, chain_heads
from branches.models import Organization
from reviews.compliance.dashboard import is_closed, period_from_key, period_keys_within
from reviews.compliance.rules import (
    GRACE_DAYS_DEFAULT,
    Outcome,
    Period,
    PeriodKind,
    RuleResult,
    period_containing,
)
from reviews.models import ComplianceResult


@dataclass
class CircularItem:
    organization: Organization
    gaps: list[tuple[str, str, str]]  # (gap text, rule code, rule source)


@dataclass
class CircularGroup:
    parent: Organization | None
    items: list[CircularItem]


@dataclass
class Circular:
    organization: Organization
    period: Period
    today: datetime.date
    is_closed: bool
    groups: list[CircularGroup]
    organizations_judged: int
    chain_heads: list[ChainHead]  # the appendix 归档记录链校验值: a printed copy anchors the filed records
    open_periods: list[Period]  # begun but still within their grace window: not reported, said so on paper

    @property
    def organizations_missed(self) -> int:
        return sum(len(group.items) for group in self.groups)

    @property
    def gaps_count(self) -> int:
        return sum(len(item.gaps) for group in self.groups for item in group.items)


def default_circular_period(today: datetime.date) -> Period:
    """The latest quarter whose grace window has closed (last year's fourth quarter early in the year)."""
    period = period_containing(PeriodKind.QUARTER, today)
    while not is_closed(period.end, today):
        period = period_containing(PeriodKind.QUARTER, period.start - datetime.timedelta(days=1))
    return period


@dataclass
class MissedObligation:
    """One rule-period an organisation of the subtree missed, past its grace window."""

    organization: Organization
    rule_code: str
    period: Period
    gap: str
    source: str


def _grace_cutoff(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=GRACE_DAYS_DEFAULT)


def _closed_results(organization: Organization, keys: list[str], today: datetime.date) -> QuerySet[ComplianceResult]:
    return ComplianceResult.objects.filter(
        organization__path__startswith=organization.path, period_key__in=keys, period_end__lt=_grace_cutoff(today)
    )


def missed_obligations(
    *, organization: Organization, period_keys: set[str], today: datetime.date, rule: str = "", category: str = ""
) -> list[MissedObligation]:
    """Every rule-period of the subtree within `period_keys` missed after grace, in tree order with the gap in
    words and the rule's source; optionally one rule or one category of organisations. Two queries."""
    keys = sorted(period_keys)
    closed = _closed_results(organization, keys, today).filter(is_met=False)
    if category:
        closed = closed.filter(organization__category=category)
    missing = list(closed.values_list("organization_id", flat=True).distinct())
    return _missed_results(missing, keys=keys, today=today, rule=rule)


def _missed_results(
    organization_ids: list[int], *, keys: list[str], today: datetime.date, rule: str = ""
) -> list[MissedObligation]:
    """The missed results of these organisations (those of the subtree that missed anything, found first from the
    covering index on (organisation, period) alone), read by organisation id. In one query with the subtree's path
    PostgreSQL cannot tell how few of the subtree's results are missed (the path and the outcome are correlated)
    and scans the whole result table. One query, none without organisations."""
    if not organization_ids:
        return []
    missed = ComplianceResult.objects.filter(
        organization_id__in=organization_ids, period_key__in=keys, period_end__lt=_grace_cutoff(today), is_met=False
    )
    if rule:
        missed = missed.filter(rule_code=rule)
    obligations = []
    for result in missed.select_related("organization__parent", "rule", "group").order_by(
        "organization__path", "period_start", "rule_code", "subject"
    ):
        subject = result.group.name if result.group_id else ""  # type: ignore[union-attr]  # group_id set: group is not None
        period: Period = period_from_key(result.period_key)  # type: ignore[assignment]  # a stored key is valid
        gap = RuleResult(result.rule, period, Outcome.MISSED, result.count, subject_label=subject).gap
        obligations.append(
            MissedObligation(result.organization, result.rule_code, period, gap, result.rule.localized_source())
        )
    return obligations


def circular(*, organization: Organization, period: Period, today: datetime.date) -> Circular:
    """The subtree's organisations that missed rules in the period (only rule-periods past their grace window),
    grouped by parent, each with what is missing. A quarter includes its months, a year every period. Three
    queries: the organisations judged, each with whether it missed anything; the missed results of those that did;
    the heads of the subtree's chains of filed records (the appendix)."""
    keys = sorted(period_keys_within(period))
    judged = list(
        _closed_results(organization, keys, today)
        .values("organization_id")
        .annotate(missed=Count("pk", filter=Q(is_met=False)))
        .values_list("organization_id", "missed")
    )
    missing = [organization_id for organization_id, missed in judged if missed]
    groups: dict[int | None, CircularGroup] = {}
    items: dict[int, CircularItem] = {}
    for missed in _missed_results(missing, keys=keys, today=today):
        org = missed.organization
        item = items.get(org.pk)
        if item is None:
            item = items[org.pk] = CircularItem(org, [])
            group = groups.get(org.parent_id)
            if group is None:
                group = groups[org.parent_id] = CircularGroup(org.parent, [])
            group.items.append(item)
        item.gaps.append((missed.gap, missed.rule_code, missed.source))
    ordered = sorted(groups.values(), key=lambda group: group.parent.path if group.parent else "")
    heads = chain_heads(organization)
    within = (period_from_key(key) for key in keys)
    open_periods = sorted(
        (p for p in within if p is not None and p.start <= today and not is_closed(p.end, today)),
        key=lambda p: (p.end, p.start),
    )
    closed = is_closed(period.end, today)
    return Circular(organization, period, today, closed, ordered, len(judged), heads, open_periods)
