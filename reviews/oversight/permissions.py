"""Who may see and do what in 督导检查 and the problem ledger, on top of the access module (branches.permissions).

A problem is found through `problems_visible_to`: its organisation in the user's scope, or a personal problem
about the user's own member record. The organisation's own 书记/副书记/组织委员 rectify it; the managers of the
parent organisation (its 党委工作人员, its 书记) verify it or return it. An inspection is found through the scope of
the organisation that runs it; a branch's part of an inspection is seen by the branch too, once the inspection
is closed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from branches.models import RoleKind, User
from branches.permissions import can_manage_organization, holds_role_on, organization_scope_q
from reviews.oversight.models import (
    Inspection,
    InspectionBranch,
    InspectionStatus,
    Interview,
    Problem,
    ProblemEvidence,
)

RECTIFYING_ROLE_KINDS = {RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER}


def problems_visible_to(user: User, queryset: QuerySet[Problem] | None = None) -> QuerySet[Problem]:
    qs = Problem.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user) | Q(member__user_id=user.pk))


def can_register_problem(user: User, organization) -> bool:
    """Enter a problem in an organisation's ledger: its managers and the officers above."""
    return can_manage_organization(user, organization)


def can_rectify(user: User, problem: Problem) -> bool:
    """Start rectifying and submit the evidence: the organisation's own 书记, 副书记 or 组织委员."""
    return holds_role_on(user, problem.organization_id, RECTIFYING_ROLE_KINDS)


def can_verify(user: User, problem: Problem) -> bool:
    """Verify a submitted rectification (销号) or return it: the managers of the parent organisation."""
    parent = problem.organization.parent
    return parent is not None and can_manage_organization(user, parent) and not can_rectify(user, problem)


def inspections_visible_to(user: User, queryset: QuerySet[Inspection] | None = None) -> QuerySet[Inspection]:
    qs = Inspection.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user))


def inspection_branches_visible_to(
    user: User, queryset: QuerySet[InspectionBranch] | None = None
) -> QuerySet[InspectionBranch]:
    """The inspecting organisation's scope; the inspected branch's scope once the inspection is closed."""
    qs = InspectionBranch.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(
        organization_scope_q(user, "inspection__organization")
        | (organization_scope_q(user, "branch") & Q(inspection__status=InspectionStatus.CLOSED))
    )


def can_plan_inspection(user: User, organization) -> bool:
    """Plan an inspection of a subtree: the managers of a committee (not of a branch)."""
    return not organization.is_branch and can_manage_organization(user, organization)


def can_run_inspection(user: User, inspection: Inspection) -> bool:
    """Record findings, turn them into problems, close the inspection: the managers of the inspecting committee."""
    return can_manage_organization(user, inspection.organization)


def evidence_visible_to(user: User) -> QuerySet[ProblemEvidence]:
    """Evidence files: those of a problem the user sees, and those of a finding whose branch checklist the user
    sees (the inspected branch only once the inspection is closed) or that became a problem the user sees."""
    if not user.is_authenticated:
        return ProblemEvidence.objects.none()
    problems = problems_visible_to(user).values("pk")
    return ProblemEvidence.objects.filter(
        Q(problem__in=problems)
        | Q(finding__problem__in=problems)
        | Q(finding__inspection_branch__in=inspection_branches_visible_to(user).values("pk"))
    )


def interviews_visible_to(user: User, queryset: QuerySet[Interview] | None = None) -> QuerySet[Interview]:
    """重点约谈: the interviewed branch in the user's scope (the committees above it, its own committee), or the
    interview of the user's own member record."""
    qs = Interview.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user) | Q(interviewee__user_id=user.pk))


def can_record_interview(user: User, organization) -> bool:
    """Record a 重点约谈 of a branch: the managers of a committee above it (not the branch's own committee)."""
    parent = organization.parent
    return organization.is_branch and parent is not None and can_manage_organization(user, parent)
