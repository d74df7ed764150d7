"""The dashboard's selector as it was before the children were paged and the roll-ups aggregated in the
database: kept for the test that compares the figures of the old and the new reading on a seeded subtree."""

from __future__ import annotations

import datetime

from django.db.models import Case, CharField, Q, Sum, Value, When

from branches.models import Organization
from reviews.compliance.dashboard import (
    ALL_RULES,
    MONTHS,
    STUDY,
    ChildRow,
    Dashboard,
    Figures,
    Filters,
    MissedOrganizations,
    RuleChoice,
    Tally,
    _figures_by_prefix,
    _grid,
    _reference_periods,
    _rule_q,
    _year_q,
    is_closed,
    period_from_key,
    rule_choices,
)
from reviews.compliance.rules import PeriodKind
from reviews.models import ComplianceResult, ComplianceRollup


def dashboard_before(
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

    rows = (
        ComplianceRollup.objects.filter(node_id__in=node_ids)
        .filter(_year_q(year))
        .filter(
            Q(rule_code=ALL_RULES)
            | Q(rule_code=STUDY, period_key=str(year))
            | (~Q(rule_code__in=[ALL_RULES, STUDY]) & _rule_q(filters))
        )
        .annotate(
            row_kind=Case(
                When(rule_code=ALL_RULES, then=Value(ALL_RULES)),
                When(rule_code=STUDY, then=Value(STUDY)),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values("node_id", "period_key", "period_end", "row_kind")
        .annotate(applicable_sum=Sum("applicable"), met_sum=Sum("met"))
        .values_list("node_id", "period_key", "period_end", "row_kind", "applicable_sum", "met_sum")
        .order_by()
    )
    months: dict[int, list[Tally]] = {node_id: [Tally() for _m in MONTHS] for node_id in node_ids}
    stars: dict[tuple[int, str], tuple[int, int]] = {}
    study: dict[int, tuple[int, int]] = {}  # node → (tasks due so far, done)
    node_has_rows = False
    for node_id, period_key, period_end, row_kind, applicable, met in rows:
        if row_kind == STUDY:
            study[node_id] = (applicable, met)
            continue
        if node_id == organization.pk:
            node_has_rows = True
        if row_kind == ALL_RULES:
            stars[(node_id, period_key)] = (applicable, met)
            continue
        if period_end.year != year:
            continue
        months[node_id][period_end.month - 1].add(applicable=applicable, met=met, closed=is_closed(period_end, today))

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
    for kind, period in zip(
        (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR), _reference_periods(filters, today), strict=True
    ):
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
