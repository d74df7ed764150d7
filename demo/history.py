"""A realistic year of organisational life (组织生活) for every branch of a subtree: the data behind the oversight
dashboards at district and city scale (`seed_demo --history`, bench/bench_compliance.py).

For each branch under `root` with active members, from 1 January (or the day the branch was founded) to the day
before `today`:

* every month a 主题党日 on the branch's fixed day (August's also counts as 警示教育); a 党小组会 per 党小组, or a
  集中学习 of the whole branch where it has no groups; a 支部委员会 where the branch has at least 7 active members
  (attended by the holders of a committee role in the branch, as `services.expected_attendees_q` expects);
* every quarter a 支部党员大会 that counts as 专题研讨 too, and a 党课 (given by the secretary in about half of
  them; in some branches the 党课 is part of that quarter's middle 主题党日, which then counts for both);
* the 七一 仪式教育 between 15 June and 15 July, and the 组织生活会 in December once it has been held;
* a share of the branches (`noncompliant_share`) deliberately skips things: one to three 主题党日, a quarter's
  党员大会, some 支委会 or a group's months, now and then the 七一 or a quarter's 党课 — so that the dashboards
  have missed results to show;
* attendance of every expected member who had joined the branch by the day: about 88 % 出席 (signed in by QR
  code in some branches), 8 % 请假 with a reason — a 补学 task for a meeting with study content, as
  `services.attendance_record` gives one — and 4 % 缺席; a few members drifted away and have missed everything
  for three to eight months (rule M1: warned, or flagged at six);
* meetings held more than 7 days ago are filed (归档, version 1 with `records_services.meeting_snapshot` /
  `records_services.content_hash` of exactly the rows written, then signed and chained by
  `records_services.records_sign_unsigned`: `manage.py verify_records` passes); the last week's,
  and a few older ones, are held and wait to be filed.

The rows are those the services write (`meeting_create`, `attendance_record`, `meeting_file`: `held_on`, counted
kinds, `version` counting the writes, the 补学 task's topic, hours and due date), with the story's moments in
the timestamps. They are written in bulk — COPY on PostgreSQL, `bulk_create` elsewhere — one transaction per
chunk of branches; then the year's compliance results are recomputed (reviews.compliance.services), the M1 flags of the
branches refreshed (reviews.members.rules) and, on PostgreSQL, the tables analysed (autovacuum may be off).

Idempotent: a branch that already has a meeting held in the year is left alone (so a second call adds nothing).
Deterministic: each branch and its members draw from a generator seeded with `seed` and the branch code; members
are taken in the order of their ID-number digest.
"""

from __future__ import annotations

import calendar
import datetime
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings import services as services
from activities.models import (
    STUDY_KINDS,
    Attendance,
    AttendanceStatus,
    CountedKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    ThemeDayPart,
)
from activities.records import services as records_services
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    Member,
    Membership,
    MemberStatus,
    Organization,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
)
from demo.bulk import allocate_ids, copy_rows, is_postgresql, story_timestamps
from reviews.compliance.rules import COMMITTEE_MIN_MEMBERS, GRACE_DAYS_DEFAULT
from reviews.compliance.services import compliance_recompute
from reviews.members.rules import member_flags_refresh
from reviews.models import ComplianceResult, ComplianceRollup, MemberFlag
from study.models import StudyTask, TaskKind, TaskStatus

BRANCH_CHUNK = 200  # branches per transaction
BATCH_SIZE = 5000  # rows per bulk_create (SQLite)
FILE_AFTER_DAYS = 7  # held this long ago → filed (but for a few)
PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT.value, AttendanceStatus.LEAVE.value, AttendanceStatus.ABSENT.value
# Shares of the expected attendees (the rest is 缺席).
PRESENT_SHARE = 0.88
LEAVE_SHARE = 0.08
COMMITTEE_PRESENT_SHARE = 0.95  # at the 支委会
DRIFT_SHARE = 0.012  # members who stopped coming (M1)
UNFILED_SHARE = 0.03  # meetings of the last 40 days left unfiled beyond the week
QR_BRANCH_SHARE = 0.3  # branches that sign in by QR code
LECTURE_IN_THEME_DAY_SHARE = 0.3  # branches whose 党课 is part of a 主题党日
SECRETARY_LECTURE_SHARE = 0.5
MAKEUP_DONE_SHARE = 0.8  # 补学 done, of those already due

Kind = MeetingKind
Part = ThemeDayPart

