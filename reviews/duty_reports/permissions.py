"""Who may do what in 述职评议考核, on top of the scope of the access module (branches.permissions).

A round is found through `rounds_visible_to` (its committee in the user's scope, a round naming the user as a
representative, or a round of the committee above a unit whose 书记 the user is); a report through
`reports_visible_to` (its unit in the user's scope, or a round naming the user as a representative). These
predicates then decide the actions. An assessor's grade is read by the committee's managers only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from branches.models import COMMITTEE_ROLE_KINDS, Role, RoleKind, User
from branches.permissions import (
    can_manage_organization,
    holds_role_on,
    is_branch_secretary_of,
    organizations_visible_to,
)
from reviews.duty_reports.models import DutyReport, DutyReportRound

# The roles on the committee that make someone an assessor of its round (with the representatives it names).
ASSESSOR_ROLE_KINDS = COMMITTEE_ROLE_KINDS | {RoleKind.OFFICER}


def _secretary_units(user: User) -> QuerySet[Role]:
    return Role.objects.filter(user_id=user.pk, kind=RoleKind.SECRETARY)


def rounds_visible_to(user: User, queryset: QuerySet[DutyReportRound] | None = None) -> QuerySet[DutyReportRound]:
    """Rounds of committees in the user's scope, rounds naming the user, rounds above the user's own unit."""
    qs = DutyReportRound.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    named = DutyReportRound.representatives.through.objects.filter(user_id=user.pk).values("dutyreportround_id")
    return qs.filter(
        Q(committee__in=organizations_visible_to(user).values("pk"))
        | Q(pk__in=named)
        | Q(committee__in=_secretary_units(user).values("organization__parent_id"))
    )


def reports_visible_to(user: User, queryset: QuerySet[DutyReport] | None = None) -> QuerySet[DutyReport]:
    """Reports of units in the user's scope, and every report of a round naming the user as a representative."""
    qs = DutyReport.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    named = DutyReportRound.representatives.through.objects.filter(user_id=user.pk).values("dutyreportround_id")
    return qs.filter(Q(organization__in=organizations_visible_to(user).values("pk")) | Q(round_id__in=named))


def can_run_round(user: User, duty_round: DutyReportRound) -> bool:
    """Open the round, return a report, record the conclusion, read every assessment: the committee's managers."""
    return can_manage_organization(user, duty_round.committee)


def is_assessor(user: User, duty_round: DutyReportRound, representative_ids: set[int] | None = None) -> bool:
    """A member of the evaluating committee: a role on the committee itself (委员, 党委工作人员) or named by the
    round. `representative_ids` saves the query when the caller has them."""
    if not user.is_authenticated:
        return False
    if representative_ids is None:
        representative_ids = set(duty_round.representatives.values_list("pk", flat=True))
    if user.pk in representative_ids:
        return True
    return holds_role_on(user, duty_round.committee_id, ASSESSOR_ROLE_KINDS)


def can_write_report(user: User, report: DutyReport) -> bool:
    """Write and submit the report: the unit's 书记."""
    return is_branch_secretary_of(user, report.organization_id)


def can_assess_report(user: User, report: DutyReport, representative_ids: set[int] | None = None) -> bool:
    """Grade the report: an assessor of the round, never the report's own author."""
    return not can_write_report(user, report) and is_assessor(user, report.round, representative_ids)
