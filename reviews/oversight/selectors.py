"""Reads of 督导检查 and the problem ledger, each page in a fixed number of queries whatever the subtree's size.

The subtree ledger adds the problems up per state, per source and per child in grouped queries; the overdue and
waiting lists are capped. A branch's checklist reads the rules in force over the inspected period and the branch's
stored compliance results for it (reviews.models.ComplianceResult): the portal's own evidence, met and missed
periods with their meetings, never typed again by the inspectors.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, User
from reviews.compliance.rules import GRACE_DAYS_DEFAULT, Scope
from reviews.evaluations.models import EvaluationProblem
from reviews.models import ComplianceResult, Rule
from reviews.oversight import sampling
from reviews.oversight.models import (
    FindingResult,
    Inspection,
    InspectionBranch,
    InspectionFinding,
    InspectionKind,
    InspectionStatus,
    Interview,
    Problem,
    ProblemEvidence,
    ProblemRollup,
    ProblemSource,
    ProblemState,
)
from reviews.oversight.permissions import (
    inspection_branches_visible_to,
    inspections_visible_to,
    interviews_visible_to,
    problems_visible_to,
)
from reviews.oversight.rollups import Figures

SOURCE = _(
    "依据：《实施方案》三“各级党委（党组）要形成逐级督导体系，采取巡回检查、专项督查、随机抽查、情况通报、重点约谈等"
    "多种形式……进行督促指导”；二“把查找解决问题作为‘两学一做’学习教育的规定要求，建立完善及时发现和解决问题的有效机制”。"
)
LIST_CAP = 50
OPEN_STATES = (ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.SUBMITTED, ProblemState.RETURNED)
BRANCH_SCOPES = (Scope.BRANCH, Scope.BRANCH_WITH_COMMITTEE, Scope.BRANCH_WITHOUT_GROUPS, Scope.GROUP)


def problem_get(*, user: User, pk: int) -> Problem:
    return (
        problems_visible_to(user)
        .select_related("organization__parent", "member", "finding__inspection_branch__inspection", "created_by")
        .get(pk=pk)
    )


def problem_transitions(*, problem: Problem) -> list:
    return list(problem.transitions.select_related("by"))


def _mark_overdue(problems: list[Problem], today: datetime.date) -> list[Problem]:
    for problem in problems:
        problem.overdue = problem.is_overdue_on(today)  # type: ignore[attr-defined]
    return problems


@dataclass
class BranchLedger:
    problems: list[Problem]
    evaluation_problems: list[EvaluationProblem]
    inspections: Sequence[InspectionBranch]
    open_count: int = 0
    overdue_count: int = 0
    interviews: list[Interview] = field(default_factory=list)


def branch_ledger(*, organization: Organization, today: datetime.date) -> BranchLedger:
    """The organisation's own ledger (5 queries): its problems, the problems its 民主评议 found (shown as they
    are, source 民主评议), the closed inspections with their findings about it, and its 重点约谈 with their
    problems."""
    problems = _mark_overdue(
        list(Problem.objects.filter(organization=organization).select_related("member").order_by("deadline", "pk")),
        today,
    )
    evaluation_problems = list(
        EvaluationProblem.objects.filter(campaign__organization=organization)
        .select_related("campaign", "member")
        .order_by("-campaign__year", "deadline", "pk")
    )
    inspections = list(
        InspectionBranch.objects.filter(branch=organization, inspection__status=InspectionStatus.CLOSED)
        .select_related("inspection__organization")
        .annotate(problem_findings=Count("findings", filter=Q(findings__result=FindingResult.PROBLEM)))
        .order_by("-inspection__period_end", "-pk")
    )
    return BranchLedger(
        problems=problems,
        evaluation_problems=evaluation_problems,
        inspections=inspections,
        interviews=_interviews(Interview.objects.filter(organization=organization)),
        open_count=sum(1 for p in problems if p.state != ProblemState.CLOSED),
        overdue_count=sum(1 for p in problems if p.is_overdue_on(today)),
    )


@dataclass
class ChildRow:
    organization: Organization
    total: int = 0
    open: int = 0
    overdue: int = 0
    submitted: int = 0
    closed: int = 0


@dataclass
class SubtreeLedger:
    by_state: list[tuple[str, Any, int]]
    by_source: list[tuple[str, Any, int]]
    children: list[ChildRow]
    own: ChildRow
    overdue: list[Problem]
    waiting: list[Problem]
    total: int = 0
    overdue_total: int = 0
    interviews: list[Interview] = field(default_factory=list)


def subtree_ledger(*, node: Organization, today: datetime.date) -> SubtreeLedger:
    """The subtree's ledger for its officers in 8 queries: counts by state and by source, per child, the overdue
    list, the rectifications waiting for verification and the latest 重点约谈 with their problems (capped)."""
    base = Problem.objects.filter(organization__path__startswith=node.path)
    states = dict(base.values_list("state").annotate(n=Count("pk")).order_by())
    sources = dict(base.values_list("source").annotate(n=Count("pk")).order_by())
    not_closed = ~Q(state=ProblemState.CLOSED)
    per_child: dict[str, dict[str, Any]] = {
        row["child"]: dict(row)
        for row in base.annotate(child=Substr("organization__path", 1, len(node.path) + Organization.STEP))
        .values("child")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=not_closed),
            overdue=Count("pk", filter=not_closed & Q(deadline__lt=today)),
            submitted=Count("pk", filter=Q(state=ProblemState.SUBMITTED)),
            closed=Count("pk", filter=Q(state=ProblemState.CLOSED)),
        )
        .order_by()
    }

    def row_for(organization: Organization, key: str) -> ChildRow:
        counts: dict[str, Any] = per_child.get(key, {})
        return ChildRow(
            organization=organization,
            total=counts.get("total", 0),
            open=counts.get("open", 0),
            overdue=counts.get("overdue", 0),
            submitted=counts.get("submitted", 0),
            closed=counts.get("closed", 0),
        )

    children = [row_for(child, child.path) for child in Organization.objects.filter(parent=node).order_by("path")]
    overdue_qs = base.filter(not_closed, deadline__lt=today).select_related("organization", "member")
    overdue = list(overdue_qs.order_by("deadline", "pk")[:LIST_CAP])
    waiting = list(
        base.filter(state=ProblemState.SUBMITTED)
        .select_related("organization")
        .order_by("submitted_at", "pk")[:LIST_CAP]
    )
    for problem in overdue:
        problem.overdue = True  # type: ignore[attr-defined]
    for problem in waiting:
        problem.overdue = problem.is_overdue_on(today)  # type: ignore[attr-defined]
    return SubtreeLedger(
        by_state=[(value, label, states.get(value, 0)) for value, label in ProblemState.choices],
        by_source=[(value, label, sources.get(value, 0)) for value, label in ProblemSource.choices],
        children=children,
        own=row_for(node, node.path),
        overdue=overdue,
        waiting=waiting,
        interviews=_interviews(Interview.objects.filter(organization__path__startswith=node.path)[:LIST_CAP]),
        total=sum(states.values()),
        overdue_total=sum(row.overdue for row in children) + per_child.get(node.path, {}).get("overdue", 0),
    )


def my_problems(*, user: User, today: datetime.date) -> list[Problem]:
    """Personal problems about the user's own member record (1 query)."""
    return _mark_overdue(
        list(
            Problem.objects.filter(member__user_id=user.pk)
            .select_related("organization", "member")
            .order_by("deadline", "pk")
        ),
        today,
    )