# fmt: off
THEME_DAY_TOPICS = {
    1: "重温入党誓词，谋划全年支部工作", 2: "学习党章总纲，牢记党员身份", 3: "学雷锋主题志愿服务",
    4: "缅怀革命先烈，传承红色基因", 5: "学习党内政治生活准则，严肃组织生活", 6: "立足岗位建功，服务首都发展",
    7: "庆祝党的生日，交流入党初心", 8: "以案为鉴警示教育，严守纪律规矩", 9: "学习身边先进典型，争做合格党员",
    10: "走访红色教育基地，追寻革命足迹", 11: "学习贯彻全会精神，推动任务落实", 12: "对照合格党员标准，开展自我检视",
}
THEME_DAY_PARTS = {
    1: (Part.STUDY, Part.DELIBERATION), 2: (Part.STUDY,), 3: (Part.STUDY, Part.VOLUNTEER), 4: (Part.STUDY,),
    5: (Part.STUDY, Part.DELIBERATION), 6: (Part.STUDY, Part.VOLUNTEER), 7: (Part.STUDY, Part.DELIBERATION),
    8: (Part.STUDY,), 9: (Part.STUDY, Part.VOLUNTEER), 10: (Part.STUDY,), 11: (Part.STUDY, Part.DELIBERATION),
    12: (Part.STUDY, Part.DELIBERATION),
}
STUDY_TOPICS = (
    "党章第一章“党员”", "党章第二章“党的组织制度”", "《中国共产党纪律处分条例》", "党的创新理论最新成果",
    "习近平总书记对北京工作的重要讲话精神", "党史中的重要会议", "《关于新形势下党内政治生活的若干准则》",
    "《中国共产党党员教育管理工作条例》", "全国优秀共产党员先进事迹", "党的二十届三中全会精神",
    "《中国共产党支部工作条例（试行）》", "年度工作总结与党员思想交流",
)
COMMITTEE_TOPICS = (
    "研究本月主题党日安排", "研究发展党员和预备党员转正工作", "研究党费收缴和使用情况", "研究困难党员帮扶工作",
    "研究季度党员大会议题", "讨论支部年度学习计划落实情况", "研究“七一”表彰和仪式教育安排", "研究党员志愿服务安排",
    "分析党员思想状况", "研究组织生活会准备工作", "研究民主评议党员工作", "研究年度述职和工作总结",
)
GENERAL_TOPICS = {
    1: "专题研讨：学习领会全年工作部署，谈认识谈打算",
    2: "专题研讨：加强党性修养，立足岗位作表率",
    3: "专题研讨：对照党章党规找差距，推动问题整改",
    4: "专题研讨：总结全年支部工作，谋划明年重点任务",
}
LECTURE_TOPICS = {
    1: "党课：坚定理想信念，补足精神之钙",
    2: "党课：从党的历史中汲取前进力量",
    3: "党课：严守政治纪律和政治规矩",
    4: "党课：践行宗旨意识，做合格共产党员",
}
LECTURER_GUESTS = (
    ("区委党校讲师", "刘老师"), ("街道工委宣讲团成员", "王老师"), ("市委讲师团讲师", "陈老师"),
    ("高校马克思主义学院教师", "赵老师"),
)
COMMITTEE_POSTS = {
    RoleKind.DEPUTY_SECRETARY: "党支部副书记", RoleKind.ORGANIZER: "组织委员", RoleKind.PROPAGANDA: "宣传委员",
    RoleKind.DISCIPLINE: "纪检委员",
}
LOCATIONS = ("党员活动室", "第一会议室", "党群服务中心", "多功能厅", "三楼会议室", "党建活动中心")
LEAVE_REASONS = (
    "因公出差", "因病请假", "单位值班", "外出培训学习", "家中有事", "陪护家人就医", "参加上级会议", "年老体弱行动不便",
)
MAKEUP_REFLECTIONS = (
    "已自学会议材料并观看学习视频，对照要求查找了自身不足。",
    "补学了会议精神，向支部书记汇报了学习体会。",
    "认真阅读了会议纪要和学习材料，写了学习笔记。",
)
# fmt: on


