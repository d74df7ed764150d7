"""Reads for the committee dashboard (督): figures, children, heat map and trend of a subtree.

The dashboard reads only the roll-up rows of the node and its children (reviews.ComplianceRollup) and a few
aggregated headline queries (member flags, study tasks, plans), each grouped by child in the database, so the
number of queries does not grow with the subtree. The drill-down reads the stored results of one organisation
(reviews.ComplianceResult) and the meetings they counted; nothing here scans meetings or attendance.

How results are judged for a committee (DESIGN.md §3): an unmet rule-period is `missed` only once its grace
window has closed. The compliance rate therefore counts the rule-periods whose grace window has closed
(met ÷ applicable); periods still open or in grace are shown apart as "进行中" and count neither way, so an
early completion does not raise the rate while the open gaps of the same period are not counted yet."""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, Substr
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from branches.models import Organization, OrganizationCategory, OrganizationKind
from reviews.compliance.rules import (
    GRACE_DAYS_DEFAULT,
    Outcome,
    Period,
    PeriodKind,
    period_containing,
    periods_of_year,
)
from reviews.models import ComplianceResult, ComplianceRollup, FlagLevel, MemberFlag, Rule
from study.models import PlanStatus

ALL_RULES = "*"  # the roll-up rows that count organisations (reviews.compliance.services.ALL_RULES)


STUDY = "study"  # the roll-up rows that count study tasks (reviews.compliance.services.STUDY)


FIRST_YEAR = 2016  # 两学一做 began


MONTHS = range(1, 13)


# Rate buckets for the heat map, the tables and the circular: the same colours everywhere.
RATE_HIGH = 90


RATE_MID = 60


# The children's heat table and table show this many children per page, those with the most missed first: a
# district's 239 (or a city node's 643) children cost a page of rows to render, not all of them.
CHILDREN_PAGE_SIZE = 25


# A search for children longer than this is cut (names are at most 100 characters, codes 50).
SEARCH_MAX_LENGTH = 100


# The roll-ups' version: a token the compliance services replace after every change of roll-up rows commits
# (reviews.compliance.services.rollups_touch). What the dashboard reads from the roll-ups is cached under it, so
# a cached figure is never read once a filed meeting (or a recompute) has changed a roll-up.
ROLLUPS_VERSION_KEY = "reviews:compliance-rollups-version"


ROLLUP_SUMS_TIMEOUT = 24 * 3600  # the day is part of the key: yesterday's sums are not asked for again


_KEY_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")


def period_from_key(key: str) -> Period | None:
    """The period of a stored key ('2026-07', '2026-Q3', '2026'), or None for anything else."""
    match = _KEY_RE.match(key or "")
    if not match:
        return None
    year = int(match["year"])
    if year < FIRST_YEAR or year > 9998:
        return None
    if match["month"]:
        return period_containing(PeriodKind.MONTH, datetime.date(year, int(match["month"]), 1))
    if match["quarter"]:
        return period_containing(PeriodKind.QUARTER, datetime.date(year, int(match["quarter"]) * 3 - 2, 1))
    return period_containing(PeriodKind.YEAR, datetime.date(year, 1, 1))


def is_closed(period_end: datetime.date, today: datetime.date, grace_days: int = GRACE_DAYS_DEFAULT) -> bool:
    """Whether the grace window after `period_end` is over: from then on an unmet rule-period is missed."""
    return today > period_end + datetime.timedelta(days=grace_days)


def outcome_of(*, is_met: bool, period_end: datetime.date, today: datetime.date) -> str:
    """The outcome of a stored result on `today` (as reviews.compliance.rules.evaluate would judge it)."""
    if is_met:
        return Outcome.MET
    if today <= period_end:
        return Outcome.DUE
    if not is_closed(period_end, today):
        return Outcome.GRACE
    return Outcome.MISSED


def rate_class(rate: int | None) -> str:
    if rate is None:
        return "rate-none"
    if rate >= RATE_HIGH:
        return "rate-high"
    if rate >= RATE_MID:
        return "rate-mid"
    return "rate-low"