# Inspections ----------------------------------------------------------------------------------------------------


def inspection_list(*, organization: Organization) -> QuerySet[Inspection]:
    """The inspections run by the organisation or inside its subtree, with their counts (1 query)."""
    return (
        Inspection.objects.filter(organization__path__startswith=organization.path)
        .select_related("organization")
        .annotate(
            branch_count=Count("branches", distinct=True),
            problem_count=Count(
                "branches__findings", filter=Q(branches__findings__result=FindingResult.PROBLEM), distinct=True
            ),
        )
        .order_by("-period_end", "-pk")
    )


def inspection_get(*, user: User, pk: int) -> Inspection:
    return inspections_visible_to(user).select_related("organization", "created_by").get(pk=pk)


@dataclass
class DrawInfo:
    seed: int
    candidate_count: int
    sample_size: int
    stratified: bool
    exclude_months: int | None
    reproduced: bool


@dataclass
class InspectionPage:
    branches: Sequence[InspectionBranch]
    draw: DrawInfo | None = None


def inspection_page(*, inspection: Inspection) -> InspectionPage:
    """The branches inspected with their finding counts, and for a 随机抽查 the draw checked again (1 query)."""
    branches = list(
        inspection.branches.select_related("branch")
        .annotate(
            passed=Count("findings", filter=Q(findings__result=FindingResult.PASSED)),
            problems=Count("findings", filter=Q(findings__result=FindingResult.PROBLEM)),
        )
        .order_by("branch__path")
    )
    draw = None
    if inspection.kind == InspectionKind.RANDOM and inspection.seed is not None:
        again = sampling.draw(
            inspection.candidates, inspection.sample_size or 0, inspection.seed, stratified=inspection.stratified
        )
        draw = DrawInfo(
            seed=inspection.seed,
            candidate_count=len(inspection.candidates),
            sample_size=inspection.sample_size or 0,
            stratified=inspection.stratified,
            exclude_months=inspection.exclude_months,
            reproduced=again == sorted(row.branch_id for row in branches),
        )
    return InspectionPage(branches=branches, draw=draw)


def inspection_branch_get(*, user: User, pk: int) -> InspectionBranch:
    return inspection_branches_visible_to(user).select_related("inspection__organization", "branch__parent").get(pk=pk)


@dataclass
class Evidence:
    met: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    meeting_count: int = 0


@dataclass
class ChecklistItem:
    key: str
    title: str
    source: str
    evidence: Evidence | None
    finding: InspectionFinding | None

    @property
    def problem(self) -> Problem | None:
        return getattr(self.finding, "problem", None) if self.finding else None


