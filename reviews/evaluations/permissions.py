"""Who may do what in 民主评议党员, on top of the scope of the access module (branches.permissions).

A campaign is found only through `campaigns_visible_to` (the branch in the user's scope, or the member's own
branch); these predicates then decide the actions. Ballots are never readable by anyone: only their tallies.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import Member, MemberStatus, Organization, User
from branches.permissions import can_manage_organization, managed_branch_ids, organizations_visible_to, own_member
from reviews.evaluations.models import EvaluationCampaign, EvaluationProblem, GradeProposal


def campaigns_visible_to(
    user: User, queryset: QuerySet[EvaluationCampaign] | None = None
) -> QuerySet[EvaluationCampaign]:
    """Campaigns of the branches in the user's scope (a plain member: their own branch)."""
    qs = EvaluationCampaign.objects.all() if queryset is None else queryset
    return qs.filter(organization__in=organizations_visible_to(user).values("pk"))


def can_run_campaign(user: User, organization: Organization) -> bool:
    """Open the year's 评议 and close its steps: the branch's 书记/副书记/组织委员 (and officers above it)."""
    return organization.is_branch and can_manage_organization(user, organization)


def can_view_tallies(user: User, organization: Organization) -> bool:
    """See the 互评 tallies per member (never a ballot): the branch committee and the managers above."""
    return can_run_campaign(user, organization) or organization.pk in managed_branch_ids(user)


def campaign_member(user: User, campaign: EvaluationCampaign) -> Member | None:
    """The user's member record when they take part in the campaign (an active member of its branch)."""
    member = own_member(user)
    if member is None or member.organization_id != campaign.organization_id or member.status != MemberStatus.ACTIVE:
        return None
    return member


def can_review_grades(user: User, organization: Organization) -> bool:
    """Approve or return a branch's 基本合格/不合格 proposals: the managers of its parent committee (and above)."""
    parent = organization.parent
    return parent is not None and can_manage_organization(user, parent)


def problems_visible_to(user: User, queryset: QuerySet[EvaluationProblem] | None = None) -> QuerySet[EvaluationProblem]:
    """Problems found (查找的问题) in the 民主评议 of the branches in the user's scope."""
    qs = EvaluationProblem.objects.all() if queryset is None else queryset
    return qs.filter(campaign__organization__in=organizations_visible_to(user).values("pk"))


def proposals_visible_to(user: User, queryset: QuerySet[GradeProposal] | None = None) -> QuerySet[GradeProposal]:
    """Grade proposals of the branches in the user's scope."""
    qs = GradeProposal.objects.all() if queryset is None else queryset
    return qs.filter(campaign__organization__in=organizations_visible_to(user).values("pk"))
