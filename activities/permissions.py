"""Who may see which meetings and talks: activities' part of the access module, on top of the scope that
``branches.permissions`` decides (the subtree under the user's roles, and the user's own branch)."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from activities.models import DuesPayment, HeartTalk, Meeting
from branches.models import Organization, User
from branches.permissions import (
    can_manage_organization,
    is_branch_secretary_of,
    organization_scope_q,
    own_member,
    sees_everything,
)


def meetings_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet[Meeting]:
    """Meetings held in the user's scope, plus those of the user's own branch (members see their branch's)."""
    qs = Meeting.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    q = organization_scope_q(user)
    member = own_member(user)
    if member is not None:
        q |= Q(organization_id=member.organization_id)
    return qs.filter(q)


def talks_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet[HeartTalk]:
    """谈心谈话 records in the user's scope and those the user took part in. Whether the summary may be read is
    `can_read_talk_summary`: seeing that a talk happened is not reading what was said."""
    qs = HeartTalk.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user) | Q(initiator__user=user) | Q(counterpart__user=user))


def can_read_talk_summary(user: User | AnonymousUser, talk: HeartTalk) -> bool:
    """The summary is for the two members and the branch's secretary only (not officers above, not admins)."""
    if not user.is_authenticated:
        return False
    member = own_member(user)
    if member is not None and member.pk in (talk.initiator_id, talk.counterpart_id):
        return True
    return is_branch_secretary_of(user, talk.organization_id)


def dues_payments_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet[DuesPayment]:
    """党费 records of the branches in the user's scope (a member's own record is read through their own page)."""
    qs = DuesPayment.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user))


def can_collect_dues(user: User, organization: Organization) -> bool:
    """Recording, closing and correcting a branch's dues: the branch's 书记/副书记/组织委员 and the managers above."""
    return organization.is_branch and can_manage_organization(user, organization)