def month_label(month: int) -> str:
    return _("%(month)d月") % {"month": month}


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters. `period` is "" (every period of the year), a kind ("month", "quarter",
    "year"), a month of the year ("01"…"12") or a quarter ("Q1"…"Q4")."""

    year: int
    period: str = ""
    category: str = ""
    rule: str = ""

    @property
    def specific_period(self) -> Period | None:
        if self.period.startswith("Q"):
            return period_from_key(f"{self.year}-{self.period}")
        if self.period.isdigit():
            return period_from_key(f"{self.year}-{self.period}")
        return None

    @property
    def period_kind(self) -> str:
        return self.period if self.period in PeriodKind.values else ""

    def period_keys(self) -> set[str] | None:
        """The stored period keys the filter selects (None: every key of the year, filtered by kind)."""
        period = self.specific_period
        if period is None:
            return None
        return period_keys_within(period)

    @property
    def description(self) -> str:
        """The non-default filters in words, for the heading of an export ("" when none)."""
        parts = []
        period = self.specific_period
        if period is not None:
            parts.append(str(period.label))
        elif self.period_kind:
            parts.append(str(PeriodKind(self.period_kind).label))
        if self.category:
            parts.append(str(dict(OrganizationCategory.choices).get(self.category, self.category)))
        if self.rule:
            parts.append(self.rule)
        return "，".join(parts)

    def as_query(self) -> dict[str, str]:
        """The non-default filters, for links that keep them (drill-down, export)."""
        query = {"year": str(self.year), "period": self.period, "category": self.category, "rule": self.rule}
        return {name: value for name, value in query.items() if value}


def period_keys_within(period: Period) -> set[str]:
    """The stored keys of the rule-periods inside a period: a quarter holds its own key and its months'; a year
    every key of the year."""
    keys = {period.key}
    if period.kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
        keys |= {p.key for p in periods_of_year(PeriodKind.MONTH, period.start.year) if period.start <= p.start}
        keys = {k for k in keys if period_from_key(k).end <= period.end}
    if period.kind == PeriodKind.YEAR:
        keys |= {p.key for p in periods_of_year(PeriodKind.QUARTER, period.start.year)}
    return keys


@dataclass(frozen=True)
class RuleChoice:
    code: str
    title: str
    source: str


def rule_choices() -> list[RuleChoice]:
    """One entry per rule code of the active rule sets, in code order (C1, C2, …, C10), in the page's language.
    One query."""
    seen: dict[str, RuleChoice] = {}
    for rule in (
        Rule.objects.filter(rule_set__is_active=True)
        .order_by("code", "pk")
        .only("code", "title", "source", "title_en", "source_en")
    ):
        seen.setdefault(rule.code, RuleChoice(rule.code, rule.localized_title(), rule.localized_source()))
    return sorted(seen.values(), key=lambda choice: _code_sort_key(choice.code))


def _code_sort_key(code: str) -> tuple:
    match = re.match(r"^([A-Za-z]*)(\d*)(.*)$", code)
    letters, number, rest = match.groups()
    return (letters, int(number) if number else 0, rest)


@dataclass
class Tally:
    """Rule-periods: those whose grace window has closed (counted in the rate) and those still open."""

    met: int = 0
    applicable: int = 0
    open_met: int = 0
    open_applicable: int = 0

    def add(self, *, applicable: int, met: int, closed: bool) -> None:
        if closed:
            self.applicable += applicable
            self.met += met
        else:
            self.open_applicable += applicable
            self.open_met += met

    def merge(self, other: Tally) -> None:
        self.met += other.met
        self.applicable += other.applicable
        self.open_met += other.open_met
        self.open_applicable += other.open_applicable

    @property
    def missed(self) -> int:
        return self.applicable - self.met

    @property
    def pending(self) -> int:
        return self.open_applicable - self.open_met

    @property
    def rate(self) -> int | None:
        return round(self.met * 100 / self.applicable) if self.applicable else None

    @property
    def rate_class(self) -> str:
        if self.rate is None:
            return "rate-open" if self.open_applicable else "rate-none"
        return rate_class(self.rate)

    @property
    def is_empty(self) -> bool:
        return not (self.applicable or self.open_applicable)


@dataclass
class Figures:
    """The headline figures outside the roll-ups, for one child (or the whole node)."""

    flagged: int = 0
    warned: int = 0
    tasks_done: int = 0
    tasks_open: int = 0
    branches: int = 0
    plans_not_filed: int = 0

    def merge(self, other: Figures) -> None:
        self.flagged += other.flagged
        self.warned += other.warned
        self.tasks_done += other.tasks_done
        self.tasks_open += other.tasks_open
        self.branches += other.branches
        self.plans_not_filed += other.plans_not_filed

    @property
    def task_rate(self) -> int | None:
        total = self.tasks_done + self.tasks_open
        return round(self.tasks_done * 100 / total) if total else None


@dataclass
class MissedOrganizations:
    """Organisations with at least one rule missed in a reference period (from the "*" roll-up rows)."""

    kind: str
    period: Period | None
    missed: int = 0
    total: int = 0
    closed: bool = False

    @property
    def kind_label(self) -> str:
        return {
            PeriodKind.MONTH: _("本月"),
            PeriodKind.QUARTER: _("本季度"),
            PeriodKind.YEAR: _("本年度"),
        }[self.kind]

    @property
    def rules_label(self) -> str:
        """Which rules the count covers (an organisation counts once, whatever it missed)."""
        return {
            PeriodKind.MONTH: _("当月的规则"),
            PeriodKind.QUARTER: _("当季各月和季度的规则"),
            PeriodKind.YEAR: _("全年所有规则"),
        }[self.kind]


@dataclass
class ChildRow:
    organization: Organization
    total: Tally
    months: list[Tally]
    figures: Figures

    @property
    def month_cells(self) -> list[MonthCell]:
        return month_cells(self.months)


@dataclass(frozen=True)
class MonthCell:
    period: str  # the filter value of the month: "01"…"12"
    label: str
    tally: Tally


@dataclass(frozen=True)
class HeatCell:
    """One cell of the children × months table, ready to print (a district has hundreds of children: the
    template only writes these strings out)."""

    css: str
    href: str = ""
    title: str = ""
    rate: str = ""
    count: str = ""

    def html(self) -> str:
        """The cell's <td>, escaped as the template would escape it: written in Python (with the standard library's
        escape, which gives the same entities as Django's), because a page of children has 12 cells per row and
        the template engine or format_html cost more per cell than the rest of the page."""
        if not self.href:
            return f'<td class="heat-cell {escape(self.css)}"><span class="text-body-tertiary">—</span></td>'
        if self.count:
            inner = f'{escape(self.rate)}<span class="d-block cell-count">{escape(self.count)}</span>'
        else:
            inner = f'<span class="cell-open-label">{escape(self.rate)}</span>'
        return (
            f'<td class="heat-cell {escape(self.css)}"><a href="{escape(self.href)}" title="{escape(self.title)}">'
            f"{inner}</a></td>"
        )


@dataclass(frozen=True)
class HeatRow:
    """A child as both tables print it: its heat cells, its dashboard link and its figures (`child`)."""

    child: ChildRow
    href: str
    cells: list[HeatCell]

    @property
    def organization(self) -> Organization:
        return self.child.organization

    @property
    def cells_html(self) -> SafeString:
        """The row's month cells, ready to print."""
        return mark_safe("".join(cell.html() for cell in self.cells))  # noqa: S308  # every value escaped


