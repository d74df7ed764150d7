"""Reads of 软弱涣散党支部, each page in a fixed number of queries whatever the subtree's size.

The officers' page of a subtree reads the suggestions waiting for a decision (capped list and a count), the
branches flagged weak with their open plan's progress (measures done out of all, latest update: one annotated
query), and the plans lifted this year. A plan's page reads the plan, its measures and its updates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, OrganizationKind, Role, User
from reviews.weak_branches.criteria import reason_text
from reviews.weak_branches.models import (
    PlanState,
    RectificationMeasure,
    RectificationPlan,
    RectificationUpdate,
    SuggestionState,
    WeakSuggestion,
)
from reviews.weak_branches.permissions import rectification_plans_visible_to, weak_suggestions_visible_to

SOURCE = _(
    "依据：《实施方案》二.4“开展党支部‘星级评定’工作……持续整顿软弱涣散党支部”；"
    "“着力解决党支部政治功能不强、组织软弱涣散、从严治党缺位等问题”。"
)
LIST_CAP = 100


def weak_suggestion_get(*, user: User, pk: int) -> WeakSuggestion:
    return weak_suggestions_visible_to(user).select_related("branch__parent").get(pk=pk)


def rectification_plan_get(*, user: User, pk: int) -> RectificationPlan:
    return (
        rectification_plans_visible_to(user)
        .select_related("branch__parent", "responsible", "created_by", "lifted_by")
        .get(pk=pk)
    )


def _with_reasons(suggestions: list[WeakSuggestion]) -> list[WeakSuggestion]:
    for suggestion in suggestions:
        suggestion.reason_texts = [reason_text(r) for r in suggestion.reasons]  # type: ignore[attr-defined]  # shown by the page
    return suggestions


@dataclass
class WeakBranchRow:
    branch: Organization
    days_weak: int
    plan: RectificationPlan | None
    measures_total: int = 0
    measures_done: int = 0
    measures_overdue: int = 0
    last_update_at: datetime.datetime | None = None


@dataclass
class WeakOverview:
    suggestions: list[WeakSuggestion]
    suggestions_total: int
    weak: list[WeakBranchRow]
    lifted: list[RectificationPlan]
    branches_total: int
    decided: list[WeakSuggestion] = field(default_factory=list)


def weak_overview(*, node: Organization, today: datetime.date) -> WeakOverview:
    """The officers' page of a subtree (six queries): waiting suggestions (capped) and their count, the weak
    branches with their open plan's progress, the suggestions decided this month, the plans lifted this year,
    and the number of branches."""
    in_subtree = Q(branch__path__startswith=node.path)
    waiting = WeakSuggestion.objects.filter(in_subtree, state=SuggestionState.SUGGESTED)
    suggestions = _with_reasons(
        list(waiting.select_related("branch__parent").order_by("-month", "branch__path")[:LIST_CAP])
    )
    suggestions_total = waiting.count()
    decided = _with_reasons(
        list(
            WeakSuggestion.objects.filter(in_subtree, month=today.replace(day=1))
            .exclude(state=SuggestionState.SUGGESTED)
            .select_related("branch", "decided_by")
            .order_by("branch__path")[:LIST_CAP]
        )
    )
    open_plans = RectificationPlan.objects.filter(branch=OuterRef("pk"), state=PlanState.RECTIFYING)
    branches = list(
        Organization.objects.filter(path__startswith=node.path, kind=OrganizationKind.BRANCH, is_weak=True)
        .select_related("parent")
        .annotate(plan_id=Subquery(open_plans.values("pk")[:1]))
        .order_by("weak_since", "path")[:LIST_CAP]
    )
    plans = {
        plan.pk: plan
        for plan in RectificationPlan.objects.filter(pk__in=[b.plan_id for b in branches if b.plan_id])
        .select_related("responsible")
        .annotate(
            measures_total=Count("measures", distinct=True),
            measures_done=Count("measures", filter=Q(measures__done_on__isnull=False), distinct=True),
            measures_overdue=Count(
                "measures", filter=Q(measures__done_on__isnull=True, measures__due_on__lt=today), distinct=True
            ),
            last_update_at=Max("updates__at"),
        )
    }
    weak = []
    for branch in branches:
        plan = plans.get(branch.plan_id)
        weak.append(
            WeakBranchRow(
                branch=branch,
                days_weak=(today - branch.weak_since).days if branch.weak_since else 0,
                plan=plan,
                measures_total=getattr(plan, "measures_total", 0),
                measures_done=getattr(plan, "measures_done", 0),
                measures_overdue=getattr(plan, "measures_overdue", 0),
                last_update_at=getattr(plan, "last_update_at", None),
            )
        )
    lifted = list(
        RectificationPlan.objects.filter(
            in_subtree, state=PlanState.LIFTED, lifted_on__gte=datetime.date(today.year, 1, 1)
        )
        .select_related("branch", "lifted_by")
        .order_by("-lifted_on", "pk")[:LIST_CAP]
    )
    branches_total = Organization.objects.filter(path__startswith=node.path, kind=OrganizationKind.BRANCH).count()
    return WeakOverview(
        suggestions=suggestions,
        suggestions_total=suggestions_total,
        weak=weak,
        lifted=lifted,
        branches_total=branches_total,
        decided=decided,
    )


@dataclass
class PlanPage:
    measures: list[RectificationMeasure]
    updates: list[RectificationUpdate]


def rectification_plan_page(*, plan: RectificationPlan) -> PlanPage:
    """A plan's measures and updates (two queries)."""
    return PlanPage(
        measures=list(plan.measures.order_by("due_on", "pk")),
        updates=list(plan.updates.select_related("by", "measure").order_by("-at", "-pk")),
    )


def branch_open_plan(*, branch: Organization) -> RectificationPlan | None:
    """The branch's plan in progress, if any (one query)."""
    return RectificationPlan.objects.filter(branch=branch, state=PlanState.RECTIFYING).first()


def responsible_choices(*, user: User, branch: Organization) -> QuerySet[User]:
    """Who may be the 包联 member: users holding a role on an organisation above the branch that the deciding
    user can see (one query)."""
    from branches.permissions import roles_visible_to

    return (
        User.objects.filter(
            pk__in=roles_visible_to(user, Role.objects.filter(organization_id__in=branch.ancestor_ids)).values(
                "user_id"
            )
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class WeakFigures:
    """The compliance dashboard's 软弱涣散 card: branches weak now, the longest time one has been weak, and the
    branches lifted this year."""

    weak: int
    longest_days: int | None
    lifted_this_year: int


def weak_figures(*, node: Organization, today: datetime.date) -> WeakFigures:
    """Weak branches of the subtree now, the earliest 认定 date among them and the plans lifted this year: one
    aggregate query over the subtree's branches (the path index), whatever their number."""
    year_start = datetime.date(today.year, 1, 1)
    row = Organization.objects.filter(path__startswith=node.path, kind=OrganizationKind.BRANCH).aggregate(
        weak=Count("pk", filter=Q(is_weak=True), distinct=True),
        weak_since=Min("weak_since", filter=Q(is_weak=True)),
        lifted=Count(
            "rectification_plans",
            filter=Q(rectification_plans__state=PlanState.LIFTED, rectification_plans__lifted_on__gte=year_start),
            distinct=True,
        ),
    )
    since = row["weak_since"]
    return WeakFigures(
        weak=row["weak"],
        longest_days=(today - since).days if since else None,
        lifted_this_year=row["lifted"],
    )
