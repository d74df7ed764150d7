"""Reads of 换届, each page in a fixed number of queries whatever the subtree's size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from branches.models import Organization, OrganizationKind, Role, RoleKind
from branches.terms.models import CommitteeSeat, CommitteeTerm

# Reminders and the officers' page look this far ahead (about six months).
DUE_HORIZON_DAYS = 183


def committee_terms_for(*, organization: Organization) -> list[CommitteeTerm]:
    """The organisation's elections, latest first, each with its committee. Two queries."""
    return list(
        CommitteeTerm.objects.filter(organization=organization)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("seats", queryset=CommitteeSeat.objects.select_related("member").order_by("pk")))
        .order_by("-elected_on", "-pk")
    )


@dataclass
class DueRow:
    organization: Organization
    days_left: int
    secretaries: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def overdue_days(self) -> int:
        return -self.days_left


@dataclass
class TermsDue:
    overdue: list[DueRow]
    due: list[DueRow]
    unregistered: int
    horizon: datetime.date


def _due_branches(*, node: Organization, horizon: datetime.date) -> QuerySet[Organization]:
    return Organization.objects.subtree_of(node).filter(kind=OrganizationKind.BRANCH, term_ends_on__lte=horizon)


def terms_due(*, node: Organization, today: datetime.date) -> TermsDue:
    """The branches of `node`'s subtree whose committee's term is over (overdue) or ends within about six months,
    soonest first, with their secretaries; and how many branches have no term registered. Three queries."""
    horizon = today + datetime.timedelta(days=DUE_HORIZON_DAYS)
    branches = list(_due_branches(node=node, horizon=horizon).select_related("parent").order_by("term_ends_on", "path"))
    secretaries: dict[int, list[str]] = {}
    for organization_id, first, last, username in (
        Role.objects.filter(organization__in=_due_branches(node=node, horizon=horizon), kind=RoleKind.SECRETARY)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "user__first_name", "user__last_name", "user__username")
    ):
        secretaries.setdefault(organization_id, []).append(f"{first} {last}".strip() or username)
    rows = [
        DueRow(
            organization=branch,
            days_left=(branch.term_ends_on - today).days,
            secretaries=secretaries.get(branch.pk, []),
        )
        for branch in branches
        if branch.term_ends_on is not None
    ]
    unregistered = (
        Organization.objects.subtree_of(node).filter(kind=OrganizationKind.BRANCH, term_ends_on__isnull=True).count()
    )
    return TermsDue(
        overdue=[row for row in rows if row.overdue],
        due=[row for row in rows if not row.overdue],
        unregistered=unregistered,
        horizon=horizon,
    )