def checklist(*, inspection_branch: InspectionBranch, today: datetime.date) -> list[ChecklistItem]:
    """The branch's checklist in 3 queries: the rules in force for branches over the period (the latest version
    of each code), each with the branch's stored results in the period, then the inspection's free items; each
    item with its finding (and the problem it became)."""
    inspection = inspection_branch.inspection
    branch = inspection_branch.branch
    rules = (
        Rule.objects.filter(
            rule_set__is_active=True,
            scope__in=BRANCH_SCOPES,
            effective_from__lte=inspection.period_end,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=inspection.period_start))
        .filter(Q(rule_set__organization__isnull=True) | Q(rule_set__organization_id__in=branch.ancestor_ids))
        .order_by("code", "effective_from")
    )
    latest: dict[str, Rule] = {}
    for rule in rules:
        latest[rule.code] = rule
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    cutoff = today - datetime.timedelta(days=GRACE_DAYS_DEFAULT)
    results = ComplianceResult.objects.filter(
        organization=branch,
        period_start__gte=inspection.period_start,
        period_start__lte=inspection.period_end,
    ).order_by("rule_code", "period_key", "subject")
    for result in results.values_list("rule_code", "period_key", "is_met", "period_end", "meeting_ids"):
        code, period_key, is_met, period_end, meeting_ids = result
        bucket = evidence[code]
        bucket.meeting_count += len(meeting_ids or [])
        if is_met:
            bucket.met.append(period_key)
        elif period_end < cutoff:
            bucket.missed.append(period_key)
        else:
            bucket.pending.append(period_key)
    findings = {
        finding.item_key: finding
        for finding in InspectionFinding.objects.filter(inspection_branch=inspection_branch).select_related("problem")
    }
    items = [
        ChecklistItem(
            key=f"rule:{code}",
            title=f"{code} {rule.title}",
            source=rule.source,
            evidence=evidence.get(code, Evidence()),
            finding=findings.get(f"rule:{code}"),
        )
        for code, rule in sorted(latest.items())
    ]
    for index, text in enumerate(inspection.free_items):
        key = f"item:{index + 1}"
        items.append(ChecklistItem(key=key, title=text, source="", evidence=None, finding=findings.get(key)))
    return items


# The 整改 figures of the compliance dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class RectificationFigures:
    """The problem roll-ups of a dashboard's node and of each of its children (zero where there is no row)."""

    node: Figures
    by_child: dict[int, Figures]
    as_of: datetime.date | None

    def of(self, organization_id: int) -> Figures:
        return self.by_child.get(organization_id, Figures())


def rectification_figures(*, node: Organization, child_ids: Sequence[int]) -> RectificationFigures:
    """Problems open, overdue and closed this year for the node and its children, from the roll-ups: one query,
    whatever the size of the subtree (no problem row is counted)."""
    rows = ProblemRollup.objects.filter(node_id__in=[node.pk, *child_ids]).values_list(
        "node_id", "as_of", "open", "overdue", "closed_this_year"
    )
    figures: dict[int, Figures] = {}
    as_of = None
    for node_id, day, open_, overdue, closed in rows:
        figures[node_id] = Figures(open_, overdue, closed)
        as_of = max(as_of or day, day)
    own = figures.pop(node.pk, Figures())
    return RectificationFigures(node=own, by_child=figures, as_of=as_of)


# Evidence files ------------------------------------------------------------------------------------------------


def problem_evidence(*, problem: Problem) -> list[ProblemEvidence]:
    """The files of the problem's rectification and of the finding it came from (one query)."""
    q = Q(problem=problem)
    if problem.finding_id:
        q |= Q(finding_id=problem.finding_id)
    return list(ProblemEvidence.objects.filter(q).order_by("uploaded_at", "pk"))


def findings_evidence(*, inspection_branch: InspectionBranch) -> dict[int, list[ProblemEvidence]]:
    """The evidence files of a branch's findings, per finding (one query)."""
    files: dict[int, list[ProblemEvidence]] = defaultdict(list)
    for row in ProblemEvidence.objects.filter(finding__inspection_branch=inspection_branch).order_by("pk"):
        files[row.finding_id or 0].append(row)
    return files


# 重点约谈 ---------------------------------------------------------------------------------------------------------


def _interviews(queryset: QuerySet[Interview]) -> list[Interview]:
    """Interviews with their organisations, interviewee and problems: two queries."""
    return list(
        queryset.select_related("organization", "committee", "interviewee").prefetch_related(
            Prefetch("problems", queryset=Problem.objects.order_by("deadline", "pk"))
        )
    )


def interview_get(*, user: User, pk: int) -> Interview:
    """One 重点约谈 in the user's reach (raises DoesNotExist outside it), with its problems. Two queries."""
    return (
        interviews_visible_to(user)
        .select_related("organization__parent", "committee", "interviewee", "recorded_by")
        .prefetch_related(Prefetch("problems", queryset=Problem.objects.order_by("deadline", "pk")))
        .get(pk=pk)
    )
