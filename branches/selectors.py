"""Reads for the organisation and member pages, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import (
    COMMITTEE_ROLE_KINDS,
    MANAGING_ROLE_KINDS,
    TERM_DUE_WARNING_DAYS,
    Member,
    MemberCategory,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationKind,
    PartyGroup,
    Role,
    User,
)
from branches.permissions import (
    audit_events_visible_to,
    members_visible_to,
    organizations_visible_to,
    scope_paths,
    visible_ancestor_ids,
)
from portal import hooks

ROSTER_PAGE_SIZE = 25
SEARCH_LIMIT = 50

# Rule O1 (DESIGN.md §3; 中国共产党支部工作条例（试行）2018 第五、六、二十二条).
MIN_FULL_MEMBERS_FOR_BRANCH = 3
MEMBERS_NEEDING_COMMITTEE = 7
COMMITTEE_SIZE_RANGE = (3, 5)
MEMBERS_SUGGESTING_SPLIT = 50


@dataclass
class TreeNode:
    organization: Organization
    branch_count: int = 0
    member_count: int = 0
    has_children: bool = False
    children: list[TreeNode] = field(default_factory=list)


def organization_children_nodes(*, user: User, parent: Organization) -> list[TreeNode]:
    """The children of `parent` with the number of branches and members in each child's subtree.

    Three queries whatever the size of the subtree: children, branch counts, member counts.
    """
    children = list(
        organizations_visible_to(user)
        .filter(parent=parent)
        .annotate(child_count=Count("children"))
        .order_by("kind", "name")
    )
    child_length = len(parent.path) + Organization.STEP
    counts = _counts_for_prefixes(prefix_length=child_length, roots=[parent])
    nodes = []
    for child in children:
        branch_count, member_count = counts.get(child.path, (0, 0))
        nodes.append(
            TreeNode(
                organization=child,
                branch_count=branch_count,
                member_count=member_count,
                has_children=child.child_count > 0,
            )
        )
    return nodes


def organization_tree_roots(*, user: User) -> list[TreeNode]:
    """The tops of the user's scope, each with its children and counts.

    A fixed number of queries: roots (1), children (1), and counts grouped by the
    children's path prefix (2, per depth of the roots); a root's totals are the sum
    of its children's plus its own rows.
    """
    roots_qs = organizations_visible_to(user)
    paths = scope_paths(user)
    roots = list(roots_qs.filter(path__in=paths)) if paths else list(roots_qs.filter(parent__isnull=True))
    if not roots:
        return []
    child_counts: dict[str, tuple[int, int]] = {}
    by_depth: dict[int, list[Organization]] = {}
    for root in roots:
        by_depth.setdefault(len(root.path), []).append(root)
    for length, group in by_depth.items():
        child_counts.update(_counts_for_prefixes(prefix_length=length + Organization.STEP, roots=group))
    counts: dict[str, tuple[int, int]] = {}
    for root in roots:
        # Every key starting with the root's path is the root itself or one of its children.
        below = [value for prefix, value in child_counts.items() if prefix.startswith(root.path)]
        counts[root.path] = (sum(b for b, _m in below), sum(m for _b, m in below))
    children = (
        Organization.objects.filter(parent__in=roots).annotate(child_count=Count("children")).order_by("kind", "name")
    )
    nodes = {
        root.pk: TreeNode(
            organization=root,
            branch_count=counts.get(root.path, (0, 0))[0],
            member_count=counts.get(root.path, (0, 0))[1],
            has_children=True,
        )
        for root in roots
    }
    for child in children:
        branch_count, member_count = child_counts.get(child.path, (0, 0))
        nodes[child.parent_id].children.append(  # type: ignore[index]  # children have a parent
            TreeNode(child, branch_count, member_count, has_children=child.child_count > 0)
        )
    for node in nodes.values():
        node.has_children = bool(node.children)
    return [nodes[root.pk] for root in roots]


def _counts_for_prefixes(*, prefix_length: int, roots: list[Organization]) -> dict[str, tuple[int, int]]:
    """Branches and active members below `roots`, grouped by the first `prefix_length` characters of the path.

    Grouping by a path prefix gives per-node subtree totals in two queries.
    """
    root_q = Q(pk__in=[])
    member_q = Q(pk__in=[])
    for root in roots:
        root_q |= Q(path__startswith=root.path)
        member_q |= Q(organization__path__startswith=root.path)
    branch_rows = (
        Organization.objects.filter(root_q, kind=OrganizationKind.BRANCH)
        .annotate(prefix=Substr("path", 1, prefix_length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    member_rows = (
        Member.objects.filter(member_q, status=MemberStatus.ACTIVE)
        .annotate(prefix=Substr("organization__path", 1, prefix_length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    counts: dict[str, list[int]] = {}
    for prefix, n in branch_rows:
        counts.setdefault(prefix, [0, 0])[0] = n
    for prefix, n in member_rows:
        counts.setdefault(prefix, [0, 0])[1] = n
    return {prefix: (b, m) for prefix, (b, m) in counts.items()}


def organization_search(*, user: User, query: str) -> list[Organization]:
    """Organisations in scope whose name or code contains `query` (at most 50)."""
    query = query.strip()
    if not query:
        return []
    return list(
        organizations_visible_to(user)
        .filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(short_name__icontains=query))
        .select_related("parent")
        .order_by("path")[:SEARCH_LIMIT]
    )


def organization_get(*, user: User, pk: int, with_member_counts: bool = False) -> Organization:
    """One organisation in scope, with its parent; raises DoesNotExist outside the scope.

    `with_member_counts` annotates `active_member_count` and `full_member_count` (branch pages).
    """
    qs = organizations_visible_to(user).select_related("parent")
    if with_member_counts:
        active = Q(members__status=MemberStatus.ACTIVE)
        qs = qs.annotate(
            active_member_count=Count("members", filter=active),
            full_member_count=Count("members", filter=active & Q(members__membership_type=MembershipType.FULL)),
        )
    return qs.get(pk=pk)


def organization_ancestors(*, organization: Organization, user: User) -> list[Organization]:
    """Breadcrumb: the ancestors the user may see, top first. One query, none when there are none."""
    ids = visible_ancestor_ids(user, organization)
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=ids).order_by("path"))


@dataclass
class BranchFacts:
    member_count: int
    full_member_count: int
    probationary_count: int
    committee: list[Role]
    groups: list[PartyGroup]
    warnings: list[str]
    term_days_left: int | None


def branch_facts(*, organization: Organization, today: datetime.date) -> BranchFacts:
    """Committee, groups and rule O1 warnings for a branch page. Two queries.

    `organization` comes from `organization_get(..., with_member_counts=True)`.
    """
    committee = list(
        Role.objects.filter(organization=organization, kind__in=COMMITTEE_ROLE_KINDS)
        .select_related("user", "user__member")
        .order_by("kind", "pk")
    )
    groups = list(
        PartyGroup.objects.filter(organization=organization)
        .select_related("leader")
        .annotate(member_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
        .order_by("name")
    )
    total, full = organization.active_member_count, organization.full_member_count  # type: ignore[attr-defined]  # with_member_counts annotations
    committee_size = len({role.user_id for role in committee})
    warnings = organization_structure_warnings(
        organization=organization,
        member_count=total,
        full_member_count=full,
        committee_size=committee_size,
        group_count=len([group for group in groups if not group.is_dissolved]),
        today=today,
    )
    return BranchFacts(
        member_count=total,
        full_member_count=full,
        probationary_count=total - full,
        committee=committee,
        groups=groups,  # type: ignore[arg-type]  # annotated PartyGroups
        warnings=warnings,
        term_days_left=organization.term_days_left(today),
    )


def organization_structure_warnings(
    *,
    organization: Organization,
    member_count: int,
    full_member_count: int,
    committee_size: int,
    group_count: int,
    today: datetime.date,
) -> list[str]:
    """Rule O1: structure and 换届 warnings for an organisation (no queries; the rule engine reuses it)."""
    warnings: list[str] = []
    if organization.kind == OrganizationKind.BRANCH:
        if full_member_count < MIN_FULL_MEMBERS_FOR_BRANCH:
            warnings.append(_("正式党员仅%(n)d名，不足3名，不符合单独成立党支部的条件。") % {"n": full_member_count})
        low, high = COMMITTEE_SIZE_RANGE
        if member_count >= MEMBERS_NEEDING_COMMITTEE and not low <= committee_size <= high:
            warnings.append(
                _("党员%(members)d名（7名以上）应设支部委员会，委员3至5名，现有%(size)d名。")
                % {"members": member_count, "size": committee_size}
            )
        if member_count > MEMBERS_SUGGESTING_SPLIT and group_count == 0:
            warnings.append(_("党员%(n)d名，超过50名，建议划分党小组或分设党支部。") % {"n": member_count})
    if organization.term_ends_on:
        days_left = (organization.term_ends_on - today).days
        if days_left < 0:
            warnings.append(
                _("委员会任期已于%(date)s届满，应及时换届。") % {"date": organization.term_ends_on.isoformat()}
            )
        elif days_left <= TERM_DUE_WARNING_DAYS:
            warnings.append(
                _("委员会任期将于%(date)s届满（还有%(days)d天），请准备换届选举。")
                % {"date": organization.term_ends_on.isoformat(), "days": days_left}
            )
    elif organization.kind == OrganizationKind.BRANCH and member_count >= MEMBERS_NEEDING_COMMITTEE:
        warnings.append(_("未登记本届委员会任期，无法提示换届。"))
    return warnings


@dataclass
class RosterFilters:
    query: str = ""
    category: str = ""
    status: str = MemberStatus.ACTIVE
    group_id: int | None = None


def roster_page(*, user: User, organization: Organization, filters: RosterFilters, page_number: int | str = 1) -> Page:
    """One page of the branch roster, filtered. Two queries (count, page)."""
    qs = roster_queryset(user=user, organization=organization, filters=filters)
    paginator = Paginator(qs, ROSTER_PAGE_SIZE)
    return paginator.get_page(page_number)


def roster_queryset(*, user: User, organization: Organization, filters: RosterFilters) -> QuerySet[Member]:
    qs = members_visible_to(user).filter(organization=organization).select_related("group", "user")
    if filters.query:
        qs = qs.filter(
            Q(name__icontains=filters.query) | Q(phone__icontains=filters.query) | Q(position__icontains=filters.query)
        )
    if filters.category in MemberCategory.values:
        qs = qs.filter(**{filters.category: True})
    if filters.status in MemberStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.group_id:
        qs = qs.filter(group_id=filters.group_id)
    return qs.order_by("name", "pk")


def member_get(*, user: User, pk: int) -> Member:
    """A member in scope with organisation, group and account; DoesNotExist outside the scope.

    What the member page (亮明身份) shows from the apps above — this year's 承诺, the current 先锋岗 — they add as
    annotations and prefetches through `portal.hooks.member_page_queryset`, in a fixed number of queries."""
    today = timezone.localdate()
    queryset = members_visible_to(user).select_related("organization", "group", "user", "leadership_team")
    for receiver in hooks.member_page_queryset.receivers():
        queryset = receiver(queryset, today=today)
    return queryset.get(pk=pk)


def members_on_q(*, organization_id: int, on: datetime.date) -> Q:
    """The members organised in the organisation on that day, from the membership history (组织关系): a stay
    counts from its 转入日期 up to the day before its 转出日期 (a member transferred on a day is in the new
    branch that day). A condition on `Member`: one indexed subquery, so any list stays one query."""
    stays = Membership.objects.filter(organization_id=organization_id, started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on)
    )
    return Q(pk__in=stays.values("member_id"))


def member_history(*, member: Member) -> QuerySet:
    return member.memberships.select_related("organization").order_by("started_on", "pk")


def member_roles(*, member: Member) -> list[Role]:
    if not member.user_id:
        return []
    return list(Role.objects.filter(user_id=member.user_id).select_related("organization").order_by("organization"))


def branch_choices_for(*, user: User) -> QuerySet[Organization]:
    """Branches the user may pick in forms (e.g. a transfer's destination)."""
    return organizations_visible_to(user).filter(kind=OrganizationKind.BRANCH).order_by("path")


def manager_user_ids(*, organization_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active users holding a managing role (书记, 副书记, 组织委员, officers, administrators) at each of the
    organisations themselves (not above them): whom reminders about its own records go to. One query."""
    managers: dict[int, set[int]] = defaultdict(set)
    for organization_id, user_id in Role.objects.filter(
        organization_id__in=list(organization_ids), kind__in=MANAGING_ROLE_KINDS, user__is_active=True
    ).values_list("organization_id", "user_id"):
        managers[organization_id].add(user_id)
    return {organization_id: sorted(user_ids) for organization_id, user_ids in managers.items()}


AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    query: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def audit_event_queryset(*, user: User, filters: AuditFilters) -> QuerySet:
    """The audit events the user may read (administrators, within their scope), newest first, filtered."""
    qs = audit_events_visible_to(user).select_related("organization")
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.query:
        qs = qs.filter(Q(actor_name__icontains=filters.query) | Q(target_repr__icontains=filters.query))
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    return qs.order_by("-created_at", "-pk")


def audit_event_page(*, user: User, filters: AuditFilters, page_number: int | str = 1) -> Page:
    """One page of the audit log: two queries (count, page) however long the log is."""
    return Paginator(audit_event_queryset(user=user, filters=filters), AUDIT_PAGE_SIZE).get_page(page_number)
