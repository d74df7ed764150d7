"""The one access module: who may see and change what.

A user's scope is the subtree under every organisation where they hold a role,
plus their own member record. Superusers see everything. Every view, form
choice list, export and admin queryset goes through the functions here, so an
object outside the scope is simply not found (404).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from branches.models import (
    COMMITTEE_ROLE_KINDS,
    MANAGING_ROLE_KINDS,
    MFA_ROLE_KINDS,
    Member,
    Organization,
    PartyGroup,
    RoleKind,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from branches.models import User

_CACHE_ATTR = "_portal_role_cache"


def _roles(user: User | AnonymousUser) -> list[tuple[str, str, int]]:
    """(organisation path, role kind, organisation id) for each role; one query, cached on the user."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(user.roles.values_list("organization__path", "kind", "organization_id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: User) -> None:
    """Drop the per-request role cache (after roles change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _top_paths(paths: list[str]) -> list[str]:
    """Remove paths that lie inside another path of the list."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(top) for top in result):
            result.append(path)
    return result


def scope_paths(user: User | AnonymousUser) -> list[str]:
    """The roots of the user's scope (organisation paths)."""
    return _top_paths([path for path, _kind, _id in _roles(user)])


def _path_q(field: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def sees_everything(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def organizations_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet[Organization]:
    """Organisations in the user's scope. No query until evaluated (roles: one cached query)."""
    qs = Organization.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    paths = scope_paths(user)
    if not paths:
        member = own_member(user)
        return qs.filter(pk=member.organization_id) if member else qs.none()
    return qs.filter(_path_q("path", paths))


def members_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet[Member]:
    """Members in the user's scope, plus the user's own member record."""
    qs = Member.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(_path_q("organization__path", scope_paths(user)) | Q(user=user))


def groups_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet:
    qs = PartyGroup.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    return qs.filter(_path_q("organization__path", scope_paths(user)))


def visible_ancestor_ids(user: User | AnonymousUser, organization: Organization) -> list[int]:
    """Ancestors of `organization` inside the user's scope, worked out from paths (no query)."""
    if sees_everything(user):
        return organization.ancestor_ids
    paths = scope_paths(user)
    ids = []
    prefix = ""
    for ancestor_id in organization.ancestor_ids:
        prefix += Organization.path_segment(ancestor_id)
        if any(prefix.startswith(path) for path in paths):
            ids.append(ancestor_id)
    return ids


def own_member(user: User | AnonymousUser) -> Member | None:
    if not user.is_authenticated:
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def _holds_role_over(user: User, organization: Organization, kinds: set[str]) -> bool:
    return any(organization.path.startswith(path) and kind in kinds for path, kind, _id in _roles(user))


def can_view_organization(user: User, organization: Organization) -> bool:
    return sees_everything(user) or any(organization.path.startswith(p) for p in scope_paths(user))


def can_manage_organization(user: User, organization: Organization) -> bool:
    """May edit the organisation, its groups and its roster: 书记/副书记/组织委员, officers, admins above."""
    return sees_everything(user) or _holds_role_over(user, organization, MANAGING_ROLE_KINDS)


def can_create_child_organization(user: User, parent: Organization) -> bool:
    """Only committee staff (officers, administrators) create and move organisations."""
    return sees_everything(user) or _holds_role_over(user, parent, {RoleKind.OFFICER, RoleKind.ADMINISTRATOR})


def can_manage_member(user: User, member: Member) -> bool:
    return can_manage_organization(user, member.organization)


_ID_PERMISSION_ATTR = "_portal_can_view_full_id"


def can_view_full_id_number(user: User | AnonymousUser) -> bool:
    """The explicit permission `branches.view_full_id_number`; roles alone never show an ID number in clear.

    One query (user or group permission), cached on the user for the request.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _ID_PERMISSION_ATTR, None)
    if cached is None:
        from django.contrib.auth.models import Permission

        cached = (
            Permission.objects.filter(content_type__app_label="branches", codename="view_full_id_number")
            .filter(Q(user=user) | Q(group__user=user))
            .exists()
        )
        setattr(user, _ID_PERMISSION_ATTR, cached)
    return cached


def is_committee_officer(user: User) -> bool:
    return any(kind in (RoleKind.OFFICER, RoleKind.ADMINISTRATOR) for _p, kind, _id in _roles(user))


def is_administrator(user: User) -> bool:
    return sees_everything(user) or any(kind == RoleKind.ADMINISTRATOR for _p, kind, _id in _roles(user))


def mfa_required(user: User) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.is_staff or any(kind in MFA_ROLE_KINDS for _p, kind, _id in _roles(user))
    )


def managed_branch_ids(user: User) -> list[int]:
    """Branches where the user sits on the committee (their own branch work)."""
    return [
        org_id
        for _path, kind, org_id in _roles(user)
        if kind in COMMITTEE_ROLE_KINDS | {RoleKind.ADMINISTRATOR, RoleKind.OFFICER}
    ]


def primary_organization_id(user: User) -> int | None:
    """The organisation the home page opens: the highest one the user holds a role in."""
    roles = sorted(_roles(user), key=lambda role: (len(role[0]), role[0]))
    return roles[0][2] if roles else None


def organization_scope_q(user: User | AnonymousUser, field: str = "organization") -> Q:
    """Rows whose organisation (reached through `field`) lies in the user's scope."""
    if sees_everything(user):
        return Q()
    return _path_q(f"{field}__path", scope_paths(user))


def reaching_user_q(user: User | AnonymousUser, field: str = "organization") -> Q:
    """Rows published by an organisation whose subtree reaches the user: above or inside the scope, or
    above the user's own branch (materials and templates flow down the tree). No query beyond the roles."""
    if sees_everything(user):
        return Q()
    paths = list(scope_paths(user))
    member = own_member(user)
    if member is not None:
        paths.append(member.organization.path)
    ancestor_ids: set[int] = set()
    for path in paths:
        ancestor_ids.update(int(part) for part in path.split("/") if part)
    return Q(**{f"{field}_id__in": ancestor_ids}) | _path_q(f"{field}__path", scope_paths(user))


def is_branch_secretary_of(user: User | AnonymousUser, organization_id: int) -> bool:
    return user.is_authenticated and any(
        org_id == organization_id and kind == RoleKind.SECRETARY for _p, kind, org_id in _roles(user)
    )


def holds_role_on(user: User | AnonymousUser, organization_id: int, kinds: Collection[str]) -> bool:
    """The user holds one of `kinds` on the organisation itself (not above it). No query beyond the roles."""
    return user.is_authenticated and any(
        org_id == organization_id and kind in kinds for _p, kind, org_id in _roles(user)
    )


# Accounts and roles ----------------------------------------------------------------------------------------------

# How strong each role kind is. A user grants (and changes, and takes away) only roles of kinds no stronger than
# the strongest kind they hold over the organisation: committee seats < 组织委员/副书记 (manage the roster) < 书记
# (also reads talk summaries) < 党委工作人员 (creates and moves organisations) < 系统管理员 (the Django admin).
ROLE_KIND_RANK: dict[str, int] = {
    RoleKind.COMMITTEE_MEMBER: 1,
    RoleKind.PROPAGANDA: 1,
    RoleKind.DISCIPLINE: 1,
    RoleKind.DEPUTY_SECRETARY: 2,
    RoleKind.ORGANIZER: 2,
    RoleKind.SECRETARY: 3,
    RoleKind.OFFICER: 4,
    RoleKind.ADMINISTRATOR: 5,
}


def users_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet:
    """Accounts of members in the user's scope, holders of roles in the scope, and the user's own account."""
    from branches.models import Role, User

    qs = User.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    members = members_visible_to(user).filter(user__isnull=False).values("user_id")
    role_holders = Role.objects.filter(organization_scope_q(user)).values("user_id")
    return qs.filter(Q(pk__in=members) | Q(pk__in=role_holders) | Q(pk=user.pk))


def roles_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet:
    """Roles held in organisations inside the user's scope."""
    from branches.models import Role

    qs = Role.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(organization_scope_q(user))


def can_grant_role(
    user: User | AnonymousUser, organization: Organization, kind: str, *, grantee: User | None = None
) -> bool:
    """May `user` give (or change, or take away) a role of `kind` in `organization`?

    Only inside the user's scope and never above their own kind there (`ROLE_KIND_RANK`); nobody but a superuser
    grants a role to themselves. Superusers are unrestricted.
    """
    if sees_everything(user):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if grantee is not None and grantee.pk == user.pk:
        return False
    wanted = ROLE_KIND_RANK.get(kind)
    if wanted is None:
        return False
    return any(
        organization.path.startswith(path) and ROLE_KIND_RANK.get(held, 0) >= wanted for path, held, _id in _roles(user)
    )


def role_kinds_grantable_by(user: User | AnonymousUser) -> list[str]:
    """The role kinds the user may grant somewhere in their scope (the choices of a role form)."""
    if sees_everything(user):
        return list(RoleKind.values)
    strongest = max((ROLE_KIND_RANK.get(kind, 0) for _p, kind, _id in _roles(user)), default=0)
    return [kind for kind in RoleKind.values if 0 < ROLE_KIND_RANK[kind] <= strongest]


def can_manage_account(user: User | AnonymousUser, account: User) -> bool:
    """May `user` change `account` (name, e-mail, password) in the admin?

    Their own account; otherwise an account in scope whose every role the user could grant and whose rights the
    user holds too: an administrator never takes over an account stronger than their own.
    """
    if sees_everything(user):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if account.pk == user.pk:
        return True
    if account.is_superuser or not users_visible_to(user).filter(pk=account.pk).exists():
        return False
    roles = account.roles.select_related("organization")
    if not all(can_grant_role(user, role.organization, role.kind) for role in roles):
        return False
    return account.get_all_permissions() <= user.get_all_permissions()


def rows_visible_to(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet | None:
    """The rows of `queryset` the user may see (and pick in a form), for the models this module knows.

    `None` when the access module has no rule for the model: the caller must then fall back to a scoped
    queryset of its own or to nothing.
    """
    from branches.models import Role, User

    if sees_everything(user):
        return queryset
    model = queryset.model
    known = {
        Organization: organizations_visible_to,
        Member: members_visible_to,
        PartyGroup: groups_visible_to,
        User: users_visible_to,
        Role: roles_visible_to,
    }
    if model in known:
        return known[model](user, queryset=queryset)
    # Models of the apps above (meetings, talks, …) are scoped by their own admin's queryset, which goes through
    # their part of the access module (activities.permissions).
    return None


def audit_events_visible_to(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet:
    """The audit log an administrator may read: events of the organisations in their scope (superusers and
    whole-tree administrators: everything, including failed logins for unknown names). Others: nothing."""
    from portal.audit.models import AuditEvent

    qs = AuditEvent.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not is_administrator(user):
        return qs.none()
    if sees_everything(user):
        return qs
    return qs.filter(organization__in=organizations_visible_to(user).filter(_admin_scope_q(user)))


def _admin_scope_q(user: User) -> Q:
    """Organisations under the ones where the user is an administrator (not merely an officer or secretary)."""
    paths = _top_paths([path for path, kind, _id in _roles(user) if kind == RoleKind.ADMINISTRATOR])
    return _path_q("path", paths) if paths else Q(pk__in=[])
