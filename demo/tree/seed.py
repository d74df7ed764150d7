"""Demo data (演示数据) for `manage.py seed_demo`: a Beijing-shaped tree with members and demo logins.

The data is a plan computed from `(branches, seed, today)`:

* Branch number *i* (0, 1, 2, …) always gets the same code, name, place in the
  tree and members, whatever the requested number of branches: asking for more
  branches later extends the plan, it never reshuffles it. Every branch, unit
  and member draws from its own random generator seeded with the seed and the
  organisation code.
* Organisation codes are the natural keys: what already exists is left alone,
  only the missing organisations (and the members of missing branches) are
  written, one transaction per district.
* Writes use bulk inserts, but produce what the services produce:
  `organization_create` (path and depth from the primary key),
  `member_create` (encrypted ID number and digest via `Member.set_id_number`,
  one open `Membership` row), `member_transfer` (closed row in the old branch,
  open row in the new one), `member_status_change` (row closed on the status
  date), `role_assign`.

Dates are relative to `today`: some committee terms fall due within 60 days,
some are overdue, probationary members joined within the last year."""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import idnumbers, services
from branches.models import (
    Member,
    MemberCategory,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    PartyGroup,
    Role,
    User,
)
from demo.tree.builder import demo_plan
from demo.tree.plan import (
    DemoPlan,
    MemberPlan,
    OrgPlan,
    _assign_id_number,
    _branch_members,
    _member,
    _rng,
    add_years,
    chinese_number,
)
from demo.tree.tables import CITY_CODE, DEMO_BRANCH_CODE, DEMO_LOGINS, PROFILES, Cat, DemoLogin, Kind

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - the documented password of the demo logins


DEFAULT_SEED = 2017


DEFAULT_BRANCHES = 40


BATCH_SIZE = 2000


@dataclass
class DemoLoginResult:
    login: DemoLogin
    full_name: str
    organization_name: str
    created: bool


@dataclass
class DemoSeedResult:
    planned_branches: int
    organizations_created: int = 0
    organizations_existing: int = 0
    branches_created: int = 0
    members_created: int = 0
    users_created: int = 0
    logins: list[DemoLoginResult] = field(default_factory=list)
    seconds: float = 0.0