@dataclass
class HistoryStats:
    """What `history_generate` wrote (and how long each step took)."""

    year: int
    branches: int = 0  # branches given a history by this call
    branches_skipped: int = 0  # branches that already had meetings in the year
    noncompliant_branches: int = 0
    meetings: int = 0
    filed: int = 0
    held: int = 0
    counted_kinds: int = 0
    attendance: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    makeup_tasks: int = 0
    versions: int = 0
    drifting_members: int = 0
    results: int = 0  # compliance results after the recompute
    flags: int = 0  # M1 flags after the refresh
    write_seconds: float = 0.0
    recompute_seconds: float = 0.0
    flags_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.meetings + self.counted_kinds + self.attendance + self.makeup_tasks + self.versions


# What is read of a branch ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    pk: int
    group_id: int | None
    user_id: int | None
    started_on: datetime.date
    drift_from: datetime.date | None = None  # absent from every meeting from this day


@dataclass
class _Branch:
    pk: int
    code: str
    parent_name: str
    established_on: datetime.date | None
    members: list[_Member] = field(default_factory=list)
    groups: list[tuple[int, int | None]] = field(default_factory=list)  # (group id, leader member id)
    roles: dict[int, str] = field(default_factory=dict)  # user id → committee role

    def with_role(self, *kinds: str) -> list[_Member]:
        return [m for m in self.members if m.user_id is not None and self.roles.get(m.user_id) in kinds]

    @property
    def committee(self) -> list[_Member]:
        return self.with_role(*COMMITTEE_ROLE_KINDS)

    @property
    def secretary(self) -> _Member | None:
        found = self.with_role(RoleKind.SECRETARY) or self.with_role(RoleKind.DEPUTY_SECRETARY)
        return found[0] if found else None


def _branches_under(root: Organization) -> list[int]:
    """The branches of the subtree with active members."""
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return list(
        Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH, pk__in=with_members)
        .order_by("code")
        .values_list("pk", flat=True)
    )


def _with_meetings(branch_ids: list[int], year: int) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(branch_ids), 5000):
        found.update(
            Meeting.objects.filter(organization_id__in=branch_ids[start : start + 5000], held_on__year=year)
            .values_list("organization_id", flat=True)
            .distinct()
        )
    return found


def _load(branch_ids: list[int]) -> list[_Branch]:
    """The branches with their active members (the day each joined), groups and committee roles. Five queries."""
    branches = {
        pk: _Branch(pk=pk, code=code, parent_name=parent_name or "", established_on=established_on)
        for pk, code, parent_name, established_on in Organization.objects.filter(pk__in=branch_ids)
        .order_by("code")
        .values_list("pk", "code", "parent__name", "established_on")
    }
    started = dict(
        Membership.objects.filter(organization_id__in=branch_ids, ended_on__isnull=True).values_list(
            "member_id", "started_on"
        )
    )
    for pk, organization_id, group_id, user_id, joined_on in (
        Member.objects.filter(organization_id__in=branch_ids, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "id_number_digest", "pk")
        .values_list("pk", "organization_id", "group_id", "user_id", "joined_on")
    ):
        branches[organization_id].members.append(_Member(pk, group_id, user_id, started.get(pk, joined_on)))
    for pk, organization_id, leader_id in (
        PartyGroup.objects.filter(organization_id__in=branch_ids)
        .order_by("organization_id", "name", "pk")
        .values_list("pk", "organization_id", "leader_id")
    ):
        branches[organization_id].groups.append((pk, leader_id))
    rank = {kind: number for number, kind in enumerate(RoleKind.values)}
    for organization_id, kind, user_id in (
        Role.objects.filter(organization_id__in=branch_ids, kind__in=COMMITTEE_ROLE_KINDS)
        .order_by("organization_id", "user_id", "kind")
        .values_list("organization_id", "kind", "user_id")
    ):
        roles = branches[organization_id].roles
        if user_id not in roles or rank[kind] < rank[roles[user_id]]:
            roles[user_id] = kind
    return [branch for branch in branches.values() if branch.members]


# The year of one branch -----------------------------------------------------------------------------------------


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "history", *parts)))  # noqa: S311 - demo data


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _weekday(day: datetime.date, *, forward: bool = False) -> datetime.date:
    """The day, or the nearest weekday in the same month (forward only, when asked)."""
    if day.weekday() < 5:
        return day
    ahead = day + datetime.timedelta(days=7 - day.weekday())
    if forward or ahead.month == day.month:
        return ahead
    return day - datetime.timedelta(days=day.weekday() - 4)


def _month_day(year: int, month: int, day: int) -> datetime.date:
    return _weekday(datetime.date(year, month, min(day, calendar.monthrange(year, month)[1])))


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


