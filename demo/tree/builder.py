"""Building the plan of the demo tree: branch number *i* always gets the same code, name, place and members,
whatever the number of branches asked for (see demo/tree/seed.py)."""

from __future__ import annotations

import datetime
from collections import Counter

from demo.tree.plan import DemoPlan, OrgPlan, _days, _nth, _plan_members, _rng, _shuffled, add_years, chinese_number
from demo.tree.tables import (
    BRAND_CHARS,
    BUILDINGS,
    BUREAUS,
    CATEGORY_CYCLE,
    CHAOYANG,
    CITY_CODE,
    CITY_NAME,
    COLLEGES,
    COMMUNITY_NAMES,
    COMPANIES,
    COMPANY_DEPARTMENTS,
    DISTRICTS,
    EDUCATION_COMMITTEE_CODE,
    EDUCATION_COMMITTEE_NAME,
    GOVERNMENT_DEPARTMENTS,
    HAIDIAN,
    INDUSTRIES,
    INSTITUTIONS,
    MEAN_BRANCH_SIZE,
    PROFILES,
    SCHOOL_BRANCHES,
    SCHOOLS,
    SOCIAL_ORGANIZATIONS,
    UNIVERSITIES,
    UNIVERSITY_BRANCHES,
    VILLAGE_NAMES,
    WANGJING_COMMUNITIES,
    WEAK_REASONS,
    Cat,
    District,
    Kind,
)


