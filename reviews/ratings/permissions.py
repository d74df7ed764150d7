"""Who may see and decide 星级评定, on top of the access module (branches.permissions).

A rating is found through its branch's scope. The officers page of a subtree is for the managers of a committee
(its officers, administrators and 书记 above); proposals are started there. A rating is decided (定星/升星/降星) by
the managers of the branch's parent organisation — never by the branch's own 书记, 副书记 or 组织委员.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import Organization, RoleKind, User
from branches.permissions import (
    can_manage_organization,
    can_view_organization,
    holds_role_on,
    organization_scope_q,
)
from reviews.ratings.models import BranchRating

OWN_ROLE_KINDS = {RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER}


def ratings_visible_to(user: User, queryset: QuerySet[BranchRating] | None = None) -> QuerySet[BranchRating]:
    qs = BranchRating.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user))


def can_view_subtree_ratings(user: User, organization: Organization) -> bool:
    """The officers page of a committee's subtree (and starting its proposals): the committee's managers."""
    return (
        not organization.is_branch
        and can_view_organization(user, organization)
        and can_manage_organization(user, organization)
    )


def can_decide(user: User, rating: BranchRating) -> bool:
    """Confirm or change a rating: the managers of the branch's parent, not the branch's own leaders."""
    parent = rating.organization.parent
    return (
        parent is not None
        and can_manage_organization(user, parent)
        and not holds_role_on(user, rating.organization_id, OWN_ROLE_KINDS)
    )