class _Kind(NamedTuple):
    """A counted-kind row (what `meeting_snapshot` reads of it, and the columns written)."""

    meeting_id: int
    kind: str


class _Entry(NamedTuple):
    """An attendance row (what `meeting_snapshot` reads of it, and the columns written)."""

    meeting_id: int
    member_id: int
    status: str
    leave_reason: str
    signed_in_at: datetime.datetime | None


@dataclass
class _Planned:
    meeting: Meeting
    kinds: tuple[str, ...]
    entries: list[tuple[int, str, str, datetime.datetime | None]]  # member id, status, reason, signed in


class _Year:
    """The meetings of one branch for the year so far (see the module docstring)."""

    def __init__(
        self, branch: _Branch, *, seed: int, year: int, today: datetime.date, noncompliant_share: float
    ) -> None:
        self.branch = branch
        self.year = year
        self.today = today
        self.rng = _rng(seed, branch.code)
        rng = self.rng
        self.noncompliant = rng.random() < noncompliant_share
        self.first_day = max(datetime.date(year, 1, 1), branch.established_on or datetime.date(year, 1, 1))
        # Meetings are held before today (today's may still be running).
        self.last_day = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
        self.months = list(range(1, self.last_day.month + 1)) if self.last_day >= self.first_day else []
        self.theme_day = rng.randint(5, 25)
        self.location = rng.choice(LOCATIONS)
        self.qr = rng.random() < QR_BRANCH_SHARE
        self.lecture_in_theme_day = rng.random() < LECTURE_IN_THEME_DAY_SHARE
        self.secretary = branch.secretary
        committee = branch.committee
        self.committee = committee
        others = [m for m in committee if m is not self.secretary]
        self.recorder = others[0] if others else self.secretary
        self.manager_user_id = (
            self.secretary.user_id if self.secretary else (committee[0].user_id if committee else None)
        )
        self.active_count = len(branch.members)
        self.skips = self._skips() if self.noncompliant else set()
        self._drift()
        self.planned: list[_Planned] = []

    # -- what a non-compliant branch leaves out ------------------------------------------------------------------

    def _closed(self, end: datetime.date) -> bool:
        return end + datetime.timedelta(days=GRACE_DAYS_DEFAULT) < self.today

    def _skips(self) -> set[tuple]:
        """One to three missing 主题党日 (at least one in a month already judged missed), a quarter without
        党员大会, and now and then 支委会 months, a group's months, the 七一 or a quarter's 党课."""
        rng, year = self.rng, self.year
        skips: set[tuple] = set()
        closed_months = [m for m in self.months if self._closed(_month_end(year, m))] or self.months
        if not closed_months:
            return skips
        for month in rng.sample(closed_months, min(len(closed_months), rng.randint(1, 3))):
            skips.add(("theme_day", month))
        closed_quarters = sorted({(m - 1) // 3 + 1 for m in closed_months if m % 3 == 0}) or [1]
        if rng.random() < 0.7:
            skips.add(("general", rng.choice(closed_quarters)))
        if rng.random() < 0.3:
            skips.add(("lecture", rng.choice(closed_quarters)))
        if rng.random() < 0.5:
            skips.add(("ceremony",))
        if rng.random() < 0.5:
            for month in rng.sample(closed_months, min(len(closed_months), rng.randint(1, 3))):
                skips.add(("committee", month))
        if self.branch.groups and rng.random() < 0.5:
            group_id = rng.choice(self.branch.groups)[0]
            for month in rng.sample(closed_months, min(len(closed_months), rng.randint(1, 2))):
                skips.add(("group", group_id, month))
        elif rng.random() < 0.5:
            skips.add(("study", rng.choice(closed_months)))
        return skips

    def _drift(self) -> None:
        """A few ordinary members stopped coming three to eight months ago (rule M1)."""
        keen = {m.pk for m in self.committee} | {leader_id for _group_id, leader_id in self.branch.groups}
        last = self.last_day
        for member in self.branch.members:
            if member.pk in keen or self.rng.random() >= DRIFT_SHARE:
                continue
            months = self.rng.randint(3, 8)
            index = last.year * 12 + last.month - 1 - months
            member.drift_from = datetime.date(index // 12, index % 12 + 1, 1)

    # -- the meetings ------------------------------------------------------------------------------------------

    def build(self) -> list[_Planned]:
        branch, rng, year = self.branch, self.rng, self.year
        lecture_month = {q: rng.choice((3 * q - 2, 3 * q - 1, 3 * q)) for q in range(1, 5)}
        general_month = {q: rng.choice((3 * q - 2, 3 * q - 1, 3 * q)) for q in range(1, 5)}
        for month in self.months:
            quarter = (month - 1) // 3 + 1
            lecture_here = self.lecture_in_theme_day and month == 3 * quarter - 1
            if ("theme_day", month) not in self.skips:
                self._theme_day(month, with_lecture=lecture_here and ("lecture", quarter) not in self.skips)
            if branch.groups:
                for group_id, leader_id in branch.groups:
                    if ("group", group_id, month) not in self.skips:
                        self._group_meeting(month, group_id, leader_id)
            elif ("study", month) not in self.skips:
                self._collective_study(month)
            if self.active_count >= COMMITTEE_MIN_MEMBERS and ("committee", month) not in self.skips:
                self._committee_meeting(month)
            if month == general_month[quarter] and ("general", quarter) not in self.skips:
                self._general_meeting(month, quarter)
            if (
                not self.lecture_in_theme_day
                and month == lecture_month[quarter]
                and ("lecture", quarter) not in self.skips
            ):
                self._lecture(month, quarter)
        if ("ceremony",) not in self.skips:
            day = _weekday(datetime.date(year, 6, 15) + datetime.timedelta(days=rng.randint(0, 27)), forward=True)
            self._add(day, (9, 0), 60, Kind.CEREMONY, "“七一”仪式教育：重温入党誓词，过政治生日", ())
        day = _weekday(datetime.date(year, 12, rng.randint(10, 26)))
        self._add(
            day,
            (14, 0),
            180,
            Kind.ORG_LIFE_MEETING,
            f"{year}年度组织生活会暨民主评议党员",
            (),
            observers=f"{branch.parent_name}组织委员" if branch.parent_name else "",
            agenda="1. 通报年度支部工作\n2. 支部班子和党员开展批评和自我批评\n3. 民主评议党员",
        )
        return self.planned

    def _theme_day(self, month: int, *, with_lecture: bool) -> None:
        parts = list(THEME_DAY_PARTS[month])
        counts_as: tuple[str, ...] = ()
        lecture: dict = {}
        if with_lecture:
            parts.append(Part.LECTURE)
            counts_as = (Kind.PARTY_LECTURE,)
            lecture = self._lecturer()
        if month == 8:
            counts_as = (*counts_as, Kind.WARNING_EDUCATION)
        hour = self.rng.choice(((9, 0), (14, 30)))
        self._add(
            _month_day(self.year, month, self.theme_day),
            hour,
            150,
            Kind.THEME_DAY,
            f"{month}月主题党日：{THEME_DAY_TOPICS[month]}",
            counts_as,
            parts=[str(part) for part in parts],
            agenda=f"1. 集中学习{STUDY_TOPICS[month - 1]}\n2. 交流学习体会\n3. "
            + ("党课" if with_lecture else "民主议事"),
            **lecture,
        )

    def _group_meeting(self, month: int, group_id: int, leader_id: int | None) -> None:
        self._add(
            _month_day(self.year, month, self.rng.randint(3, 26)),
            (16, 0),
            90,
            Kind.GROUP_MEETING,
            f"党小组学习：{STUDY_TOPICS[(month + group_id) % len(STUDY_TOPICS)]}",
            (),
            group_id=group_id,
            host_id=leader_id,
        )

    def _collective_study(self, month: int) -> None:
        self._add(
            _month_day(self.year, month, self.rng.randint(3, 26)),
            (15, 0),
            120,
            Kind.COLLECTIVE_STUDY,
            f"集中学习：{STUDY_TOPICS[(month + 5) % len(STUDY_TOPICS)]}",
            (),
        )

    def _committee_meeting(self, month: int) -> None:
        self._add(
            _month_day(self.year, month, self.rng.randint(1, 8)),
            (17, 0),
            60,
            Kind.COMMITTEE_MEETING,
            f"{month}月支部委员会：{COMMITTEE_TOPICS[month - 1]}",
            (),
        )

    def _general_meeting(self, month: int, quarter: int) -> None:
        self._add(
            _month_day(self.year, month, self.rng.randint(8, 26)),
            (14, 0),
            120,
            Kind.GENERAL_MEETING,
            f"第{'一二三四'[quarter - 1]}季度支部党员大会 {GENERAL_TOPICS[quarter]}",
            (Kind.THEMATIC_DISCUSSION,),
            agenda="1. 通报本季度支部工作\n2. 专题研讨\n3. 讨论支部有关事项",
        )

    def _lecture(self, month: int, quarter: int) -> None:
        self._add(
            _month_day(self.year, month, self.rng.randint(10, 27)),
            (9, 30),
            90,
            Kind.PARTY_LECTURE,
            LECTURE_TOPICS[quarter],
            (),
            **self._lecturer(),
        )

    def _lecturer(self) -> dict:
        secretary = self.secretary
        if secretary is not None and self.rng.random() < SECRETARY_LECTURE_SHARE:
            return {"lecturer_id": secretary.pk, "lecturer_post": "党支部书记", "lecturer_is_secretary": True}
        others = [m for m in self.committee if m is not secretary]
        if others and self.rng.random() < 0.5:
            member = self.rng.choice(others)
            return {
                "lecturer_id": member.pk,
                "lecturer_post": COMMITTEE_POSTS.get(self.branch.roles[member.user_id], "支部委员"),
            }
        post, name = self.rng.choice(LECTURER_GUESTS)
        return {"lecturer_name": name, "lecturer_post": post}

    def _add(
        self,
        day: datetime.date,
        hour: tuple[int, int],
        minutes: int,
        kind: str,
        topic: str,
        counts_as: tuple[str, ...],
        *,
        group_id: int | None = None,
        host_id: int | None = None,
        parts: list[str] | None = None,
        agenda: str = "",
        observers: str = "",
        lecturer_id: int | None = None,
        lecturer_name: str = "",
        lecturer_post: str = "",
        lecturer_is_secretary: bool = False,
    ) -> None:
        if not (self.first_day <= day <= self.last_day):
            return
        rng = self.rng
        starts = _at(day, *hour)
        ends = starts + datetime.timedelta(minutes=minutes)
        members = self.branch.members
        if kind == Kind.COMMITTEE_MEETING:
            expected = [m for m in self.committee if m.started_on <= day]
        elif group_id is not None:
            expected = [m for m in members if m.group_id == group_id and m.started_on <= day]
        else:
            expected = [m for m in members if m.started_on <= day]
        present_share = COMMITTEE_PRESENT_SHARE if kind == Kind.COMMITTEE_MEETING else PRESENT_SHARE
        signs_in = self.qr and kind in (Kind.THEME_DAY, Kind.GENERAL_MEETING, Kind.PARTY_LECTURE)
        entries = []
        for member in expected:
            if member.drift_from is not None and day >= member.drift_from:
                entries.append((member.pk, ABSENT, "", None))
                continue
            roll = rng.random()
            if roll < present_share:
                signed = starts + datetime.timedelta(minutes=rng.randint(-20, 10)) if signs_in else None
                entries.append((member.pk, PRESENT, "", signed))
            elif roll < present_share + LEAVE_SHARE:
                entries.append((member.pk, LEAVE, rng.choice(LEAVE_REASONS), None))
            else:
                entries.append((member.pk, ABSENT, "", None))
        present = sum(1 for entry in entries if entry[1] == PRESENT)
        on_leave = sum(1 for entry in entries if entry[1] == LEAVE)
        host = host_id if host_id is not None else (self.secretary.pk if self.secretary else None)
        recorded = ends + datetime.timedelta(minutes=rng.randint(30, 26 * 60))
        today_start = _at(self.today, 0)
        recorded = min(recorded, today_start - datetime.timedelta(minutes=30))
        age = (self.today - day).days
        filed = age > FILE_AFTER_DAYS and not (age <= 40 and rng.random() < UNFILED_SHARE)
        filed_at = None
        if filed:
            filed_at = min(recorded + datetime.timedelta(hours=rng.randint(2, 5 * 24)), today_start)
        meeting = Meeting(
            organization_id=self.branch.pk,
            group_id=group_id,
            kind=str(kind),
            topic=topic[:200],
            starts_at=starts,
            ends_at=ends,
            held_on=day,
            location=self.location,
            host_id=host,
            recorder_id=self.recorder.pk if self.recorder and group_id is None else None,
            lecturer_id=lecturer_id,
            lecturer_name=lecturer_name,
            lecturer_post=lecturer_post,
            lecturer_is_secretary=lecturer_is_secretary,
            agenda=agenda,
            minutes=f"会议应到{len(entries)}人，实到{present}人，请假{on_leave}人。按议程完成各项内容。",
            theme_day_parts=parts or [],
            observers=observers,
            status=MeetingStatus.FILED.value if filed else MeetingStatus.HELD.value,
            # created (1), attendance recorded (2), filed (3): one version per write, as the services count.
            version=3 if filed else 2,
            created_by_id=self.manager_user_id,
            recorded_at=recorded,
            filed_at=filed_at,
            filed_by_id=self.manager_user_id if filed else None,
            created_at=starts - datetime.timedelta(days=rng.randint(3, 10), hours=rng.randint(0, 6)),
            updated_at=filed_at or recorded,
        )
        kinds = tuple(sorted({str(kind), *(str(k) for k in counts_as)}))
        self.planned.append(_Planned(meeting, kinds, entries))


# Writing ----------------------------------------------------------------------------------------------------------


def _insert(model, objects: list, *, with_pk: bool = False) -> None:
    """Write model instances: COPY on PostgreSQL (primary keys given when `with_pk`), bulk_create elsewhere."""
    if not objects:
        return
    if not is_postgresql():
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    getters = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
    copy_rows(
        model,
        [f.attname for f in fields],
        (tuple(Jsonb(getattr(o, name)) if is_json else getattr(o, name) for name, is_json in getters) for o in objects),
    )


def _insert_rows(model, rows: list[NamedTuple]) -> None:
    """Write rows given as named tuples of the model's column attributes."""
    if not rows:
        return
    if is_postgresql():
        copy_rows(model, rows[0]._fields, rows)
    else:
        model.objects.bulk_create([model(**row._asdict()) for row in rows], batch_size=BATCH_SIZE)


def _snapshot(meeting: Meeting, kinds: list[_Kind], attendance: list[_Entry]) -> dict:
    """`records_services.meeting_snapshot` of the rows about to be written, read from an in-memory prefetch cache."""
    meeting._prefetched_objects_cache = {
        "counted_kinds": kinds,
        "plan_items": [],
        "attendances": attendance,
        "attachments": [],
    }
    try:
        return records_services.meeting_snapshot(meeting)
    finally:
        meeting._prefetched_objects_cache = {}


class _Makeup:
    """The 补学 task `attendance_record` gives a member on leave from a meeting with study content."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.title = _("补学：%(topic)s（%(date)s %(kind)s）")
        self.labels = {kind: str(label) for kind, label in MeetingKind.choices}

    def task(self, meeting: Meeting, member_id: int, rng: random.Random) -> StudyTask:
        recorded = meeting.recorded_at
        due = timezone.localtime(recorded).date() + datetime.timedelta(days=services.MAKEUP_DUE_DAYS)
        topic = self.title % {
            "topic": meeting.topic,
            "date": meeting.held_on.strftime("%Y-%m-%d"),
            "kind": self.labels[meeting.kind],
        }
        task = StudyTask(
            member_id=member_id,
            kind=TaskKind.MAKEUP,
            meeting_id=meeting.pk,
            organization_id=meeting.organization_id,
            topic=topic[:200],
            hours=max(Decimal("0.5"), meeting.duration_hours),
            due_date=due,
            status=TaskStatus.OPEN,
            created_at=recorded,
            updated_at=recorded,
        )
        start = recorded + datetime.timedelta(days=1)
        end = min(_at(due, 22), _at(self.today, 0))
        if start < end and rng.random() < (MAKEUP_DONE_SHARE if due < self.today else 0.3):
            task.status = TaskStatus.DONE
            task.completed_at = (start + (end - start) * rng.random()).replace(second=0, microsecond=0)
            task.reflection = rng.choice(MAKEUP_REFLECTIONS)
            task.updated_at = task.completed_at
        return task


def _write(years: list[_Year], stats: HistoryStats, *, seed: int, today: datetime.date) -> None:
    planned = [p for year in years for p in year.planned]
    meetings = [p.meeting for p in planned]
    if not meetings:
        return
    copying = is_postgresql()
    if copying:
        for meeting, pk in zip(meetings, allocate_ids(Meeting, len(meetings)), strict=True):
            meeting.pk = pk
        _insert(Meeting, meetings, with_pk=True)
    else:
        Meeting.objects.bulk_create(meetings, batch_size=BATCH_SIZE)
    counted: list[_Kind] = []
    attendance: list[_Entry] = []
    tasks: list[StudyTask] = []
    versions: list[MeetingVersion] = []
    makeup = _Makeup(today)
    for year in years:
        rng = _rng(seed, "records", year.branch.code)
        for p in year.planned:
            meeting = p.meeting
            kinds = [_Kind(meeting.pk, kind) for kind in p.kinds]
            rows = [
                _Entry(meeting.pk, member_id, status, reason, signed) for member_id, status, reason, signed in p.entries
            ]
            counted.extend(kinds)
            attendance.extend(rows)
            if any(kind in STUDY_KINDS for kind in p.kinds):
                tasks.extend(makeup.task(meeting, row.member_id, rng) for row in rows if row.status == LEAVE)
            if meeting.status == MeetingStatus.FILED:
                content = _snapshot(meeting, kinds, rows)
                versions.append(
                    MeetingVersion(
                        meeting_id=meeting.pk,
                        number=1,
                        content=content,
                        content_hash=records_services.content_hash(content),
                        reason="",
                        created_by_id=meeting.filed_by_id,
                        created_at=meeting.filed_at,
                    )
                )
                stats.filed += 1
            else:
                stats.held += 1
    _insert_rows(CountedKind, counted)
    _insert_rows(Attendance, attendance)
    _insert(StudyTask, tasks)
    _insert(MeetingVersion, versions)
    # Signed and chained as filing would have done (HMAC under RECORDS_SIGNING_KEY), in the order they were made.
    records_services.records_sign_unsigned(organization_ids=[year.branch.pk for year in years])
    stats.meetings += len(meetings)
    stats.counted_kinds += len(counted)
    stats.attendance += len(attendance)
    for row in attendance:
        if row.status == PRESENT:
            stats.present += 1
        elif row.status == LEAVE:
            stats.leave += 1
        else:
            stats.absent += 1
    stats.makeup_tasks += len(tasks)
    stats.versions += len(versions)


def _analyze(*models_to_analyze) -> None:
    """Fresh planner statistics after a bulk load (autovacuum may be off, or not have run yet)."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        for model in models_to_analyze:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - model names


# Entry point -------------------------------------------------------------------------------------------------------


def history_generate(
    *,
    root: Organization,
    year: int,
    today: datetime.date,
    seed: int = 2026,
    noncompliant_share: float = 0.15,
    exclude_ids: Iterable[int] = (),
) -> HistoryStats:
    """Generate the year's organisational life (1 January to the day before `today`) for every branch under `root`
    that has active members and no meeting in the year yet (and is not in `exclude_ids`), then recompute the
    year's compliance (the whole tree when `root` is the top, else `root`'s subtree) and the branches' M1 flags.
    See the module docstring. Returns what was written; a second call for the same root and year writes nothing."""
    if year > today.year:
        raise ValueError(f"history_generate: year {year} has not started on {today}")
    if not 0 <= noncompliant_share <= 1:
        raise ValueError("history_generate: noncompliant_share must lie between 0 and 1")
    started = time.perf_counter()
    stats = HistoryStats(year=year)
    branch_ids = _branches_under(root)
    existing = _with_meetings(branch_ids, year) | set(exclude_ids)
    todo = [pk for pk in branch_ids if pk not in existing]
    stats.branches_skipped = len(branch_ids) - len(todo)
    for start in range(0, len(todo), BRANCH_CHUNK):
        branches = _load(todo[start : start + BRANCH_CHUNK])
        years = [
            _Year(branch, seed=seed, year=year, today=today, noncompliant_share=noncompliant_share)
            for branch in branches
        ]
        for branch_year in years:
            branch_year.build()
        with transaction.atomic(), story_timestamps(Meeting, MeetingVersion, StudyTask):
            _write(years, stats, seed=seed, today=today)
        stats.branches += len(years)
        stats.noncompliant_branches += sum(1 for y in years if y.noncompliant)
        stats.drifting_members += sum(1 for y in years for m in y.branch.members if m.drift_from is not None)
    stats.write_seconds = time.perf_counter() - started
    if stats.meetings:
        _analyze(Meeting, CountedKind, Attendance, MeetingVersion, StudyTask)
        step = time.perf_counter()
        stats.results = compliance_recompute(
            year=year, organization=root if root.parent_id is not None else None, today=today
        )
        stats.recompute_seconds = time.perf_counter() - step
        step = time.perf_counter()
        stats.flags = member_flags_refresh(organization_ids=branch_ids, today=today)
        stats.flags_seconds = time.perf_counter() - step
        _analyze(ComplianceResult, ComplianceRollup, MemberFlag)
    stats.seconds = time.perf_counter() - started
    return stats
