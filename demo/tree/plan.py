"""The demo tree as a plan: the organisations and members it will write (dataclasses), each member drawn from
its own generator (name, age, dates, categories, ID number), before anything touches the database."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from branches import idnumbers
from branches.models import (
    Gender,
    MembershipType,
    MemberStatus,
    RoleKind,
)
from demo.tree.tables import (
    BEIJING_REGIONS,
    COMMITTEE_ROLES,
    DEMO_LOGINS_BY_USERNAME,
    DISTRICTS_BY_CODE,
    ETHNICITY_CHOICE,
    FEMALE_CHARS,
    FEMALE_NAMES,
    MALE_CHARS,
    MALE_NAMES,
    OLD_FEMALE_NAMES,
    OLD_MALE_NAMES,
    OTHER_REGIONS,
    PHONE_PREFIXES,
    PROFILES,
    SURNAME_CHOICE,
    YOUNG_FEMALE_NAMES,
    YOUNG_MALE_NAMES,
    Cat,
    District,
    Profile,
)


@dataclass
class OrgPlan:
    code: str
    name: str
    kind: str
    category: str
    parent_code: str | None
    group_code: str  # the district (or 工委) whose transaction writes it
    depth: int
    short_name: str = ""
    established_on: datetime.date | None = None
    term_started_on: datetime.date | None = None
    term_ends_on: datetime.date | None = None
    is_weak: bool = False
    weak_since: datetime.date | None = None
    weak_reason: str = ""
    address: str = ""
    index: int | None = None  # branch number
    profile: str = ""
    size: int = 0

    def organization_fields(self) -> dict:
        return {
            "name": self.name,
            "short_name": self.short_name,
            "code": self.code,
            "kind": self.kind,
            "category": self.category,
            "established_on": self.established_on,
            "term_started_on": self.term_started_on,
            "term_ends_on": self.term_ends_on,
            "is_weak": self.is_weak,
            "weak_since": self.weak_since,
            "weak_reason": self.weak_reason,
            "address": self.address,
        }


@dataclass(slots=True)
class MemberPlan:
    name: str
    gender: str
    birth_date: datetime.date
    ethnicity: str
    education: str
    phone: str
    region: str
    sequence: int
    membership_type: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    started_on: datetime.date
    position: str
    is_retired: bool = False
    is_floating: bool = False
    is_non_public: bool = False
    is_leading_cadre: bool = False
    is_student: bool = False
    status: str = MemberStatus.ACTIVE
    status_changed_on: datetime.date | None = None
    group_number: int | None = None
    committee_role: str | None = None
    login: str = ""
    previous_branch: str = ""
    id_number: str = ""

    def compose_id_number(self) -> str:
        return idnumbers.compose(region=self.region, birth_date=self.birth_date, sequence=self.sequence)


@dataclass
class DemoPlan:
    organizations: list[OrgPlan]
    branches: list[OrgPlan]
    members: dict[str, list[MemberPlan]] = field(default_factory=dict)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, *parts)))  # noqa: S311 - demo data, not secrets


def chinese_number(n: int) -> str:
    """一, 二, …, 十一, 二十, 一百零一: the ordinals in organisation names."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        text = digits[hundreds] + "百"
        if rest == 0:
            return text
        if rest < 10:
            return text + "零" + digits[rest]
        return text + digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else "")
    return str(n)


def _nth(names: Sequence[str], n: int) -> str:
    """The n-th name; past the end of the list the names come round again, numbered: 图书馆（二）."""
    name = names[n % len(names)]
    lap = n // len(names)
    return f"{name}（{chinese_number(lap + 1)}）" if lap else name


