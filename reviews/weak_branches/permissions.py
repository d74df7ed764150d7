"""Who may see and do what with 软弱涣散党支部, on top of the access module (branches.permissions).

Suggestions are the committees' working list, found through the scope of the branch's parent (404 outside it,
and for the branch itself); plans are found through the scope of their branch: the committees above see their
subtree's, the branch's own roles see their branch's plan. The committee decides: confirming or dismissing
a suggestion, drawing up a plan, adding measures and lifting the flag are for the managers of an organisation
above the branch (its 党委工作人员, the committee's 书记…), never the branch's own secretary. Progress updates are
written by the branch's 书记/副书记/组织委员, the plan's 包联 committee member, and the committee.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import Organization, RoleKind, User
from branches.permissions import can_manage_organization, holds_role_on, organization_scope_q
from reviews.weak_branches.models import RectificationPlan, WeakSuggestion

BRANCH_ROLE_KINDS = {RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER}


def weak_suggestions_visible_to(
    user: User, queryset: QuerySet[WeakSuggestion] | None = None
) -> QuerySet[WeakSuggestion]:
    qs = WeakSuggestion.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    # The committees' list: seen from the branch's parent up, not by the branch itself before a decision.
    return qs.filter(organization_scope_q(user, "branch__parent"))


def rectification_plans_visible_to(
    user: User, queryset: QuerySet[RectificationPlan] | None = None
) -> QuerySet[RectificationPlan]:
    qs = RectificationPlan.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user, "branch"))


def can_decide_weak(user: User, branch: Organization) -> bool:
    """Confirm, dismiss, plan, lift: the managers of an organisation above the branch (the parent's scope)."""
    parent = branch.parent
    return parent is not None and can_manage_organization(user, parent)


def can_update_plan(user: User, plan: RectificationPlan) -> bool:
    """Add a progress update: the branch's 书记/副书记/组织委员, the 包联 member, or the committee."""
    return (
        holds_role_on(user, plan.branch_id, BRANCH_ROLE_KINDS)
        or plan.responsible_id == user.pk
        or can_decide_weak(user, plan.branch)
    )
