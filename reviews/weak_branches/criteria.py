"""Reading the portal's records against the criteria for 软弱涣散党支部, for a chunk of branches at once.

`branch_weak_reasons` answers, for a list of branch ids and a day, which branches meet which criteria in force
on that day, in seven queries whatever the chunk's size (criteria, branches, secretaries, the audit log's
secretary revocations, compliance roll-ups, overdue problems, inspection findings). Each reason is a small
JSON-able dict (its code and the figures behind it); `reason_text` words it in the page's language.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Organization, OrganizationKind, Role, RoleKind
from portal.audit.models import AuditAction, AuditEvent
from reviews.compliance.dashboard import is_closed, period_keys_within
from reviews.compliance.rules import Period, PeriodKind, period_containing
from reviews.models import ComplianceRollup
from reviews.oversight.models import FindingResult, InspectionFinding, InspectionStatus, Problem, ProblemState
from reviews.weak_branches.models import CriterionCode, WeakCriterion

Reason = dict[str, Any]
NOT_RULES = ("*", "study")  # roll-up rows that count organisations or study tasks, not rule-periods


def criteria_in_force(*, day: datetime.date) -> dict[str, WeakCriterion]:
    """The active criteria in force on the day, by code (one query)."""
    found: dict[str, WeakCriterion] = {}
    for criterion in WeakCriterion.objects.filter(is_active=True, effective_from__lte=day).order_by("effective_from"):
        if criterion.in_force_on(day):
            found[criterion.code] = criterion
    return found


def closed_quarters(*, today: datetime.date, count: int) -> list[Period]:
    """The last `count` quarters whose grace window has closed on `today`, oldest first."""
    quarter = period_containing(PeriodKind.QUARTER, today)
    found: list[Period] = []
    while len(found) < count:
        if is_closed(quarter.end, today):
            found.append(quarter)
        quarter = period_containing(PeriodKind.QUARTER, quarter.start - datetime.timedelta(days=1))
    return list(reversed(found))


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, min(day.day, 28))


def _vacant_since(branch_ids: list[int], created: dict[int, datetime.date]) -> dict[int, datetime.date]:
    """Since when each branch without a 书记 has been without one.

    "Vacant since" is read from the audit log: the latest ROLE_REVOKED event of a 书记 role on the branch
    (branches.services.role_revoke writes one, with the role's kind in `detail`; the log keeps at least 180 days,
    AUDIT_RETENTION_DAYS). Where the log has no such event (the secretary left before the retention window, or
    the branch never had one in the portal), the branch has been without a secretary for as long as the portal
    has known it: since the branch row was created. Two queries.
    """
    with_secretary = set(
        Role.objects.filter(organization_id__in=branch_ids, kind=RoleKind.SECRETARY).values_list(
            "organization_id", flat=True
        )
    )
    vacant = [pk for pk in branch_ids if pk not in with_secretary]
    revoked = dict(
        AuditEvent.objects.filter(
            organization_id__in=vacant, action=AuditAction.ROLE_REVOKED, detail__kind=RoleKind.SECRETARY
        )
        .values("organization_id")
        .annotate(last=Max("created_at"))
        .values_list("organization_id", "last")
        .order_by()
    )
    since: dict[int, datetime.date] = {}
    for pk in vacant:
        at = revoked.get(pk)
        since[pk] = timezone.localdate(at) if at is not None else created[pk]
    return since


def _quarter_rates(branch_ids: list[int], quarters: list[Period]) -> dict[int, list[int | None]]:
    """Each branch's share of rule-periods met (percent) in each quarter: the quarter's own rule-periods and its
    months', read from the branch's roll-ups. One query."""
    key_quarter: dict[str, int] = {}
    for index, quarter in enumerate(quarters):
        for key in period_keys_within(quarter):
            key_quarter[key] = index
    sums: dict[int, list[list[int]]] = defaultdict(lambda: [[0, 0] for _quarter in quarters])
    rows = (
        ComplianceRollup.objects.filter(node_id__in=branch_ids, period_key__in=sorted(key_quarter))
        .exclude(rule_code__in=NOT_RULES)
        .values("node_id", "period_key")
        .annotate(applicable_sum=Sum("applicable"), met_sum=Sum("met"))
        .values_list("node_id", "period_key", "applicable_sum", "met_sum")
        .order_by()
    )
    for node_id, key, applicable, met in rows:
        cell = sums[node_id][key_quarter[key]]
        cell[0] += applicable or 0
        cell[1] += met or 0
    return {
        pk: [round(100 * met / applicable) if applicable > 0 else None for applicable, met in cells]
        for pk, cells in sums.items()
    }


def branch_weak_reasons(*, branch_ids: list[int], today: datetime.date) -> dict[int, list[Reason]]:
    """The branches among `branch_ids` (not already flagged weak) that meet a criterion in force today, with
    their reasons. At most seven queries, whatever the number of branches."""
    criteria = criteria_in_force(day=today)
    branches = list(
        Organization.objects.filter(pk__in=branch_ids, kind=OrganizationKind.BRANCH, is_weak=False).only(
            "pk", "term_ends_on", "created_at"
        )
    )
    ids = [branch.pk for branch in branches]
    reasons: dict[int, list[Reason]] = defaultdict(list)
    if not ids or not criteria:
        return {}

    criterion = criteria.get(CriterionCode.SECRETARY_VACANT)
    if criterion is not None:
        limit = _months_before(today, criterion.threshold)
        created = {branch.pk: timezone.localdate(branch.created_at) for branch in branches}
        for pk, since in _vacant_since(ids, created).items():
            if since < limit:
                reasons[pk].append({"code": criterion.code, "since": since.isoformat(), "months": criterion.threshold})

    criterion = criteria.get(CriterionCode.TERM_OVERDUE)
    if criterion is not None:
        for branch in branches:
            if branch.term_ends_on is not None and (today - branch.term_ends_on).days >= criterion.threshold:
                reasons[branch.pk].append({"code": criterion.code, "ended": branch.term_ends_on.isoformat()})

    criterion = criteria.get(CriterionCode.LOW_COMPLIANCE)
    if criterion is not None:
        quarters = closed_quarters(today=today, count=criterion.quarters)
        for pk, rates in _quarter_rates(ids, quarters).items():
            if all(rate is not None and rate < criterion.threshold for rate in rates):
                reasons[pk].append(
                    {
                        "code": criterion.code,
                        "threshold": criterion.threshold,
                        "quarters": [quarter.key for quarter in quarters],
                        "rates": rates,
                    }
                )

    criterion = criteria.get(CriterionCode.PROBLEMS_OVERDUE)
    if criterion is not None:
        overdue = (
            Problem.objects.filter(organization_id__in=ids, deadline__lt=today)
            .exclude(state=ProblemState.CLOSED)
            .values("organization_id")
            .annotate(n=Count("pk"))
            .values_list("organization_id", "n")
            .order_by()
        )
        for pk, count in overdue:
            if count >= criterion.threshold:
                reasons[pk].append({"code": criterion.code, "count": count})

    criterion = criteria.get(CriterionCode.INSPECTION_PROBLEM)
    if criterion is not None:
        found = (
            InspectionFinding.objects.filter(
                inspection_branch__branch_id__in=ids,
                result=FindingResult.PROBLEM,
                inspection_branch__inspection__status=InspectionStatus.CLOSED,
                inspection_branch__inspection__period_end__gte=_months_before(today, criterion.threshold),
            )
            .values("inspection_branch__branch_id")
            .annotate(n=Count("pk"))
            .values_list("inspection_branch__branch_id", "n")
            .order_by()
        )
        for pk, count in found:
            reasons[pk].append({"code": criterion.code, "count": count, "months": criterion.threshold})
    return dict(reasons)


def reason_text(reason: Reason) -> str:
    """One reason in the page's language."""
    code = reason.get("code")
    if code == CriterionCode.SECRETARY_VACANT:
        return _("书记空缺已超过%(months)s个月（自%(since)s起）") % reason
    if code == CriterionCode.TERM_OVERDUE:
        return _("委员会任期已于%(ended)s届满，尚未换届") % reason
    if code == CriterionCode.LOW_COMPLIANCE:
        rates = "、".join(
            f"{key} {rate}%" for key, rate in zip(reason.get("quarters", []), reason.get("rates", []), strict=False)
        )
        return _("规定动作完成率连续低于%(threshold)s%%：%(rates)s") % {
            "threshold": reason["threshold"],
            "rates": rates,
        }
    if code == CriterionCode.PROBLEMS_OVERDUE:
        return _("问题清单中有%(count)s个问题逾期未整改") % reason
    if code == CriterionCode.INSPECTION_PROBLEM:
        return _("近%(months)s个月督导检查发现问题%(count)s项") % reason
    return str(code)