def _shuffled(seed: int, key: str, names: Sequence[str]) -> list[str]:
    pool = list(names)
    _rng(seed, "pool", key).shuffle(pool)
    return pool


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _person_name(rng: random.Random, *, male: bool, birth_year: int, today: datetime.date) -> str:
    surname = SURNAME_CHOICE.pick(rng)
    if birth_year < 1965 and rng.random() < 0.35:
        return surname + rng.choice(OLD_MALE_NAMES if male else OLD_FEMALE_NAMES)
    if birth_year > today.year - 32 and rng.random() < 0.25:
        return surname + rng.choice(YOUNG_MALE_NAMES if male else YOUNG_FEMALE_NAMES)
    roll = rng.random()
    if roll < 0.45:
        return surname + rng.choice(MALE_NAMES if male else FEMALE_NAMES)
    chars = MALE_CHARS if male else FEMALE_CHARS
    if roll < 0.75:
        return surname + rng.choice(chars)
    return surname + "".join(rng.sample(chars, 2))


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _member(
    rng: random.Random, *, profile: Profile, district: District | None, today: datetime.date, committee: bool = False
) -> MemberPlan:
    age_days = int(rng.triangular(*profile.age) * 365.2425)
    birth = today - datetime.timedelta(days=age_days) + _days(rng, 0, 200)
    male = rng.random() < profile.male
    floating = not committee and rng.random() < profile.floating
    if floating or rng.random() < 0.12:
        region = rng.choice(OTHER_REGIONS)
    elif district is None or rng.random() < 0.15:
        region = rng.choice(BEIJING_REGIONS)
    else:
        region = district.region
    eighteenth = add_years(birth, 18)
    probationary = (
        not committee and rng.random() < profile.probationary and eighteenth < today - datetime.timedelta(days=400)
    )
    if probationary:
        joined = today - _days(rng, 20, 350)
        full = None
    else:
        latest = today - datetime.timedelta(days=400)
        joined = eighteenth + datetime.timedelta(days=int(rng.triangular(0, 25, 4) * 365.2425))
        if joined > latest:
            joined = eighteenth + datetime.timedelta(days=rng.randint(1, max(1, (latest - eighteenth).days)))
        full = add_years(joined, 1)
    age = _age_on(birth, today)
    retired = profile.retired or (
        profile.retired_from_age is not None and age >= profile.retired_from_age and rng.random() < 0.9
    )
    leading = rng.random() < profile.leading and age >= 30
    if retired and not profile.retired:
        position = "退休职工"
    elif profile.retired:
        # 离休: in work before 1 October 1949.
        position = "离休干部" if birth.year <= 1933 else rng.choice(profile.jobs)
    elif leading:
        position = rng.choice(profile.leading_jobs)
    else:
        position = rng.choice(profile.jobs)
    if profile.student or probationary:
        started = joined
    elif retired and add_years(birth, 60) > joined:
        started = min(add_years(birth, 60), today - datetime.timedelta(days=30))
    else:
        span = max(0, (today - datetime.timedelta(days=30) - joined).days)
        started = joined + datetime.timedelta(days=int(span * rng.random() ** 2))
    return MemberPlan(
        name=_person_name(rng, male=male, birth_year=birth.year, today=today),
        gender=Gender.MALE if male else Gender.FEMALE,
        birth_date=birth,
        ethnicity=ETHNICITY_CHOICE.pick(rng),
        education=profile.education.pick(rng),
        phone=_phone(rng),
        region=region,
        sequence=rng.randrange(500) * 2 + (1 if male else 0),  # odd for men, even for women (GB 11643)
        membership_type=MembershipType.PROBATIONARY if probationary else MembershipType.FULL,
        joined_on=joined,
        full_member_on=full,
        started_on=started,
        position=position,
        is_retired=retired,
        is_floating=floating,
        is_non_public=rng.random() < profile.non_public,
        is_leading_cadre=leading,
        is_student=profile.student,
    )