def heat_rows(children: list[ChildRow], *, filters: Filters, dashboard_url: Callable[[int], str]) -> list[HeatRow]:
    """The children × months table's rows: each cell's colour, link (the child's dashboard for that month),
    tooltip and figures."""
    query = f"year={filters.year}" + (f"&rule={filters.rule}" if filters.rule else "")
    open_label = _("进行中")
    title_format = _("%(name)s %(month)s：已完成 %(met)s / 应完成 %(n)s，进行中未完成 %(p)s")  # once, not per cell
    labels = [month_label(m) for m in MONTHS]
    rows = []
    for row in children:
        base = dashboard_url(row.organization.pk)
        cells = []
        for month, tally in zip(MONTHS, row.months, strict=True):
            if tally.is_empty:
                cells.append(HeatCell(tally.rate_class))
                continue
            title = title_format % {
                "name": row.organization.name,
                "month": labels[month - 1],
                "met": tally.met,
                "n": tally.applicable,
                "p": tally.pending,
            }
            rate, count = (f"{tally.rate}%", f"{tally.met}/{tally.applicable}") if tally.rate is not None else ("", "")
            cells.append(
                HeatCell(tally.rate_class, f"{base}?{query}&period={month:02d}", title, rate or open_label, count)
            )
        rows.append(HeatRow(row, base, cells))
    return rows