class _PlanBuilder:
    """Lays out branch after branch; the organisations above a branch are added the first time one needs them."""

    def __init__(self, *, seed: int, today: datetime.date) -> None:
        self.seed = seed
        self.today = today
        self.organizations: dict[str, OrgPlan] = {}
        self.branches: list[OrgPlan] = []
        self.counters: Counter = Counter()
        self.member_total = 0
        self._add(
            OrgPlan(
                CITY_CODE, CITY_NAME, Kind.MUNICIPAL_COMMITTEE, Cat.GOVERNMENT, None, CITY_CODE, 1, short_name="市委"
            )
        )

    # -- organisations above the branches ---------------------------------

    def _add(self, plan: OrgPlan) -> OrgPlan:
        return self.organizations.setdefault(plan.code, plan)

    def _unit(self, code: str, name: str, kind: str, category: str, parent: OrgPlan, **extra) -> OrgPlan:
        if code in self.organizations:
            return self.organizations[code]
        rng = _rng(self.seed, code)
        term_ends = self.today + _days(rng, 90, 5 * 365 - 30)
        plan = OrgPlan(
            code,
            name,
            kind,
            category,
            parent.code,
            parent.group_code,
            parent.depth + 1,
            established_on=datetime.date(rng.randint(1978, 2015), rng.randint(1, 12), rng.randint(1, 28)),
            term_started_on=add_years(term_ends, -5),
            term_ends_on=term_ends,
            **extra,
        )
        return self._add(plan)

    def _district(self, district: District) -> OrgPlan:
        city = self.organizations[CITY_CODE]
        if district.code not in self.organizations:
            self._add(
                OrgPlan(
                    district.code,
                    district.name,
                    Kind.DISTRICT_COMMITTEE,
                    Cat.GOVERNMENT,
                    CITY_CODE,
                    district.code,
                    city.depth + 1,
                    short_name=district.short,
                )
            )
        return self.organizations[district.code]

    def _education_committee(self) -> OrgPlan:
        city = self.organizations[CITY_CODE]
        if EDUCATION_COMMITTEE_CODE not in self.organizations:
            self._add(
                OrgPlan(
                    EDUCATION_COMMITTEE_CODE,
                    EDUCATION_COMMITTEE_NAME,
                    Kind.WORKING_COMMITTEE,
                    Cat.SCHOOL,
                    CITY_CODE,
                    EDUCATION_COMMITTEE_CODE,
                    city.depth + 1,
                    short_name="教育工委",
                )
            )
        return self.organizations[EDUCATION_COMMITTEE_CODE]

    # -- one branch --------------------------------------------------------

    def add_branch(self, index: int) -> OrgPlan:
        category = CATEGORY_CYCLE[index % len(CATEGORY_CYCLE)]
        block = index // 10
        district = DISTRICTS[block % len(DISTRICTS)]
        if category == Cat.VILLAGE:
            district = CHAOYANG if block % 2 == 0 else HAIDIAN
        if category == Cat.SCHOOL:
            schools_so_far = self.counters["school"]
            self.counters["school"] += 1
            if schools_so_far % 2 == 1:
                return self._finish_branch(index, *self._university_branch())
        key = (district.code, category)
        number = self.counters[key]
        self.counters[key] += 1
        builder = {
            Cat.SCHOOL: self._school_branch,
            Cat.COMMUNITY: self._community_branch,
            Cat.GOVERNMENT: self._government_branch,
            Cat.NON_PUBLIC_ENTERPRISE: self._non_public_branch,
            Cat.PUBLIC_INSTITUTION: self._institution_branch,
            Cat.STATE_ENTERPRISE: self._state_enterprise_branch,
            Cat.SOCIAL_ORGANIZATION: self._social_branch,
            Cat.RETIRED: self._retired_branch,
            Cat.VILLAGE: self._village_branch,
            Cat.OTHER: self._building_branch,
        }[category]
        return self._finish_branch(index, *builder(district, number))

    def _finish_branch(
        self, index: int, parent: OrgPlan, code: str, name: str, category: str, profile: str, address: str = ""
    ) -> OrgPlan:
        rng = _rng(self.seed, code)
        years = 5 if category in (Cat.VILLAGE, Cat.COMMUNITY) else 3
        if index % 10 == 4:  # 换届 due within 60 days
            term_ends = self.today + _days(rng, 5, 55)
        elif index % 25 == 7:  # overdue
            term_ends = self.today - _days(rng, 10, 200)
        else:
            term_ends = self.today + _days(rng, 61, years * 365 - 30)
        term_started = add_years(term_ends, -years)
        established = add_years(term_started, -rng.randint(0, 30))
        is_weak = index % 50 in (13, 37)
        size_profile = PROFILES[profile]
        drawn = rng.triangular(*size_profile.size)
        deficit = MEAN_BRANCH_SIZE * index - self.member_total
        size = max(3, min(150, round(drawn + deficit / 2)))
        self.member_total += size
        plan = OrgPlan(
            code,
            name,
            Kind.BRANCH,
            category,
            parent.code,
            parent.group_code,
            parent.depth + 1,
            established_on=max(established, datetime.date(1950, 1, 1)),
            term_started_on=term_started,
            term_ends_on=term_ends,
            is_weak=is_weak,
            weak_since=self.today - _days(rng, 30, 400) if is_weak else None,
            weak_reason=rng.choice(WEAK_REASONS) if is_weak else "",
            address=address,
            index=index,
            profile=profile,
            size=size,
        )
        self._add(plan)
        self.branches.append(plan)
        return plan

    def _school_branch(self, district: District, number: int):
        school_number, k = divmod(number, len(SCHOOL_BRANCHES))
        top = self._district(district)
        system = self._unit(
            f"{district.code}-EDU",
            f"{district.area}教育系统党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            top,
            short_name=f"{district.short}教育系统党委",
        )
        if school_number < len(SCHOOLS):
            school = SCHOOLS[school_number]
        else:
            school = f"第{chinese_number(school_number + 8)}中学"
        unit = self._unit(
            f"{system.code}-S{school_number + 1:02d}",
            f"{district.area}{school}党总支",
            Kind.GENERAL_BRANCH,
            Cat.SCHOOL,
            system,
        )
        name = f"{district.area}教育系统{school}{SCHOOL_BRANCHES[k]}"
        return unit, f"{unit.code}-{k + 1:02d}", name, Cat.SCHOOL, Cat.SCHOOL

    def _university_branch(self):
        number = self.counters["university"]
        self.counters["university"] += 1
        college_number, k = divmod(number, len(UNIVERSITY_BRANCHES))
        university_number, c = divmod(college_number, 6)
        top = self._education_committee()
        university_name = _nth(UNIVERSITIES, university_number)
        university = self._unit(
            f"{top.code}-U{university_number + 1:02d}",
            f"{university_name}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            top,
        )
        college_name = _shuffled(self.seed, university.code, COLLEGES)[c]
        college = self._unit(
            f"{university.code}-C{c + 1:02d}",
            f"{university_name}{college_name}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            university,
            short_name=f"{college_name}党委",
        )
        branch_name, profile = UNIVERSITY_BRANCHES[k]
        name = f"{university_name}{college_name}{branch_name}"
        return college, f"{college.code}-{k + 1:02d}", name, Cat.SCHOOL, profile

    def _community_branch(self, district: District, number: int):
        street_number, k = divmod(number, 8)
        street = _nth(district.streets, street_number)
        unit = self._unit(
            f"{district.code}-JD{street_number + 1:02d}",
            f"{district.area}{street}街道工委",
            Kind.WORKING_COMMITTEE,
            Cat.COMMUNITY,
            self._district(district),
            short_name=f"{street}街道工委",
        )
        pool = WANGJING_COMMUNITIES if street == "望京" else _shuffled(self.seed, unit.code, COMMUNITY_NAMES)
        community = pool[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{street}街道{community}社区党支部",
            Cat.COMMUNITY,
            Cat.COMMUNITY,
            f"北京市{district.area}{street}街道{community}社区居委会",
        )

    def _government_branch(self, district: District, number: int):
        bureau_number, k = divmod(number, 4)
        bureau = _nth(_shuffled(self.seed, district.code, BUREAUS), bureau_number)
        unit = self._unit(
            f"{district.code}-JG{bureau_number + 1:02d}",
            f"{district.area}{bureau}机关党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.GOVERNMENT,
            self._district(district),
        )
        department = _shuffled(self.seed, unit.code, GOVERNMENT_DEPARTMENTS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{bureau}{department}党支部",
            Cat.GOVERNMENT,
            Cat.GOVERNMENT,
        )

    def _non_public_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 15)
        area = _nth(district.streets, unit_number)
        unit = self._unit(
            f"{district.code}-FG{unit_number + 1:02d}",
            f"{district.area}{area}地区非公有制企业综合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.NON_PUBLIC_ENTERPRISE,
            self._district(district),
        )
        rng = _rng(self.seed, unit.code, k)
        company = f"北京{''.join(rng.sample(BRAND_CHARS, 2))}{rng.choice(INDUSTRIES)}有限公司"
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{company}党支部",
            Cat.NON_PUBLIC_ENTERPRISE,
            Cat.NON_PUBLIC_ENTERPRISE,
        )

    def _institution_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 5)
        institution, departments, profile = INSTITUTIONS[unit_number % len(INSTITUTIONS)]
        institution = _nth([entry[0] for entry in INSTITUTIONS], unit_number)
        unit = self._unit(
            f"{district.code}-SY{unit_number + 1:02d}",
            f"{district.area}{institution}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.PUBLIC_INSTITUTION,
            self._district(district),
        )
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{institution}{departments[k]}党支部",
            Cat.PUBLIC_INSTITUTION,
            profile,
        )

    def _state_enterprise_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 6)
        company = f"北京{district.short}{_nth(_shuffled(self.seed, district.code, COMPANIES), unit_number)}"
        unit = self._unit(
            f"{district.code}-GQ{unit_number + 1:02d}",
            f"{company}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.STATE_ENTERPRISE,
            self._district(district),
        )
        department = _shuffled(self.seed, unit.code, COMPANY_DEPARTMENTS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{company}{department}党支部",
            Cat.STATE_ENTERPRISE,
            Cat.STATE_ENTERPRISE,
        )

    def _social_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 12)
        ordinal = f"第{chinese_number(unit_number + 1)}" if unit_number else ""
        unit = self._unit(
            f"{district.code}-SH{unit_number + 1:02d}",
            f"{district.area}社会组织{ordinal}综合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SOCIAL_ORGANIZATION,
            self._district(district),
        )
        organization = _shuffled(self.seed, unit.code, SOCIAL_ORGANIZATIONS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{organization}党支部",
            Cat.SOCIAL_ORGANIZATION,
            Cat.SOCIAL_ORGANIZATION,
        )

    def _retired_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 8)
        if unit_number == 0:
            unit_name = f"{district.area}委老干部局离退休干部党委"
        else:
            unit_name = f"{district.area}离退休干部第{chinese_number(unit_number + 1)}党委"
        unit = self._unit(
            f"{district.code}-LT{unit_number + 1:02d}",
            unit_name,
            Kind.PRIMARY_COMMITTEE,
            Cat.RETIRED,
            self._district(district),
        )
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}离退休干部第{chinese_number(number + 1)}党支部",
            Cat.RETIRED,
            Cat.RETIRED,
        )

    def _village_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 15)
        town = _nth(district.towns, unit_number)
        unit = self._unit(
            f"{district.code}-NC{unit_number + 1:02d}",
            f"{district.area}{town}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.VILLAGE,
            self._district(district),
            short_name=f"{town}党委",
        )
        village = _shuffled(self.seed, unit.code, VILLAGE_NAMES)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{town}{village}村党支部",
            Cat.VILLAGE,
            Cat.VILLAGE,
            f"北京市{district.area}{town}{village}村村民委员会",
        )

    def _building_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 8)
        area = _nth(district.streets, unit_number + 3)
        unit = self._unit(
            f"{district.code}-LY{unit_number + 1:02d}",
            f"{district.area}{area}地区商务楼宇联合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.OTHER,
            self._district(district),
        )
        rng = _rng(self.seed, unit.code, k)
        building = f"{''.join(rng.sample(BRAND_CHARS, 2))}{rng.choice(BUILDINGS)}"
        return (unit, f"{unit.code}-{k + 1:02d}", f"{district.area}{building}联合党支部", Cat.OTHER, Cat.OTHER)


def demo_plan(*, branches: int, seed: int, today: datetime.date) -> DemoPlan:
    """The organisations and members of the demo, without touching the database.

    The first `n` branches of a bigger plan are exactly the branches of a plan of `n`.
    """
    builder = _PlanBuilder(seed=seed, today=today)
    for index in range(branches):
        builder.add_branch(index)
    plan = DemoPlan(organizations=list(builder.organizations.values()), branches=builder.branches)
    _plan_members(plan, seed=seed, today=today)
    return plan