def _branch_members(plan: OrgPlan, *, seed: int, today: datetime.date, earlier: Sequence[OrgPlan]) -> list[MemberPlan]:
    rng = _rng(seed, "members", plan.code)
    profile = PROFILES[plan.profile]
    district = DISTRICTS_BY_CODE.get(plan.group_code)
    committee_size = 1 if plan.size < 7 else 3 if plan.size < 30 else 5
    roles = COMMITTEE_ROLES[committee_size]
    members = []
    for number in range(plan.size):
        in_committee = number < committee_size
        member_profile = PROFILES["university_staff"] if profile.student and number == 0 else profile
        member = _member(rng, profile=member_profile, district=district, today=today, committee=in_committee)
        if in_committee:
            member.committee_role = roles[number]
            if plan.category == Cat.GOVERNMENT and number == 0:
                member.is_leading_cadre = True
                member.position = rng.choice(PROFILES[Cat.GOVERNMENT].leading_jobs)
        else:
            _member_history(rng, member, profile=profile, today=today, earlier=earlier)
        members.append(member)
    _ensure_special_members(rng, plan, members, profile=profile, today=today)
    group_count = 0 if plan.size < 30 else min(6, -(-plan.size // 15))
    if group_count:
        for number, member in enumerate(members):
            member.group_number = number % group_count
    return members


def _member_history(
    rng: random.Random, member: MemberPlan, *, profile: Profile, today: datetime.date, earlier: Sequence[OrgPlan]
) -> None:
    """Transfers from an earlier branch of the district, and statuses other than active."""
    if earlier and member.started_on > member.joined_on + datetime.timedelta(days=365) and rng.random() < 0.12:
        member.previous_branch = rng.choice(earlier).code
    roll = rng.random()
    status = None
    if roll < profile.deceased:
        status = MemberStatus.DECEASED
    elif roll < profile.deceased + 0.015:
        status = MemberStatus.TRANSFERRED_OUT
    elif roll < profile.deceased + 0.017:
        status = MemberStatus.LEFT
    if status:
        member.status = status
        member.status_changed_on = member.started_on + datetime.timedelta(
            days=int(max(0, (today - member.started_on).days) * rng.random())
        )


def _ensure_special_members(
    rng: random.Random, plan: OrgPlan, members: list[MemberPlan], *, profile: Profile, today: datetime.date
) -> None:
    """Every kind of branch shows what is typical of it, even at the smallest size."""
    ordinary = [member for member in members if member.committee_role is None and member.status == MemberStatus.ACTIVE]
    if not ordinary:
        return
    last = ordinary[-1]
    if profile.floating and not any(member.is_floating for member in members):
        last.is_floating = True
        last.region = rng.choice(OTHER_REGIONS)
    if profile.deceased and len(members) >= 8 and not any(m.status == MemberStatus.DECEASED for m in members):
        last.status = MemberStatus.DECEASED
        last.status_changed_on = last.started_on + datetime.timedelta(
            days=int(max(0, (today - last.started_on).days) * rng.random())
        )


def _plan_members(plan: DemoPlan, *, seed: int, today: datetime.date) -> None:
    """Members of every branch, with ID numbers unique across the whole plan (resolved in branch order)."""
    earlier_in_group: dict[str, list[OrgPlan]] = defaultdict(list)
    used: set[str] = set()
    for branch in plan.branches:
        earlier = earlier_in_group[branch.group_code]
        members = _branch_members(branch, seed=seed, today=today, earlier=earlier[-60:])
        for member in members:
            _assign_id_number(member, used)
        plan.members[branch.code] = members
        earlier.append(branch)
    if plan.branches:
        demo_branch = plan.members[plan.branches[0].code]
        _mark_demo_logins(demo_branch)


def _assign_id_number(member: MemberPlan, used: set[str]) -> None:
    number = member.compose_id_number()
    tries = 0
    while number in used:
        tries += 1
        if tries >= 500:  # every sequence of this birth date and sex is taken: move the birth date by a day
            member.birth_date += datetime.timedelta(days=1)
            tries = 0
        member.sequence = (member.sequence + 2) % 1000
        number = member.compose_id_number()
    used.add(number)
    member.id_number = number


def _mark_demo_logins(members: list[MemberPlan]) -> None:
    secretary = next(member for member in members if member.committee_role == RoleKind.SECRETARY)
    secretary.login = "secretary"
    secretary.phone = DEMO_LOGINS_BY_USERNAME["secretary"].phone
    ordinary = next(
        member
        for member in members
        if member.committee_role is None
        and member.status == MemberStatus.ACTIVE
        and member.membership_type == MembershipType.FULL
        and not member.is_leading_cadre
    )
    ordinary.login = "member"
    ordinary.phone = DEMO_LOGINS_BY_USERNAME["member"].phone