@dataclass(frozen=True)
class ChildrenPage:
    """The children the tables show: those matching the search, most missed first, one page of them."""

    page: Page
    search: str
    matching: int  # children matching the search (all of them without one)

    @property
    def rows(self) -> list[ChildRow]:
        return list(self.page.object_list)


def children_page(
    children: list[ChildRow], *, search: str = "", page: str | int | None = 1, size: int | None = None
) -> ChildrenPage:
    """One page of the children (already sorted, most missed first) whose name, short name or code contains
    `search` (case-insensitive); a page number out of range or not a number gives the nearest page."""
    search = " ".join(search.split())[:SEARCH_MAX_LENGTH]
    needle = search.casefold()
    matching = children
    if needle:
        matching = [
            row
            for row in children
            if needle in row.organization.name.casefold()
            or needle in row.organization.short_name.casefold()
            or needle in row.organization.code.casefold()
        ]
    return ChildrenPage(Paginator(matching, size or CHILDREN_PAGE_SIZE).get_page(page), search, len(matching))


def month_cells(months: list[Tally]) -> list[MonthCell]:
    return [MonthCell(f"{m:02d}", month_label(m), tally) for m, tally in zip(MONTHS, months, strict=True)]


@dataclass
class GridCell:
    result: ComplianceResult | None
    outcome: str = ""

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label) if self.outcome else ""


@dataclass
class GridRow:
    code: str
    title: str
    source: str
    subject_label: str
    cells: list[GridCell]


@dataclass
class GridSection:
    kind: str
    columns: list[Period]
    rows: list[GridRow]

    @property
    def column_labels(self) -> list[str]:
        if self.kind == PeriodKind.MONTH:
            return [month_label(period.start.month) for period in self.columns]
        if self.kind == PeriodKind.QUARTER:
            return [f"Q{i}" for i in range(1, len(self.columns) + 1)]
        return [period.label for period in self.columns]

    @property
    def kind_label(self) -> str:
        return {
            PeriodKind.MONTH: _("按月检查"),
            PeriodKind.QUARTER: _("按季度检查"),
            PeriodKind.YEAR: _("按年检查"),
        }[self.kind]


def _grid(results: list[ComplianceResult], *, year: int, today: datetime.date) -> list[GridSection]:
    sections = []
    for kind in PeriodKind.values:
        columns = periods_of_year(kind, year)
        index = {period.key: i for i, period in enumerate(columns)}
        rows: dict[tuple[str, str], GridRow] = {}
        for result in results:
            if result.period_key not in index:
                continue
            row = rows.get((result.rule_code, result.subject))
            if row is None:
                row = rows[(result.rule_code, result.subject)] = GridRow(
                    code=result.rule_code,
                    title=result.rule.localized_title(),
                    source=result.rule.localized_source(),
                    subject_label=result.group.name if result.group_id else "",
                    cells=[GridCell(None) for _column in columns],
                )
            row.cells[index[result.period_key]] = GridCell(
                result, outcome_of(is_met=result.is_met, period_end=result.period_end, today=today)
            )
        if rows:
            ordered = sorted(rows.values(), key=lambda r: (_code_sort_key(r.code), r.subject_label))
            sections.append(GridSection(kind, columns, ordered))
    return sections