def _chunks(items: Sequence, size: int = 1000) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_organizations(codes: Sequence[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(codes):
        for organization in Organization.objects.filter(code__in=chunk):
            found[organization.code] = organization
    return found


def _check_kinds(plan: DemoPlan, existing: dict[str, Organization]) -> None:
    for spec in plan.organizations:
        organization = existing.get(spec.code)
        if organization is not None and organization.kind != spec.kind:
            raise ValidationError(
                _(
                    "组织代码%(code)s已被“%(name)s”（%(kind)s）使用，演示数据需要它是%(expected)s。请换一个数据库再生成演示数据。"
                )
                % {
                    "code": spec.code,
                    "name": organization.name,
                    "kind": organization.get_kind_display(),
                    "expected": Kind(spec.kind).label,
                }
            )


def _create_organizations(specs: list[OrgPlan], known: dict[str, Organization]) -> list[Organization]:
    """Insert organisations parents first, then give each its path (what `organization_create` does)."""
    created: list[Organization] = []
    by_depth: dict[int, list[OrgPlan]] = defaultdict(list)
    for spec in specs:
        by_depth[spec.depth].append(spec)
    for depth in sorted(by_depth):
        level = [
            Organization(
                parent=known[spec.parent_code] if spec.parent_code else None,
                path=f"~{spec.code}",  # a unique temporary path until the primary key is known
                depth=depth,
                **spec.organization_fields(),
            )
            for spec in by_depth[depth]
        ]
        Organization.objects.bulk_create(level, batch_size=BATCH_SIZE)
        for organization in level:
            parent_path = organization.parent.path if organization.parent_id else ""
            organization.path = parent_path + Organization.path_segment(organization.pk)
            organization.depth = organization.path.count("/")
            known[organization.code] = organization
        Organization.objects.bulk_update(level, ["path", "depth"], batch_size=500)
        created.extend(level)
    return created


def _free_foreign_collisions(members: list[MemberPlan], used: set[str]) -> None:
    """Members entered outside the demo might hold a planned ID number: move ours aside."""
    digests = {idnumbers.digest(member.id_number): member for member in members}
    taken: set[str] = set()
    for chunk in _chunks(list(digests)):
        taken.update(Member.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", flat=True))
    for digest in taken:
        member = digests[digest]
        while True:
            member.sequence = (member.sequence + 2) % 1000
            number = member.compose_id_number()
            if number not in used and not Member.objects.filter(id_number_digest=idnumbers.digest(number)).exists():
                break
        used.add(number)
        member.id_number = number


def _write_branches(
    branches: list[OrgPlan],
    members_by_branch: dict[str, list[MemberPlan]],
    known: dict[str, Organization],
    *,
    used: set[str],
    result: DemoSeedResult,
) -> None:
    """Committee accounts, groups, members, membership records and roles of new branches."""
    all_members = [member for branch in branches for member in members_by_branch[branch.code]]
    _free_foreign_collisions(all_members, used)

    # Accounts of committee members (no password: they receive a first-login link).
    users: dict[tuple[str, int], User] = {}
    for branch in branches:
        for number, member in enumerate(members_by_branch[branch.code]):
            if member.committee_role and not member.login:
                username = f"{branch.code.lower()}-{member.committee_role.replace('_', '-')}"
                users[(branch.code, number)] = User(
                    username=username, first_name=member.name, password=make_password(None)
                )
    taken_usernames = set()
    for chunk in _chunks([user.username for user in users.values()]):
        taken_usernames.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    users = {key: user for key, user in users.items() if user.username not in taken_usernames}
    User.objects.bulk_create(list(users.values()), batch_size=BATCH_SIZE)
    result.users_created += len(users)

    groups: dict[tuple[str, int], PartyGroup] = {}
    for branch in branches:
        numbers = {m.group_number for m in members_by_branch[branch.code] if m.group_number is not None}
        for number in sorted(numbers):
            # The groups are as old as the branch (or its committee): the history generator holds their meetings
            # all year, and a group only owes its own from the first month it stands.
            groups[(branch.code, number)] = PartyGroup(
                organization=known[branch.code],
                name=f"第{chinese_number(number + 1)}党小组",
                established_on=branch.established_on or branch.term_started_on or timezone.localdate(),
            )
    PartyGroup.objects.bulk_create(list(groups.values()), batch_size=BATCH_SIZE)

    rows: list[tuple[OrgPlan, MemberPlan, Member]] = []
    for branch in branches:
        organization = known[branch.code]
        for number, plan in enumerate(members_by_branch[branch.code]):
            member = Member(
                organization=organization,
                group=groups.get((branch.code, plan.group_number)) if plan.group_number is not None else None,
                user=users.get((branch.code, number)),
                name=plan.name,
                gender=plan.gender,
                birth_date=plan.birth_date,
                ethnicity=plan.ethnicity,
                education=plan.education,
                phone=plan.phone,
                membership_type=plan.membership_type,
                joined_on=plan.joined_on,
                full_member_on=plan.full_member_on,
                is_retired=plan.is_retired,
                is_floating=plan.is_floating,
                is_non_public=plan.is_non_public,
                is_leading_cadre=plan.is_leading_cadre,
                is_student=plan.is_student,
                status=plan.status,
                status_changed_on=plan.status_changed_on,
                position=plan.position,
            )
            member.set_id_number(plan.id_number)
            rows.append((branch, plan, member))
    Member.objects.bulk_create([member for _b, _p, member in rows], batch_size=BATCH_SIZE)
    result.members_created += len(rows)

    memberships = []
    for branch, plan, member in rows:
        ended = plan.status_changed_on if plan.status != MemberStatus.ACTIVE else None
        note = ""
        if plan.previous_branch:
            previous = known[plan.previous_branch]
            memberships.append(
                Membership(
                    member=member,
                    organization=previous,
                    started_on=plan.joined_on,
                    ended_on=plan.started_on,
                    note=f"转往{branch.name}",
                )
            )
            note = f"由{previous.name}转入"
        memberships.append(
            Membership(
                member=member, organization=member.organization, started_on=plan.started_on, ended_on=ended, note=note
            )
        )
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)

    leaders: dict[tuple[str, int], PartyGroup] = {}
    for branch, plan, member in rows:
        key = (branch.code, plan.group_number)
        if (
            plan.group_number is not None
            and key not in leaders
            and plan.committee_role is None
            and plan.status == MemberStatus.ACTIVE
        ):
            groups[key].leader = member
            leaders[key] = groups[key]
    PartyGroup.objects.bulk_update(list(leaders.values()), ["leader"], batch_size=500)

    roles = []
    for branch in branches:
        for number, plan in enumerate(members_by_branch[branch.code]):
            user = users.get((branch.code, number))
            if user is not None:
                roles.append(
                    Role(
                        user=user,
                        organization=known[branch.code],
                        kind=plan.committee_role,
                        started_on=branch.term_started_on,
                    )
                )
    Role.objects.bulk_create(roles, batch_size=BATCH_SIZE)


def demo_seed(
    *,
    branches: int = DEFAULT_BRANCHES,
    seed: int = DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> DemoSeedResult:
    """Create what is missing of the demo tree of `branches` branches, and the demo logins.

    Safe to run again: existing organisations (by code) and their members are left as they are.
    """
    if branches < 1:
        raise ValidationError(_("党支部数量至少为1。"))
    started = time.perf_counter()
    plan = demo_plan(branches=branches, seed=seed, today=today)
    used = {member.id_number for members in plan.members.values() for member in members}
    result = DemoSeedResult(planned_branches=branches)
    known = _existing_organizations([spec.code for spec in plan.organizations])
    _check_kinds(plan, known)
    result.organizations_existing = len(known)

    groups: dict[str, list[OrgPlan]] = defaultdict(list)
    for spec in plan.organizations:
        if spec.code not in known:
            groups[spec.group_code].append(spec)
    for group_code, specs in groups.items():
        group_started = time.perf_counter()
        with transaction.atomic():
            _create_organizations(specs, known)
            new_branches = [spec for spec in specs if spec.kind == Kind.BRANCH]
            members_before = result.members_created
            _write_branches(new_branches, plan.members, known, used=used, result=result)
        result.organizations_created += len(specs)
        result.branches_created += len(new_branches)
        if log:
            log(
                _("%(name)s：新增党组织%(orgs)d个（党支部%(branches)d个）、党员%(members)d名，用时%(seconds).1f秒。")
                % {
                    "name": known[group_code].name,
                    "orgs": len(specs),
                    "branches": len(new_branches),
                    "members": result.members_created - members_before,
                    "seconds": time.perf_counter() - group_started,
                }
            )
    if result.organizations_created:
        _analyze_tables()
    result.logins = demo_logins_ensure(plan=plan, known=known)
    result.users_created += sum(1 for login in result.logins if login.created)
    result.seconds = time.perf_counter() - started
    return result


def _analyze_tables() -> None:
    """Refresh the planner's statistics after a bulk load (autovacuum may be off, or not have run yet).

    Without them PostgreSQL still believes the tables are empty and picks nested loops
    and on-disk sorts for the tree's counts.
    """
    tables = [model._meta.db_table for model in (Organization, Member, Membership, PartyGroup, Role, User)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # noqa: S608 - table names from the models


@transaction.atomic
def demo_logins_ensure(*, plan: DemoPlan, known: dict[str, Organization]) -> list[DemoLoginResult]:
    """One login per role, created once; an existing login keeps its password."""
    planned = plan.members[DEMO_BRANCH_CODE]
    positions = {member.login: number for number, member in enumerate(planned) if member.login}
    results = []
    for login in DEMO_LOGINS:
        organization = known[login.organization_code]
        member = None
        if login.member_login:
            member = _demo_member(organization, planned, positions[login.username])
        user = User.objects.filter(username=login.username).first()
        created = user is None
        if created:
            phone_free = not User.objects.filter(phone=login.phone).exists()
            email_free = not User.objects.filter(email=login.email).exists()
            user = User(
                username=login.username,
                first_name=member.name if member else login.full_name,
                email=login.email if email_free else "",
                phone=login.phone if phone_free else None,
                is_staff=login.is_staff,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            if login.is_staff:
                # The Django admin comes with the administrator role (role_assign); full ID numbers
                # stay an explicit permission of their own.
                user.user_permissions.add(_full_id_number_permission())
        if login.role_kind:
            services.role_assign(
                user=user, organization=organization, kind=login.role_kind, started_on=organization.term_started_on
            )
        if member is not None and member.user_id is None and not Member.objects.filter(user=user).exists():
            member.user = user
            member.save(update_fields=["user", "updated_at"])
        results.append(
            DemoLoginResult(
                login=login,
                full_name=user.get_full_name() or login.full_name,
                organization_name=organization.name,
                created=created,
            )
        )
    return results


def _demo_member(organization: Organization, planned: list[MemberPlan], position: int) -> Member | None:
    """The member planned at `position` in the demo branch: by ID number, else by insertion order.

    (A demo tree seeded on another day has other birth dates, hence other ID numbers.)
    """
    digest = idnumbers.digest(planned[position].id_number)
    member = Member.objects.filter(id_number_digest=digest, organization=organization).first()
    if member is None:
        member = Member.objects.filter(organization=organization).order_by("pk")[position : position + 1].first()
    return member


def _full_id_number_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="branches", codename="view_full_id_number")


def demo_branch_add(
    *,
    parent: Organization,
    code: str,
    name: str,
    category: str,
    size: int,
    seed: int = DEFAULT_SEED,
    today: datetime.date,
) -> Organization:
    """One extra branch of exactly `size` members (benchmarks need a known roster size). Idempotent by code."""
    existing = Organization.objects.filter(code=code).first()
    if existing is not None:
        return existing
    profile = category if category in PROFILES else Cat.OTHER
    spec = OrgPlan(
        code,
        name,
        Kind.BRANCH,
        category,
        parent.code,
        parent.code,
        parent.depth + 1,
        profile=profile,
        size=size,
        term_ends_on=today + datetime.timedelta(days=400),
    )
    spec.term_started_on = add_years(spec.term_ends_on, -3)
    members = _branch_members(spec, seed=seed, today=today, earlier=[])
    used: set[str] = set()
    for member in members:
        _assign_id_number(member, used)
    result = DemoSeedResult(planned_branches=1)
    known = {parent.code: parent}
    with transaction.atomic():
        _create_organizations([spec], known)
        _write_branches([spec], {code: members}, known, used=used, result=result)
    return known[code]


ROSTER_FILE_REGIONS = ("460105", "530102", "620102", "630102", "640104", "650102")  # none of them used by the seed


def demo_roster_members(
    *, count: int, seed: int = DEFAULT_SEED, today: datetime.date, regions: Sequence[str] = ROSTER_FILE_REGIONS
) -> list[MemberPlan]:
    """`count` plausible members with ID numbers unique among them, for roster files (benchmarks, manual tests).

    The ID numbers use `regions`, which the seeded tree never uses, so a file of them
    does not collide with the demo members.
    """
    rng = _rng(seed, "roster-file", count)
    kinds = [key for key, profile in PROFILES.items() if not profile.student]
    used: set[str] = set()
    members = []
    for _number in range(count):
        member = _member(rng, profile=PROFILES[rng.choice(kinds)], district=None, today=today)
        member.region = rng.choice(regions)
        _assign_id_number(member, used)
        members.append(member)
    return members


@dataclass
class DemoSummary:
    organizations_by_kind: dict[str, int]
    branches_by_category: dict[str, int]
    members: int
    active_members: int
    probationary_members: int
    members_by_category: dict[str, int]
    members_by_status: dict[str, int]
    memberships: int
    closed_memberships: int
    groups: int
    users: int
    weak_branches: int
    terms_due: int
    terms_overdue: int


def demo_summary(*, today: datetime.date) -> DemoSummary:
    """Counts of the demo tree (everything under the 市委), in a fixed number of queries."""
    city = Organization.objects.filter(code=CITY_CODE).first()
    prefix = city.path if city else "-"  # no path starts with "-": an empty summary
    organizations = Organization.objects.filter(path__startswith=prefix)
    branches = organizations.filter(kind=Kind.BRANCH)
    members = Member.objects.filter(organization__path__startswith=prefix)
    by_kind = dict(organizations.values_list("kind").annotate(n=Count("pk")).order_by())
    by_category = dict(branches.values_list("category").annotate(n=Count("pk")).order_by())
    member_counts = members.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)),
        probationary=Count("pk", filter=Q(membership_type=MembershipType.PROBATIONARY)),
        **{category.value: Count("pk", filter=Q(**{category.value: True})) for category in MemberCategory},
    )
    by_status = dict(members.values_list("status").annotate(n=Count("pk")).order_by())
    membership_counts = Membership.objects.filter(member__organization__path__startswith=prefix).aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(ended_on__isnull=False))
    )
    branch_counts = branches.aggregate(
        weak=Count("pk", filter=Q(is_weak=True)),
        due=Count("pk", filter=Q(term_ends_on__gte=today, term_ends_on__lte=today + datetime.timedelta(days=60))),
        overdue=Count("pk", filter=Q(term_ends_on__lt=today)),
    )
    return DemoSummary(
        organizations_by_kind={kind: by_kind.get(kind, 0) for kind in Kind.values},
        branches_by_category={category: by_category.get(category, 0) for category in Cat.values},
        members=member_counts["total"],
        active_members=member_counts["active"],
        probationary_members=member_counts["probationary"],
        members_by_category={category.value: member_counts[category.value] for category in MemberCategory},
        members_by_status={status: by_status.get(status, 0) for status in MemberStatus.values},
        memberships=membership_counts["total"],
        closed_memberships=membership_counts["closed"],
        groups=PartyGroup.objects.filter(organization__path__startswith=prefix).count(),
        users=User.objects.count(),
        weak_branches=branch_counts["weak"],
        terms_due=branch_counts["due"],
        terms_overdue=branch_counts["overdue"],
    )