@dataclass
class Dashboard:
    organization: Organization
    filters: Filters
    today: datetime.date
    has_data: bool
    total: Tally
    months: list[Tally]
    missed_organizations: list[MissedOrganizations]
    figures: Figures
    children: list[ChildRow]
    grid: list[GridSection]  # the node's own results: a branch's rules, or a committee's leadership rules
    rules: list[RuleChoice]
    grace_days: int = GRACE_DAYS_DEFAULT

    @property
    def is_branch(self) -> bool:
        return self.organization.is_branch

    @property
    def month_cells(self) -> list[MonthCell]:
        return month_cells(self.months)

    @property
    def month_labels(self) -> list[str]:
        return [month_label(m) for m in MONTHS]

    @property
    def rule(self) -> RuleChoice | None:
        return next((choice for choice in self.rules if choice.code == self.filters.rule), None)

    def chart_data(self, children: list[ChildRow] | None = None) -> dict:
        """What dashboard.js draws (the same numbers as the tables): the trend, and the heat map of `children`
        (the page of children the tables show; all of them by default)."""
        heat_rows = self.children if children is None else children
        cells = []
        for y, row in enumerate(heat_rows):
            for x, tally in enumerate(row.months):
                if tally.rate is not None:
                    cells.append([x, y, tally.rate, tally.met, tally.applicable])
                elif tally.open_applicable:
                    cells.append([x, y, -1, tally.open_met, tally.open_applicable])
        return {
            "months": [month_label(m) for m in MONTHS],
            "trend": [tally.rate for tally in self.months],
            "trend_counts": [[tally.met, tally.applicable] for tally in self.months],
            "heat": {
                "rows": [row.organization.short_name or row.organization.name for row in heat_rows],
                "names": [row.organization.name for row in heat_rows],  # whole, for the tooltip
                "cells": cells,
            },
            "labels": {
                "rate": _("合规率"),
                "open": _("进行中"),
                "high": _("≥%(n)d%%") % {"n": RATE_HIGH},
                "mid": _("%(low)d–%(high)d%%") % {"low": RATE_MID, "high": RATE_HIGH - 1},
                "low": _("<%(n)d%%") % {"n": RATE_MID},
                "met_of": _("已完成 %(met)s / 应完成 %(applicable)s"),
            },
            "thresholds": {"high": RATE_HIGH, "mid": RATE_MID},
        }


def _year_q(year: int) -> Q:
    return Q(period_key=str(year)) | Q(period_key__startswith=f"{year}-")


def _rule_q(filters: Filters) -> Q:
    """The per-rule roll-up (or result) rows the rule and period filters select."""
    q = Q()
    if filters.rule:
        q &= Q(rule_code=filters.rule)
    keys = filters.period_keys()
    if keys is not None:
        q &= Q(period_key__in=sorted(keys))
    elif filters.period_kind:
        q &= Q(period_kind=filters.period_kind)
    return q


def _reference_periods(filters: Filters, today: datetime.date) -> list[Period | None]:
    """The month, quarter and year the "organisations with a missed rule" figures are about: the ones chosen,
    else the latest of the year whose grace window has closed (the year itself in any case)."""
    chosen = filters.specific_period
    references: list[Period | None] = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        if chosen is not None and chosen.kind == kind:
            references.append(chosen)
        elif chosen is not None and chosen.kind == PeriodKind.MONTH and kind == PeriodKind.QUARTER:
            references.append(period_containing(kind, chosen.start))
        else:
            closed = [p for p in periods_of_year(kind, filters.year) if is_closed(p.end, today)]
            references.append(closed[-1] if closed else None)
    references.append(period_containing(PeriodKind.YEAR, datetime.date(filters.year, 1, 1)))
    return references


def _child_prefix(node: Organization) -> Substr:
    """The path of the node's child an organisation lies under (the node's own path for the node itself)."""
    return Substr("organization__path", 1, len(node.path) + Organization.STEP)


def _figures_by_prefix(node: Organization, *, year: int, today: datetime.date) -> dict[str, Figures]:
    """Member flags (M1), study-task completion and plans not filed, per child of the node. Three queries, each
    one aggregate grouped by the child's path prefix, whatever the size of the subtree."""
    figures: dict[str, Figures] = defaultdict(Figures)
    length = len(node.path) + Organization.STEP
    for prefix, flagged, warned in (
        MemberFlag.objects.filter(organization__path__startswith=node.path)
        .values(prefix=_child_prefix(node))
        .annotate(
            flagged=Count("pk", filter=Q(level=FlagLevel.FLAG_6)),
            warned=Count("pk", filter=Q(level__in=[FlagLevel.WARN_3, FlagLevel.WARN_5])),
        )
        .values_list("prefix", "flagged", "warned")
        .order_by()
    ):
        figures[prefix].flagged, figures[prefix].warned = flagged, warned
    # A plan counts as filed once a revision of the year's plan was filed (as on the plan-filing page). The filed
    # revisions are joined to the branches (LEFT JOIN … ON the year and status): one set-based join, not an
    # EXISTS per branch.
    filed = Q(study_plans__year=year, study_plans__is_template=False, study_plans__status=PlanStatus.FILED)
    for prefix, branches, with_filed_plan in (
        Organization.objects.filter(path__startswith=node.path, kind=OrganizationKind.BRANCH)
        .annotate(filed_plan=FilteredRelation("study_plans", condition=filed))
        .values(prefix=Substr("path", 1, length))
        .annotate(branches=Count("pk", distinct=True), filed=Count("filed_plan__organization", distinct=True))
        .values_list("prefix", "branches", "filed")
        .order_by()
    ):
        figures[prefix].branches, figures[prefix].plans_not_filed = branches, branches - with_filed_plan
    return figures


def rollups_version() -> str:
    """The roll-ups' current version (a new one when the cache has none: nothing cached before is read)."""
    version = cache.get(ROLLUPS_VERSION_KEY)
    if version is None:
        cache.add(ROLLUPS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(ROLLUPS_VERSION_KEY) or ""
    return version


def rollup_sums_cache_key(
    node_ids: list[int], *, filters: Filters, today: datetime.date, star_keys: list[str], version: str
) -> str:
    """Where the sums of these nodes' roll-ups for these filters on this day are cached under the version."""
    what = repr((node_ids, filters.year, filters.period, filters.rule, star_keys, today.isoformat()))
    return f"reviews:rollup-sums:{version}:{hashlib.sha256(what.encode()).hexdigest()}"


def _rollup_sums(
    node_ids: list[int], *, filters: Filters, today: datetime.date, star_keys: list[str]
) -> list[tuple[int, str, int, bool, str, int, int]]:
    """`_rollup_sums_read`, from the cache while no roll-up has changed (one cache read, no query), else read and
    cached."""
    key = rollup_sums_cache_key(node_ids, filters=filters, today=today, star_keys=star_keys, version=rollups_version())
    sums = cache.get(key)
    if sums is None:
        sums = _rollup_sums_read(node_ids, filters=filters, today=today, star_keys=star_keys)
        cache.set(key, sums, ROLLUP_SUMS_TIMEOUT)
    return sums


def _rollup_sums_read(
    node_ids: list[int], *, filters: Filters, today: datetime.date, star_keys: list[str]
) -> list[tuple[int, str, int, bool, str, int, int]]:
    """The roll-up rows of the nodes summed in the database (one query), as (node, star key, month, closed,
    row kind, applicable, met): the per-rule rows the filters select per month of their period end and grace
    window closed or not (row kind ""); the "*" rows of the reference periods only (row kind "*", star key the
    period); the year's study row (row kind "study"). A district's 239 children give about 240 × 12 rows, not
    the 8,640 stored ones."""
    year = filters.year
    cutoff = today - datetime.timedelta(days=GRACE_DAYS_DEFAULT)  # is_closed(end, today) ⇔ end < cutoff
    per_rule = ~Q(rule_code__in=[ALL_RULES, STUDY]) & _rule_q(filters) & Q(period_end__year=year)
    return list(
        ComplianceRollup.objects.filter(node_id__in=node_ids)
        .filter(_year_q(year))
        .filter(Q(rule_code=ALL_RULES, period_key__in=star_keys) | Q(rule_code=STUDY, period_key=str(year)) | per_rule)
        .annotate(
            row_kind=Case(
                When(rule_code=ALL_RULES, then=Value(ALL_RULES)),
                When(rule_code=STUDY, then=Value(STUDY)),
                default=Value(""),
                output_field=CharField(),
            ),
            star_key=Case(When(rule_code=ALL_RULES, then=F("period_key")), default=Value(""), output_field=CharField()),
            month=Case(
                When(rule_code__in=[ALL_RULES, STUDY], then=Value(0)),
                default=ExtractMonth("period_end"),
                output_field=IntegerField(),
            ),
            closed=Case(
                When(period_end__lt=cutoff, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .values("node_id", "star_key", "month", "closed", "row_kind")
        .annotate(applicable_sum=Sum("applicable"), met_sum=Sum("met"))
        .values_list("node_id", "star_key", "month", "closed", "row_kind", "applicable_sum", "met_sum")
        .order_by()
    )


def dashboard(
    *, organization: Organization, filters: Filters, today: datetime.date, rules: list[RuleChoice] | None = None
) -> Dashboard:
    """The dashboard of a node for the filters. Queries: the children, the roll-ups of the node and its children
    (aggregated in the database), the node's own results (its rule × period grid), three headline aggregates and
    the rule list (unless given): seven, whatever the size of the subtree."""
    year = filters.year
    children_qs = Organization.objects.filter(parent=organization).order_by("path")
    if filters.category and not organization.is_branch:
        children_qs = children_qs.filter(category=filters.category)
    children = [] if organization.is_branch else list(children_qs)
    by_category = bool(filters.category) and not organization.is_branch
    node_ids = [organization.pk, *(child.pk for child in children)]

    references = _reference_periods(filters, today)
    months: dict[int, list[Tally]] = {node_id: [Tally() for _m in MONTHS] for node_id in node_ids}
    stars: dict[tuple[int, str], tuple[int, int]] = {}
    study: dict[int, tuple[int, int]] = {}  # node → (tasks due so far, done)
    node_has_rows = False
    for node_id, star_key, month, closed, row_kind, applicable, met in _rollup_sums(
        node_ids, filters=filters, today=today, star_keys=[p.key for p in references if p is not None]
    ):
        if row_kind == STUDY:
            study[node_id] = (applicable, met)
            continue
        if node_id == organization.pk:
            node_has_rows = True
        if row_kind == ALL_RULES:
            stars[(node_id, star_key)] = (applicable, met)
            continue
        months[node_id][month - 1].add(applicable=applicable, met=met, closed=closed)

    by_prefix = _figures_by_prefix(organization, year=year, today=today)
    for node in children or [organization]:
        due, done = study.get(node.pk, (0, 0))
        figures = by_prefix.setdefault(node.path, Figures())
        figures.tasks_done, figures.tasks_open = done, due - done
    child_rows = []
    for child in children:
        total = Tally()
        for tally in months[child.pk]:
            total.merge(tally)
        child_rows.append(ChildRow(child, total, months[child.pk], by_prefix.get(child.path, Figures())))
    child_rows.sort(
        key=lambda row: (
            -row.total.missed,
            row.total.rate if row.total.rate is not None else 101,
            row.organization.path,
        )
    )

    # The node's figures: its own roll-ups, or with a category filter the sum over the children shown.
    summed_ids = [child.pk for child in children] if by_category else [organization.pk]
    node_months = [Tally() for _m in MONTHS]
    for node_id in summed_ids:
        for i, tally in enumerate(months[node_id]):
            node_months[i].merge(tally)
    total = Tally()
    for tally in node_months:
        total.merge(tally)
    figures = Figures()
    if organization.is_branch:
        figures = by_prefix.get(organization.path, Figures())
    else:
        shown = {child.path for child in children}
        for prefix, child_figures in by_prefix.items():
            if not by_category or prefix in shown:
                figures.merge(child_figures)

    missed_organizations = []
    for kind, period in zip((PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR), references, strict=True):
        entry = MissedOrganizations(kind, period)
        if period is not None:
            entry.closed = is_closed(period.end, today)
            for node_id in summed_ids:
                applicable, met = stars.get((node_id, period.key), (0, 0))
                entry.total += applicable
                entry.missed += applicable - met
        missed_organizations.append(entry)

    own = ComplianceResult.objects.filter(organization=organization).filter(_year_q(year))
    if filters.rule:
        own = own.filter(rule_code=filters.rule)
    keys = filters.period_keys()
    if keys is not None:
        own = own.filter(period_key__in=sorted(keys))
    own_results = [
        result
        for result in own.select_related("rule", "group").order_by("rule_code", "subject", "period_start")
        if not filters.period_kind or period_from_key(result.period_key).kind == filters.period_kind
    ]
    return Dashboard(
        organization=organization,
        filters=filters,
        today=today,
        has_data=node_has_rows or bool(own_results),
        total=total,
        months=node_months,
        missed_organizations=missed_organizations,
        figures=figures,
        children=child_rows,
        grid=_grid(own_results, year=year, today=today),
        rules=rule_choices() if rules is None else rules,
    )


def category_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in OrganizationCategory.choices]
