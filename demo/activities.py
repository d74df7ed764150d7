"""Organisational-life demo data (组织生活演示数据) for `manage.py seed_demo`: a year so far of meetings with
attendance, 补学 tasks, filed versions with their content hashes, talks, commitments and pioneer posts, on top
of the demo tree of `demo.tree` and the study plans of `study.demo`.

The story, with dates relative to `today` (year Y = today's year), for every branch under 北京市委:

* Each month a 主题党日 on the branch's fixed day (the August one also counts as 警示教育), a 支部委员会 where
  the branch has at least 7 members, and a 党小组会 per group — or, in a branch without groups, a 集中学习 of
  the whole branch. Each quarter a 支部党员大会 with its 专题研讨 (in a quarter of the branches the quarter's
  last 主题党日 holds it and counts for both), linked to the study plan's 专题研讨 item; a 党课 in February,
  May, November and the "七一" 党课 in early July (by the secretary, linked to the plan's 党课 item); the
  七一 仪式教育 around 1 July; most branches held their yearly 组织生活会 in January.
* Weak branches (软弱涣散) skip a fifth of their meetings and leave some unfiled; the others skip a few.
* Attendance: the members of the branch (of the group) who had joined it by the day, mostly 出席, some 请假
  with a reason — a 补学 task for a meeting with study content, mostly done once due — and a few 缺席.
* Meetings held a week ago or more are filed (归档, version 1 with its content hash); the last week's are
  held, waiting to be filed. Now and then a filed record was amended with a reason (version 2).
* In a tree of more than 500 branches (the benchmarks' 2,000) the branches outside 东城 get last month's and
  this month's meetings only, to keep the seeding time reasonable; everything else is written for all.
* Talks (谈心谈话) between the committee members and with most members; every member's commitment
  (承诺践诺) with the mid-year self-report once June has come; one to three pioneer posts per branch.
* The demo branch (logins `secretary` and `member`) has everything above, plus: two meetings held more than
  a week ago and still not filed (the secretary's inbox has the reminders to file them), an amended record
  (a member on leave had been recorded present), a 主题党日 planned for next week, QR sign-ins at the recent
  meetings, and a deliberate gap: no 支部委员会 this month and no 党课 this quarter yet, so that the month
  view's to-do has something to show. `member` was on leave once and has done the 补学.

How it is written: in bulk (`bulk_create`), producing the rows the services produce — `meeting_create`
(held_on, counted kinds, linked plan items), `sign_in`, `attendance_record` (every expected attendee listed,
a 补学 task per 请假 at a meeting with study content, due 30 days after the recording), `meeting_file`
(version 1: `records_services.meeting_snapshot` and `records_services.content_hash` of exactly the rows written,
signed and chained by `records_services.records_sign_unsigned` once written) and
`meeting_amend` (version 2 with the reason) — with the story's moments in the timestamps, and `version`
counting the writes as the services do. `python manage.py verify_records` passes on the result. The reminders
to file go through `activities.meetings.reminders` (inbox only). The notices of planned meetings are not replayed.

Idempotent: a branch that has any meeting or talk in year Y is left alone, and every reminder has its unique
key. Deterministic: every branch and member draws from its own generator (seed, code or ID-number digest).
"""

from __future__ import annotations

import calendar
import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings import reminders
from activities.meetings import services as services
from activities.models import (
    STUDY_KINDS,
    Attendance,
    AttendanceStatus,
    Commitment,
    CountedKind,
    HeartTalk,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    PioneerPost,
    PioneerPostKind,
    ThemeDayPart,
)
from activities.records import services as records_services
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    Member,
    Membership,
    MemberStatus,
    Organization,
    OrganizationCategory,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
)
from demo import study as study_demo
from demo import tree as tree_demo
from demo.bulk import allocate_ids, copy_rows, is_postgresql, story_timestamps
from study.models import Audience, StudyForm, StudyPlanItem, StudyTask, TaskKind, TaskStatus

CITY_CODE = tree_demo.CITY_CODE
DISTRICT_CODE = tree_demo.DISTRICTS[0].code  # 东城区委, where the demo logins work
DEMO_BRANCH_CODE = tree_demo.DEMO_BRANCH_CODE
# In a larger tree (benchmarks), branches outside 东城 get the meetings of last month and this month only, which
# keeps `seed_demo --branches 2000` to about half a minute more; the talks, commitments and posts are written for all.
FULL_STORY_MAX_BRANCHES = 500
BRANCH_CHUNK = 200  # branches per transaction
BATCH_SIZE = 5000
FILE_AFTER_DAYS = 7  # a meeting held this long ago is filed (unless the story leaves it unfiled)
COMMITTEE_MIN_MEMBERS = 7
Kind = MeetingKind
Cat = OrganizationCategory
Part = ThemeDayPart
A = AttendanceStatus

# fmt: off
THEME_DAYS: dict[int, tuple[str, tuple[str, ...], str]] = {  # month: topic, parts, what was studied
    1: ("新年第一课：重温入党誓词，明确全年努力方向", (Part.STUDY, Part.DELIBERATION), "《中国共产党章程》总纲"),
    2: ("学党章：党员的义务和权利", (Part.STUDY, Part.LECTURE), "党章第一章"),
    3: ("学雷锋志愿服务主题党日", (Part.STUDY, Part.VOLUNTEER), "雷锋同志的先进事迹"),
    4: ("清明祭英烈，缅怀革命先烈", (Part.STUDY,), "革命先烈的英雄事迹"),
    5: ("学习《关于新形势下党内政治生活的若干准则》", (Part.STUDY, Part.DELIBERATION),
        "《关于新形势下党内政治生活的若干准则》"),
    6: ("学习视察北京重要讲话精神，立足岗位作贡献", (Part.STUDY, Part.LECTURE), "视察北京重要讲话精神"),
    7: ("庆祝建党节：过政治生日，交流入党初心", (Part.STUDY, Part.DELIBERATION), "党的历史"),
    8: ("警示教育主题党日：以案为鉴，严守纪律", (Part.STUDY,), "警示教育读本"),
    9: ("学习先进典型，争做合格党员", (Part.STUDY, Part.VOLUNTEER), "廖俊波同志的先进事迹"),
    10: ("参观北大红楼，追寻红色足迹", (Part.STUDY, Part.LECTURE), "北大红楼的红色历史"),
    11: ("跟进学习党的二十届三中全会精神", (Part.STUDY, Part.DELIBERATION), "党的二十届三中全会精神"),
    12: ("对照“四个合格”开展自我检视", (Part.STUDY, Part.DELIBERATION), "“四个合格”的标准"),
}
COMMITTEE_TOPICS = {
    1: "研究年度党建工作要点和学习计划",
    6: "研究“七一”系列活动安排",
    12: "研究年度组织生活会和民主评议党员准备工作",
}
COMMITTEE_TOPIC = "研究%(month)d月党建工作安排"
COMMITTEE_MATTERS = (
    "党费收缴情况", "入党积极分子培养考察情况", "困难党员走访慰问", "党员教育管理中的问题", "党小组活动开展情况",
)
QUARTERS = {3: "第一季度", 6: "第二季度", 9: "第三季度", 12: "第四季度"}
GENERAL_TOPICS = {
    3: "对照党章党规查找差距",
    6: "学习视察北京重要讲话精神，思考“建设一个什么样的首都，怎样建设首都”",
    9: "学习廖俊波同志先进事迹，争做合格党员",
    12: "对照“四个合格”开展自我检视",
}
LECTURES = {  # month: topic
    2: "做一名讲政治、守规矩的合格党员",
    5: "严守政治纪律和政治规矩",
    7: "“七一”专题党课：从党的历史中汲取奋进力量",
    11: "学习贯彻党的二十届三中全会精神",
}
EXTERNAL_LECTURERS = (("王建华", "区委党校副教授"), ("刘秀英", "区委讲师团成员"), ("陈志强", "区纪委监委干部"))
LEAVE_REASONS: dict[str, tuple[str, ...]] = {
    "default": ("出差", "外出培训", "生病就医", "家中有事", "值班", "参加单位紧急任务"),
    Cat.SCHOOL: ("带学生参加区里的比赛", "参加区教研活动", "外出培训", "生病就医", "家中有事", "监考"),
    Cat.RETIRED: ("身体不适", "外地探亲", "住院治疗", "照顾家人"),
    Cat.VILLAGE: ("外出务工", "农忙", "生病就医", "家中有事"),
    Cat.NON_PUBLIC_ENTERPRISE: ("出差", "客户现场支持", "项目上线值守", "生病就医"),
}
FLOATING_REASONS = ("在外地工作，已参加流入地党组织活动", "外出务工，不能按时返回")
LOCATIONS: dict[str, tuple[str, ...]] = {
    "default": ("党员活动室", "三楼会议室", "党群服务中心"),
    Cat.SCHOOL: ("学校党员活动室", "教学楼三层会议室", "图书馆报告厅"),
    Cat.COMMUNITY: ("社区党群服务中心", "社区居委会会议室"),
    Cat.VILLAGE: ("村党群服务站", "村委会会议室"),
    Cat.RETIRED: ("老干部活动站", "社区党群服务中心"),
}
TALK_SUMMARIES = (
    "交流了近期思想和工作情况，对支部工作提出了意见建议，双方相互谈了改进的打算。",
    "了解了家庭和工作中的困难，鼓励其在岗位上发挥先锋模范作用。",
    "围绕学习教育交流了体会，对照党员标准查找了不足。",
    "就支部分工和党小组活动交换了意见，明确了下一步工作重点。",
    "谈了参加组织生活和完成学习任务的情况，提醒其按时参加支部活动。",
    "交流了对单位改革发展的看法，听取了对支部班子的意见。",
)
CRITICISM_SUMMARY = "针对多次无故缺席组织生活的问题进行了批评教育，本人表示今后按时参加支部活动。"
PLEDGES: dict[str, tuple[str, ...]] = {
    "default": (
        "立足本职岗位，高标准完成各项工作任务，主动承担急难险重任务。",
        "带头学习，按时参加组织生活，认真完成学习任务，做到学用结合。",
        "热心为群众办实事，全年参加志愿服务不少于4次。",
    ),
    Cat.SCHOOL: (
        "上好每一节课，关心每一名学生，全年开设一次校级公开课。",
        "带好所在年级组，主动帮扶青年教师，做到教书育人、为人师表。",
        "坚持每周为学困生义务答疑，帮助他们树立学习信心。",
    ),
    Cat.RETIRED: (
        "退休不褪色，按时参加支部活动，为社区做些力所能及的事。",
        "参加社区“银发”志愿服务，帮助邻里调解矛盾纠纷。",
    ),
    Cat.COMMUNITY: (
        "当好楼门长，及时了解和反映居民诉求，全年走访困难家庭不少于10户。",
        "参加社区环境整治和文明劝导志愿服务。",
    ),
}
MID_YEAR_REPORTS = (
    "上半年按承诺要求完成了本职工作，积极参加支部活动；不足是理论学习还不够系统，下半年要加强。",
    "承诺事项已完成大半，参加志愿服务2次，下半年继续抓好落实。",
    "上半年工作任务完成较好，带头完成了学习任务，今后要在服务群众方面下更大功夫。",
)
YEAR_END_REPORTS = (
    "全年承诺事项全部完成，工作中较好发挥了党员先锋模范作用。",
    "承诺事项基本完成，志愿服务次数还差一次，明年继续努力。",
)
BRANCH_COMMENTS = (
    "承诺具体、践诺扎实，发挥了党员先锋模范作用。",
    "践诺情况较好，希望在理论学习上进一步加强。",
    "能够按承诺要求开展工作，群众评价较好。",
)
POSTS: dict[str, tuple[tuple[str, str], ...]] = {  # kind, title
    "default": ((PioneerPostKind.PIONEER, "党员先锋岗"), (PioneerPostKind.MODEL, "党员示范岗"),
                (PioneerPostKind.RESPONSIBILITY, "党员责任区")),
    Cat.SCHOOL: ((PioneerPostKind.PIONEER, "初三年级党员先锋岗"), (PioneerPostKind.MODEL, "课堂教学党员示范岗"),
                 (PioneerPostKind.RESPONSIBILITY, "学生社团党员责任区")),
    Cat.COMMUNITY: ((PioneerPostKind.RESPONSIBILITY, "楼门院党员责任区"),
                    (PioneerPostKind.PIONEER, "社区服务党员先锋岗")),
    Cat.STATE_ENTERPRISE: ((PioneerPostKind.PIONEER, "安全生产党员先锋岗"),
                           (PioneerPostKind.MODEL, "技术攻关党员示范岗")),
    Cat.GOVERNMENT: ((PioneerPostKind.MODEL, "为民服务窗口党员示范岗"),
                     (PioneerPostKind.PIONEER, "政策研究党员先锋岗")),
}
AMENDMENT_REASONS = (
    "补充会议纪要中遗漏的交流发言情况。",
    "会后核对签到表，更正会议地点的记录错误。",
)
# fmt: on


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "activities", *parts)))  # noqa: S311 - demo data


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _workday(day: datetime.date) -> datetime.date:
    """The nearest weekday in the same month (Saturday → Friday, Sunday → Monday, or Friday at a month's end)."""
    if day.weekday() == 5:
        return day - datetime.timedelta(days=1)
    if day.weekday() == 6:
        monday = day + datetime.timedelta(days=1)
        return monday if monday.month == day.month else day - datetime.timedelta(days=2)
    return day


def _day_of(year: int, month: int, day: int) -> datetime.date:
    return _workday(datetime.date(year, month, min(day, calendar.monthrange(year, month)[1])))


def _choice(options: dict[str, tuple], category: str) -> tuple:
    return options.get(category, options["default"])


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass
class ActivitiesDemoResult:
    year: int
    meetings_created: int = 0
    filed: int = 0
    held: int = 0
    planned: int = 0
    amended: int = 0
    attendance_created: int = 0
    makeup_tasks_created: int = 0
    talks_created: int = 0
    commitments_created: int = 0
    posts_created: int = 0
    reminders_sent: int = 0
    seconds: float = 0.0


# ---------------------------------------------------------------------------
# What is read of a branch
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    pk: int
    name: str
    user_id: int | None
    username: str | None
    group_id: int | None
    started_on: datetime.date
    is_leading_cadre: bool
    is_floating: bool
    is_retired: bool
    position: str
    digest: str


@dataclass
class _Branch:
    pk: int
    code: str
    name: str
    path: str
    category: str
    is_weak: bool
    parent_name: str = ""
    members: list[_Member] = field(default_factory=list)
    groups: list[tuple[int, str, int | None]] = field(default_factory=list)  # pk, name, leader member id
    roles: dict[int, str] = field(default_factory=dict)  # user id → committee role kind
    plan_items: dict[tuple[int, str], tuple[int, Any]] = field(default_factory=dict)  # (month, form) → pk, key
    pledged: set[int] = field(default_factory=set)  # members who have this year's commitment already
    posted: set[int] = field(default_factory=set)  # members who have a pioneer post already

    @property
    def is_demo(self) -> bool:
        return self.code == DEMO_BRANCH_CODE

    def with_role(self, *kinds: str) -> list[_Member]:
        return [m for m in self.members if m.user_id is not None and self.roles.get(m.user_id) in kinds]

    @property
    def secretary(self) -> _Member | None:
        found = self.with_role(RoleKind.SECRETARY) or self.with_role(RoleKind.DEPUTY_SECRETARY)
        return found[0] if found else None

    @property
    def committee(self) -> list[_Member]:
        return self.with_role(*COMMITTEE_ROLE_KINDS)

    @property
    def manager_user_id(self) -> int | None:
        """Who schedules, records and files: the secretary's login (or another manager's)."""
        secretary = self.secretary
        if secretary is not None:
            return secretary.user_id
        managers = self.with_role(RoleKind.ORGANIZER)
        return managers[0].user_id if managers else None


def _branches_to_seed(*, city: Organization, year: int) -> list[tuple[int, str]]:
    """Branches under the 市委 with active members and no meeting or talk in the year yet, by code."""
    has_meetings = Meeting.objects.filter(held_on__year=year).values("organization_id")
    has_talks = HeartTalk.objects.filter(held_on__year=year).values("organization_id")
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return list(
        Organization.objects.filter(path__startswith=city.path, kind=OrganizationKind.BRANCH, pk__in=with_members)
        .exclude(pk__in=has_meetings)
        .exclude(pk__in=has_talks)
        .order_by("code")
        .values_list("pk", "code")
    )


def _load(branch_ids: list[int], year: int) -> list[_Branch]:
    """The branches with their active members (and the day each joined), groups, committee roles, study plan
    items for 专题研讨 and 党课, and who has a commitment or a pioneer post already. Eight queries."""
    branches = {
        pk: _Branch(
            pk=pk, code=code, name=name, path=path, category=category, is_weak=is_weak, parent_name=parent_name or ""
        )
        for pk, code, name, path, category, is_weak, parent_name in Organization.objects.filter(pk__in=branch_ids)
        .order_by("code")
        .values_list("pk", "code", "name", "path", "category", "is_weak", "parent__name")
    }
    started = dict(
        Membership.objects.filter(organization_id__in=branch_ids, ended_on__isnull=True).values_list(
            "member_id", "started_on"
        )
    )
    for row in (
        Member.objects.filter(organization_id__in=branch_ids, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "id_number_digest")
        .values_list(
            "pk",
            "organization_id",
            "name",
            "user_id",
            "user__username",
            "group_id",
            "is_leading_cadre",
            "is_floating",
            "is_retired",
            "position",
            "id_number_digest",
            "joined_on",
        )
    ):
        pk, organization_id, name, user_id, username, group_id, cadre, floating, retired, position, digest, joined = row
        branches[organization_id].members.append(
            _Member(
                pk=pk,
                name=name,
                user_id=user_id,
                username=username,
                group_id=group_id,
                started_on=started.get(pk, joined),
                is_leading_cadre=cadre,
                is_floating=floating,
                is_retired=retired,
                position=position,
                digest=digest,
            )
        )
    for pk, organization_id, name, leader_id in (
        PartyGroup.objects.filter(organization_id__in=branch_ids)
        .order_by("organization_id", "name")
        .values_list("pk", "organization_id", "name", "leader_id")
    ):
        branches[organization_id].groups.append((pk, name, leader_id))
    rank = {kind: number for number, kind in enumerate(RoleKind.values)}
    for organization_id, kind, user_id in (
        Role.objects.filter(organization_id__in=branch_ids, kind__in=COMMITTEE_ROLE_KINDS)
        .order_by("organization_id", "user_id")
        .values_list("organization_id", "kind", "user_id")
    ):
        roles = branches[organization_id].roles
        if user_id not in roles or rank[kind] < rank[roles[user_id]]:
            roles[user_id] = kind
    for pk, key, organization_id, month, form in (
        StudyPlanItem.objects.filter(
            plan__organization_id__in=branch_ids,
            plan__year=year,
            plan__is_template=False,
            plan__is_current=True,
            form__in=[StudyForm.DISCUSSION, StudyForm.LECTURE],
        )
        .order_by("pk")
        .values_list("pk", "key", "plan__organization_id", "month", "form")
    ):
        branches[organization_id].plan_items.setdefault((month, form), (pk, key))
    for member_id, organization_id in Commitment.objects.filter(
        member__organization_id__in=branch_ids, year=year
    ).values_list("member_id", "member__organization_id"):
        branches[organization_id].pledged.add(member_id)
    for member_id, organization_id in PioneerPost.objects.filter(member__organization_id__in=branch_ids).values_list(
        "member_id", "member__organization_id"
    ):
        branches[organization_id].posted.add(member_id)
    return [branch for branch in branches.values() if branch.members]


# ---------------------------------------------------------------------------
# The meetings of one branch
# ---------------------------------------------------------------------------


@dataclass
class _Plan:
    """One meeting as the services would have left it, before it is written."""

    meeting: Meeting
    counts_as: tuple[str, ...] = ()
    plan_item: tuple[int, Any] | None = None
    expected: list[_Member] = field(default_factory=list)
    entries: dict[int, tuple[str, str, datetime.datetime | None]] = field(default_factory=dict)
    unfiled: bool = False
    amendment: tuple[datetime.datetime, str, dict[str, Any], int | None] | None = None  # at, reason, changes, leave
    forced_done: set[int] = field(default_factory=set)  # members whose 补学 is done whatever the draw

    @property
    def has_study_content(self) -> bool:
        return self.meeting.kind in STUDY_KINDS or any(kind in STUDY_KINDS for kind in self.counts_as)


class _Story:
    """The meetings of one branch for the year so far (see the module docstring)."""

    def __init__(self, branch: _Branch, *, seed: int, today: datetime.date, first_month: int = 1) -> None:
        self.branch = branch
        self.today = today
        self.year = today.year
        self.first_month = first_month
        self.story_end = _at(today, 8)
        self.rng = _rng(seed, "meetings", branch.code)
        self.seed = seed
        self.skip_rate = 0.0 if branch.is_demo else (0.2 if branch.is_weak else 0.03)
        self.theme_day = self.rng.randint(8, 18)
        self.combined = not branch.is_demo and self.rng.random() < 0.25  # the quarter's 主题党日 holds the 党员大会
        self.locations = _choice(LOCATIONS, branch.category)
        self.secretary = branch.secretary
        self.user_id = branch.manager_user_id
        committee = branch.committee
        self.recorder = next((m for m in committee if m is not self.secretary), None) or (
            branch.members[-1] if len(branch.members) > 1 else branch.members[0]
        )
        self.plans: list[_Plan] = []

    # -- building ----------------------------------------------------------------------------------------

    def build(self) -> list[_Plan]:
        current_quarter = (self.today.month - 1) // 3
        for month in range(self.first_month, self.today.month + 1):
            self._month(month, current_quarter)
        self.plans = [plan for plan in self.plans if plan.meeting.held_on < self.today and plan.expected]
        self.plans.sort(key=lambda plan: (plan.meeting.starts_at, plan.meeting.kind))
        if self.branch.is_demo:
            self._demo_touches()
        for plan in self.plans:
            self._attendance(plan)
            self._timeline(plan)
        if self.branch.is_demo:
            self._demo_amendment_and_plan()
        else:
            self._random_amendments()
        return self.plans

    def _month(self, month: int, current_quarter: int) -> None:
        year, branch = self.year, self.branch
        demo_gap = branch.is_demo and month == self.today.month
        # 主题党日 (C3), in the quarter's last month perhaps holding the 党员大会 (C2).
        topic, parts, studied = THEME_DAYS[month]
        counts: tuple[str, ...] = ()
        if month == 8:
            counts = (Kind.WARNING_EDUCATION,)
        if self.combined and month in QUARTERS:
            counts = (Kind.GENERAL_MEETING, Kind.THEMATIC_DISCUSSION)
        theme = self._add(
            Kind.THEME_DAY, topic, _day_of(year, month, self.theme_day), (14, 30), 120, counts=counts, parts=parts
        )
        if theme is not None and self.combined and month in QUARTERS:
            theme.plan_item = branch.plan_items.get((month, StudyForm.DISCUSSION))
        if theme is not None:
            theme.meeting.agenda = self._agenda_theme(parts, studied)
            if month == 10:
                theme.meeting.location = "北大红楼（中国共产党早期北京革命活动纪念馆）"
        # 支部委员会 (C4), where the branch is large enough to have one.
        if len(branch.members) >= COMMITTEE_MIN_MEMBERS and not demo_gap:
            self._add(
                Kind.COMMITTEE_MEETING,
                COMMITTEE_TOPICS.get(month, COMMITTEE_TOPIC % {"month": month}),
                _day_of(year, month, self.rng.randint(2, 7)),
                (12, 30),
                60,
            )
        # 党小组会 per group, or the branch's 集中学习 (C1).
        studied_item = next(
            (spec.topic for spec in study_demo.TEMPLATE_ITEMS if spec.month == month and spec.audience == Audience.ALL),
            studied,
        )
        group_topic = f"{month}月集中学习：{studied_item}"
        evening = branch.category not in (Cat.RETIRED, Cat.COMMUNITY, Cat.VILLAGE)
        hour = (12, 30) if evening else (9, 30)
        for group_id, _name, leader_id in branch.groups:
            day = _day_of(year, month, self.rng.randint(19, 26))
            self._add(Kind.GROUP_MEETING, group_topic, day, hour, 60, group=(group_id, leader_id))
        if not branch.groups:
            self._add(Kind.COLLECTIVE_STUDY, group_topic, _day_of(year, month, self.rng.randint(19, 26)), hour, 90)
        # 支部党员大会 with its 专题研讨 (C2).
        if month in QUARTERS and not self.combined:
            general = self._add(
                Kind.GENERAL_MEETING,
                f"{QUARTERS[month]}支部党员大会暨专题研讨：{GENERAL_TOPICS[month]}",
                _day_of(year, month, self.rng.randint(23, 28)),
                (15, 0),
                150,
                counts=(Kind.THEMATIC_DISCUSSION,),
            )
            if general is not None:
                general.plan_item = branch.plan_items.get((month, StudyForm.DISCUSSION))
                general.meeting.agenda = "1. 专题学习\n2. 党员交流研讨发言\n3. 支部书记总结，明确整改措施"
                if self.rng.random() < 0.2 and branch.parent_name:
                    general.meeting.observers = f"{branch.parent_name}组织委员"
        # 党课 (C5), the 七一 one by the secretary; not yet this quarter in the demo branch.
        if month in LECTURES and not (branch.is_demo and (month - 1) // 3 == current_quarter):
            self._lecture(month)
        # 七一 仪式教育 (C9) and the yearly 组织生活会 (C6), in January for most.
        if month == 6 and self.today > datetime.date(year, 6, 30):
            july_first = datetime.date(year, 7, 1)
            day = july_first if july_first.weekday() < 5 else _workday(datetime.date(year, 6, 30))
            ceremony = self._add(Kind.CEREMONY, "“七一”仪式教育：面向党旗重温入党誓词", day, (9, 0), 90)
            if ceremony is not None:
                ceremony.meeting.agenda = "1. 奏唱国歌\n2. 面向党旗重温入党誓词\n3. 为“政治生日”党员赠送纪念卡"
        if month == 1 and self.rng.random() < (0.5 if branch.is_weak else 0.85):
            meeting = self._add(
                Kind.ORG_LIFE_MEETING,
                f"{year - 1}年度组织生活会暨民主评议党员",
                _day_of(year, 1, self.rng.randint(14, 24)),
                (14, 0),
                180,
            )
            if meeting is not None:
                meeting.meeting.agenda = "1. 支部书记代表支委会作对照检查\n2. 党员开展批评和自我批评\n3. 民主评议党员"

    def _lecture(self, month: int) -> None:
        branch, rng = self.branch, self.rng
        day = _day_of(self.year, month, rng.randint(2, 5) if month == 7 else rng.randint(10, 20))
        plan = self._add(Kind.PARTY_LECTURE, LECTURES[month], day, (15, 0), 90)
        if plan is None:
            return
        meeting = plan.meeting
        cadres = [m for m in branch.members if m.is_leading_cadre and m is not self.secretary]
        draw = rng.random()
        if self.secretary is not None and (month == 7 or draw < 0.45):
            meeting.lecturer_id = self.secretary.pk
            meeting.lecturer_post = "党支部书记"
            meeting.lecturer_is_secretary = True
        elif cadres and draw < 0.7:
            lecturer = rng.choice(cadres)
            meeting.lecturer_id = lecturer.pk
            meeting.lecturer_post = lecturer.position
        else:
            meeting.lecturer_name, meeting.lecturer_post = rng.choice(EXTERNAL_LECTURERS)
        if month == 7:
            plan.plan_item = branch.plan_items.get((7, StudyForm.LECTURE))
        meeting.agenda = f"1. 党课：{meeting.topic}\n2. 交流学习体会"

    def _add(
        self,
        kind: str,
        topic: str,
        day: datetime.date,
        start: tuple[int, int],
        minutes: int,
        *,
        counts: tuple[str, ...] = (),
        parts: tuple[str, ...] = (),
        group: tuple[int, int | None] | None = None,
    ) -> _Plan | None:
        if self.rng.random() < self.skip_rate:
            return None
        starts = _at(day, *start)
        host_id = self.secretary.pk if self.secretary else None
        members = self.branch.members
        if kind == Kind.COMMITTEE_MEETING:  # the committee members (services.expected_attendees_q)
            members = self.branch.committee
        if group is not None:
            members = [m for m in members if m.group_id == group[0]]
            host_id = group[1] or (members[0].pk if members else host_id)
        meeting = Meeting(
            organization_id=self.branch.pk,
            group_id=group[0] if group else None,
            kind=kind,
            topic=topic[:200],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=minutes),
            held_on=day,
            location=self.rng.choice(self.locations),
            host_id=host_id,
            recorder_id=self.recorder.pk,
            theme_day_parts=[str(part) for part in parts] if kind == Kind.THEME_DAY else [],
            created_by_id=self.user_id,
        )
        plan = _Plan(meeting=meeting, counts_as=counts, expected=[m for m in members if m.started_on <= day])
        self.plans.append(plan)
        return plan

    @staticmethod
    def _agenda_theme(parts: tuple[str, ...], studied: str) -> str:
        lines = [f"集体学习：{studied}"]
        extra = {
            Part.LECTURE: "支部书记讲微党课",
            Part.DELIBERATION: "民主议事：通报支部工作，听取党员意见",
            Part.VOLUNTEER: "到社区开展志愿服务",
        }
        lines += [extra[part] for part in parts if part in extra]
        lines.append("党员交流发言")
        return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))

    # -- attendance, minutes and the moments of each write -----------------------------------------------

    def _attendance(self, plan: _Plan) -> None:
        rng, branch = self.rng, self.branch
        leave_rate = 0.05 * (1.5 if branch.is_weak else 1)
        absent_rate = 0.04 if branch.is_weak else 0.012
        reasons = _choice(LEAVE_REASONS, branch.category)
        recent = branch.is_demo and plan.meeting.held_on >= self.today - datetime.timedelta(days=60)
        for member in plan.expected:
            draw = rng.random()
            rate = 0.3 if member.is_floating else leave_rate
            status, reason, signed = A.PRESENT, "", None
            if member.pk in plan.forced_done:  # `member`'s one leave (see _demo_touches)
                status, reason = A.LEAVE, "外出培训"
            elif member.username in ("secretary", "member"):
                pass  # the demo logins are not left to chance
            elif draw < rate:
                status = A.LEAVE
                reason = rng.choice(FLOATING_REASONS if member.is_floating else reasons)
            elif draw < rate + absent_rate:
                status = A.ABSENT
            if status == A.PRESENT and recent and rng.random() < 0.7:
                signed = plan.meeting.starts_at - datetime.timedelta(minutes=rng.randint(0, 15))
            plan.entries[member.pk] = (status, reason, signed)
        plan.meeting.minutes = self._minutes(plan)

    def _minutes(self, plan: _Plan) -> str:
        meeting = plan.meeting
        names = {m.pk: m.name for m in plan.expected}
        statuses = [status for status, _reason, _signed in plan.entries.values()]
        present = statuses.count(A.PRESENT)
        counts = f"应到{len(statuses)}人，实到{present}人"
        if statuses.count(A.LEAVE):
            counts += f"，请假{statuses.count(A.LEAVE)}人"
        if statuses.count(A.ABSENT):
            counts += f"，缺席{statuses.count(A.ABSENT)}人"
        host = names.get(meeting.host_id, "支部书记")
        speakers = (
            "、".join(names[pk] for pk, (status, _r, _s) in list(plan.entries.items())[:3] if status == A.PRESENT)
            or "党员"
        )
        bodies = {
            Kind.THEME_DAY: "全体党员集体学习了本月学习内容，%(speakers)s等同志结合岗位实际作了交流发言。",
            Kind.COMMITTEE_MEETING: "会议通报了上月工作完成情况，研究了本月主题党日、党小组学习安排和%(matter)s。",
            Kind.GROUP_MEETING: "党小组长带领大家学习了本月学习内容，%(speakers)s等同志作了交流发言。",
            Kind.COLLECTIVE_STUDY: "全体党员集中学习了本月学习内容，%(speakers)s等同志交流了学习体会。",
            Kind.GENERAL_MEETING: (
                "会议围绕研讨主题开展专题研讨，%(speakers)s等同志作了重点发言，大家联系思想和工作实际查找了差距，"
                "明确了努力方向。"
            ),
            Kind.PARTY_LECTURE: "%(lecturer)s讲授党课，党员认真听讲并作了学习笔记，会后交流了学习体会。",
            Kind.CEREMONY: "全体党员面向党旗重温入党誓词，%(speakers)s等同志分享了入党初心。",
            Kind.ORG_LIFE_MEETING: (
                "支部书记代表支委会作对照检查，党员逐一开展批评和自我批评，会议进行了民主评议党员。"
            ),
        }
        body = bodies[meeting.kind] % {
            "speakers": speakers,
            "matter": self.rng.choice(COMMITTEE_MATTERS),
            "lecturer": names.get(meeting.lecturer_id, meeting.lecturer_name) or "授课人",
        }
        return f"会议由{host}主持。{counts}。{body}"

    def _timeline(self, plan: _Plan) -> None:
        """recorded_at, created_at, filed_at and the version, as the services would have stamped them."""
        rng, meeting = self.rng, plan.meeting
        late = rng.random() < 0.3
        recorded = meeting.ends_at + (
            datetime.timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 240))
            if late
            else datetime.timedelta(minutes=rng.randint(10, 180))
        )
        meeting.recorded_at = min(recorded, self.story_end)
        if rng.random() < 0.6:  # scheduled in advance
            meeting.created_at = meeting.starts_at - datetime.timedelta(
                days=rng.randint(2, 10), hours=rng.randint(0, 5)
            )
        else:  # entered after it took place
            meeting.created_at = meeting.recorded_at - datetime.timedelta(minutes=rng.randint(3, 20))
        signed = sum(1 for _s, _r, at in plan.entries.values() if at is not None)
        meeting.version = 1 + signed + 1  # created, each QR sign-in, the recording
        meeting.status = MeetingStatus.HELD
        meeting.updated_at = meeting.recorded_at
        held_long_ago = meeting.held_on <= self.today - datetime.timedelta(days=FILE_AFTER_DAYS)
        if self.branch.is_weak and meeting.held_on >= self.today - datetime.timedelta(days=45):
            plan.unfiled = plan.unfiled or rng.random() < 0.4
        if held_long_ago and not plan.unfiled:
            filed = meeting.recorded_at + datetime.timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 300))
            meeting.filed_at = min(filed, self.story_end)
            meeting.filed_by_id = self.user_id
            meeting.status = MeetingStatus.FILED
            meeting.version += 1
            meeting.updated_at = meeting.filed_at

    def _random_amendments(self) -> None:
        for plan in self.plans:
            meeting = plan.meeting
            if meeting.status != MeetingStatus.FILED or self.rng.random() >= 0.01:
                continue
            at = min(meeting.filed_at + datetime.timedelta(days=self.rng.randint(1, 20)), self.story_end)
            reason = self.rng.choice(AMENDMENT_REASONS)
            if reason == AMENDMENT_REASONS[0]:
                changes = {"minutes": meeting.minutes + "会后补充：与会党员一致表示要把学习成果转化为工作实效。"}
            else:
                changes = {"location": next(loc for loc in self.locations + ("会议室",) if loc != meeting.location)}
            plan.amendment = (at, reason, changes, None)

    # -- the demo branch ---------------------------------------------------------------------------------

    def _demo_touches(self) -> None:
        """`member`'s one leave and the two meetings left unfiled (before attendance and timeline are drawn)."""
        today = self.today
        member = next((m for m in self.branch.members if m.username == "member"), None)
        if member is not None:
            earlier = [
                plan
                for plan in self.plans
                if plan.meeting.kind == Kind.THEME_DAY
                and plan.meeting.held_on <= today - datetime.timedelta(days=45)
                and member in plan.expected
            ]
            if earlier:
                earlier[-1].forced_done.add(member.pk)
        window = [
            plan
            for plan in self.plans
            if today - datetime.timedelta(days=25) <= plan.meeting.held_on <= today - datetime.timedelta(days=8)
        ]
        for plan in window[-2:]:
            plan.unfiled = True

    def _demo_amendment_and_plan(self) -> None:
        """The amendment (a member on leave recorded present) and a 主题党日 planned for next week."""
        rng, today = self.rng, self.today
        filed = [plan for plan in self.plans if plan.meeting.status == MeetingStatus.FILED]
        target = next(
            (plan for plan in reversed(filed) if plan.meeting.kind == Kind.GENERAL_MEETING),
            filed[-1] if filed else None,
        )
        if target is not None:
            present = [
                m
                for m in target.expected
                if target.entries[m.pk][0] == A.PRESENT
                and target.entries[m.pk][2] is None
                and m.username not in ("secretary", "member")
            ]
            if present:
                changed = present[-1]
                at = min(target.meeting.filed_at + datetime.timedelta(days=2, hours=3), self.story_end)
                reason = f"会后核对请假条，{changed.name}同志因外出培训请假，原记录误记为出席，予以更正。"
                recorded = target.entries[changed.pk]
                target.entries[changed.pk] = (A.LEAVE, "外出培训", None)
                corrected = self._minutes(target)
                target.entries[changed.pk] = recorded
                target.amendment = (at, reason, {"minutes": corrected}, changed.pk)
        day = today + datetime.timedelta(days=7)
        day = day + datetime.timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day
        starts = _at(day, 14, 30)
        topic, parts, studied = THEME_DAYS[day.month]
        meeting = Meeting(
            organization_id=self.branch.pk,
            kind=Kind.THEME_DAY,
            topic=topic,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            held_on=day,
            location=rng.choice(self.locations),
            host_id=self.secretary.pk if self.secretary else None,
            recorder_id=self.recorder.pk,
            theme_day_parts=[str(part) for part in parts],
            agenda=self._agenda_theme(parts, studied),
            status=MeetingStatus.PLANNED,
            version=1,
            created_by_id=self.user_id,
            created_at=_at(today - datetime.timedelta(days=1), 16, 20),
        )
        meeting.updated_at = meeting.created_at
        self.plans.append(_Plan(meeting=meeting))


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


_EMPTY: dict[type, Any] = {}


def _cached(model, rows: list) -> Any:
    """A queryset that holds `rows` as its (prefetched) result: what a related manager returns from the prefetch
    cache. Made by copying an empty queryset's state, which costs far less than cloning its query."""
    empty = _EMPTY.get(model)
    if empty is None:
        empty = _EMPTY[model] = model.objects.none()
    queryset = object.__new__(type(empty))
    queryset.__dict__ = {**empty.__dict__, "_result_cache": rows, "_prefetch_done": True}
    return queryset


class _Kind(NamedTuple):
    """A counted-kind row as written (and as `meeting_snapshot` reads it)."""

    meeting_id: int
    kind: str


class _Entry(NamedTuple):
    """An attendance row as written (and as `meeting_snapshot` reads it)."""

    meeting_id: int
    member_id: int
    status: str
    leave_reason: str
    signed_in_at: datetime.datetime | None


def _snapshot(meeting: Meeting, kinds: list[_Kind], item, attendances: list[_Entry]) -> dict:
    """`records_services.meeting_snapshot` of the rows about to be written (served from a prefetch cache, no query)."""
    meeting._prefetched_objects_cache = {
        "counted_kinds": _cached(CountedKind, kinds),
        "plan_items": _cached(StudyPlanItem, [StudyPlanItem(pk=item[0], key=item[1])] if item else []),
        "attendances": _cached(Attendance, attendances),
        "attachments": _cached(MeetingAttachment, []),
    }
    return records_services.meeting_snapshot(meeting)


@dataclass
class _Rows:
    counted: list[_Kind] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    attendance: list[_Entry] = field(default_factory=list)
    versions: list[SimpleNamespace] = field(default_factory=list)
    tasks: list[SimpleNamespace] = field(default_factory=list)
    amended: list[Meeting] = field(default_factory=list)


class _Makeup:
    """Builds the 补学 tasks `attendance_record` (or `meeting_amend`) gives members on leave."""

    def __init__(self, story: _Story) -> None:
        self.story = story
        self.title = _("补学：%(topic)s（%(date)s %(kind)s）")
        self.labels = {kind: str(label) for kind, label in MeetingKind.choices}

    def task(self, plan: _Plan, member_id: int, recorded: datetime.datetime, rng: random.Random) -> SimpleNamespace:
        story, meeting = self.story, plan.meeting
        due = timezone.localtime(recorded).date() + datetime.timedelta(days=services.MAKEUP_DUE_DAYS)
        topic = self.title % {
            "topic": meeting.topic,
            "date": meeting.held_on.strftime("%Y-%m-%d"),
            "kind": self.labels[meeting.kind],
        }
        task = _row(
            StudyTask,
            member_id=member_id,
            kind=TaskKind.MAKEUP,
            meeting_id=meeting.pk,
            organization_id=meeting.organization_id,
            topic=topic[:200],
            hours=max(Decimal("0.5"), meeting.duration_hours),
            due_date=due,
            created_at=recorded,
            updated_at=recorded,
        )
        done = member_id in plan.forced_done or rng.random() < (0.85 if due < story.today else 0.35)
        start = recorded + datetime.timedelta(days=1)
        if done and start < story.story_end:
            end = min(_at(due, 22), story.story_end)
            task.completed_at = (start + (end - start) * rng.random()).replace(second=0, microsecond=0)
            task.status = TaskStatus.DONE
            task.reflection = (
                f"补学了“{meeting.topic}”的内容，{rng.choice(study_demo.INSIGHTS)}{rng.choice(study_demo.INTENTIONS)}"
            )
            task.updated_at = task.completed_at
        return task


# The fast path on PostgreSQL: ids from the sequence, rows by COPY (as written, no per-value preparation).
# Elsewhere (SQLite in the tests): bulk_create, with the story's timestamps kept by story_timestamps.


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _row(model, **values: Any) -> SimpleNamespace:
    """A row of `model` to write: its fields' defaults and `values`, as plain attributes (a model instance costs
    several times more to build, and hundreds of thousands are written)."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    unknown = values.keys() - defaults.keys()
    if unknown:
        raise TypeError(f"unknown {model.__name__} fields: {sorted(unknown)}")
    return SimpleNamespace(**{**defaults, **values})


def _insert(model, objects: list, *, with_pk: bool = False) -> None:
    """Write model instances or `_row`s (primary keys already set when `with_pk`)."""
    if not objects:
        return
    if not is_postgresql():
        model.objects.bulk_create(
            [obj if isinstance(obj, models.Model) else model(**vars(obj)) for obj in objects], batch_size=BATCH_SIZE
        )
        return
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    getters = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
    copy_rows(
        model,
        tuple(f.attname for f in fields),
        (
            tuple(Jsonb(getattr(obj, name)) if is_json else getattr(obj, name) for name, is_json in getters)
            for obj in objects
        ),
    )


def _insert_rows(model, rows: list[NamedTuple]) -> None:
    """Write rows given as named tuples of the model's column attributes (no model instances on PostgreSQL)."""
    if not rows:
        return
    columns = rows[0]._fields
    if is_postgresql():
        copy_rows(model, columns, rows)
    else:
        model.objects.bulk_create([model(**row._asdict()) for row in rows], batch_size=BATCH_SIZE)


def _write_meetings(stories: list[_Story], result: ActivitiesDemoResult) -> None:
    plans = [plan for story in stories for plan in story.plans]
    meetings = [plan.meeting for plan in plans]
    copying = is_postgresql() and bool(meetings)
    if copying:
        for meeting, pk in zip(meetings, allocate_ids(Meeting, len(meetings)), strict=True):
            meeting.pk = pk
    else:
        Meeting.objects.bulk_create(meetings, batch_size=BATCH_SIZE)
    rows = _Rows()
    for story in stories:
        rng = _rng(story.seed, "records", story.branch.code)
        makeup = _Makeup(story)
        for plan in story.plans:
            _rows_for(plan, story, makeup, rng, rows, result)
    if copying:  # the final state, amendments included
        _insert(Meeting, meetings, with_pk=True)
    else:
        Meeting.objects.bulk_update(rows.amended, ["version", "updated_at", "minutes", "location"], batch_size=500)
    _insert_rows(CountedKind, rows.counted)
    _insert(Meeting.plan_items.through, rows.items)
    _insert_rows(Attendance, rows.attendance)
    _insert(StudyTask, rows.tasks)
    _insert(MeetingVersion, rows.versions)
    # Signed and chained as filing would have done (HMAC under RECORDS_SIGNING_KEY), in the order they were made.
    records_services.records_sign_unsigned(organization_ids=[story.branch.pk for story in stories])
    result.meetings_created += len(plans)
    result.attendance_created += len(rows.attendance)
    result.makeup_tasks_created += len(rows.tasks)


def _rows_for(
    plan: _Plan, story: _Story, makeup: _Makeup, rng: random.Random, rows: _Rows, result: ActivitiesDemoResult
) -> None:
    meeting = plan.meeting
    kinds = [_Kind(meeting.pk, kind) for kind in sorted({meeting.kind, *plan.counts_as})]
    rows.counted.extend(kinds)
    if plan.plan_item:
        rows.items.append(Meeting.plan_items.through(meeting_id=meeting.pk, studyplanitem_id=plan.plan_item[0]))
    if meeting.status == MeetingStatus.PLANNED:
        result.planned += 1
        return
    attendance = {
        member_id: _Entry(meeting.pk, member_id, status, reason, signed)
        for member_id, (status, reason, signed) in plan.entries.items()
    }
    if plan.has_study_content:
        rows.tasks.extend(
            makeup.task(plan, member_id, meeting.recorded_at, rng)
            for member_id, (status, _reason, _signed) in plan.entries.items()
            if status == A.LEAVE
        )
    if meeting.status == MeetingStatus.HELD:
        rows.attendance.extend(attendance.values())
        result.held += 1
        return
    result.filed += 1
    content = _snapshot(meeting, kinds, plan.plan_item, list(attendance.values()))
    rows.versions.append(
        _row(
            MeetingVersion,
            meeting_id=meeting.pk,
            number=1,
            content=content,
            content_hash=records_services.content_hash(content),
            created_by_id=meeting.filed_by_id,
            created_at=meeting.filed_at,
        )
    )
    if plan.amendment is not None:
        at, reason, changes, leave_id = plan.amendment
        for name, value in changes.items():
            setattr(meeting, name, value)
        if leave_id is not None:
            attendance[leave_id] = attendance[leave_id]._replace(status=A.LEAVE, leave_reason="外出培训")
            if plan.has_study_content:
                rows.tasks.append(makeup.task(plan, leave_id, at, rng))
        meeting.version += 1
        meeting.updated_at = at
        content = _snapshot(meeting, kinds, plan.plan_item, list(attendance.values()))
        rows.versions.append(
            _row(
                MeetingVersion,
                meeting_id=meeting.pk,
                number=2,
                content=content,
                content_hash=records_services.content_hash(content),
                reason=reason,
                created_by_id=story.user_id,
                created_at=at,
            )
        )
        rows.amended.append(meeting)
        result.amended += 1
    rows.attendance.extend(attendance.values())
    meeting._prefetched_objects_cache = {}


# -- talks, commitments, pioneer posts -----------------------------------------------------------------------


def _talks(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    """Each pair of committee members, and each other member with a committee member (the secretary for most):
    most pairs talked by now (fewer in weak branches); in the demo branch all but three."""
    rng = _rng(seed, "talks", branch.code)
    committee = branch.committee
    secretary = branch.secretary
    if not committee or secretary is None:
        return []
    pairs = [(a, b) for number, a in enumerate(committee) for b in committee[number + 1 :]]
    for member in branch.members:
        if member not in committee:
            partner = secretary if rng.random() < 0.6 else rng.choice(committee)
            pairs.append((partner, member))
    coverage = 0.45 if branch.is_weak else 0.8
    if branch.is_demo:
        skipped = set(rng.sample(range(len(pairs)), min(3, max(0, len(pairs) - 1))))
        pairs = [pair for number, pair in enumerate(pairs) if number not in skipped]
    else:
        pairs = [pair for pair in pairs if rng.random() < coverage]
    days = (today - datetime.date(today.year, 1, 1)).days
    talks = []
    for initiator, counterpart in pairs:
        if days < 1:
            break
        held_on = datetime.date(today.year, 1, 2) + datetime.timedelta(days=rng.randrange(days))
        held_on = max(held_on, initiator.started_on, counterpart.started_on)
        if held_on >= today:
            continue
        criticism = rng.random() < 0.03
        moment = _at(held_on, 17, rng.randint(0, 59))
        talks.append(
            _row(
                HeartTalk,
                organization_id=branch.pk,
                initiator_id=initiator.pk,
                counterpart_id=counterpart.pk,
                held_on=held_on,
                summary=CRITICISM_SUMMARY if criticism else rng.choice(TALK_SUMMARIES),
                is_criticism=criticism,
                recorded_by_id=branch.manager_user_id,
                created_at=moment,
                updated_at=moment,
            )
        )
    return talks


def _commitments(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    """Every member who was in the branch by February pledged then; the mid-year report from June on."""
    year = today.year
    pledges = _choice(PLEDGES, branch.category)
    story_end = _at(today, 8)
    commitments = []
    for member in branch.members:
        if member.started_on > datetime.date(year, 2, 28) or member.pk in branch.pledged:
            continue
        rng = _rng(seed, "commitment", member.digest)
        pledged = min(_at(datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(9, 55)), 20), story_end)
        commitment = _row(
            Commitment,
            member_id=member.pk,
            year=year,
            post=member.position,
            pledge=rng.choice(pledges),
            created_at=pledged,
            updated_at=pledged,
        )
        mid_year = datetime.date(year, 6, 1)
        if today > mid_year and rng.random() < 0.85:
            at = min(_at(mid_year + datetime.timedelta(days=rng.randint(0, 45)), 21), story_end)
            commitment.mid_year_report, commitment.mid_year_reported_at = rng.choice(MID_YEAR_REPORTS), at
            commitment.updated_at = at
            if branch.manager_user_id and rng.random() < 0.4:
                commented = min(at + datetime.timedelta(days=rng.randint(3, 20)), story_end)
                commitment.branch_comment = rng.choice(BRANCH_COMMENTS)
                commitment.commented_by_id = branch.manager_user_id
                commitment.commented_at = commented
                commitment.updated_at = commented
        year_end = datetime.date(year, 12, 1)
        if today > year_end and rng.random() < 0.4:
            day = year_end + datetime.timedelta(days=rng.randint(0, (today - year_end).days - 1))
            at = min(_at(day, 21), story_end)
            commitment.year_end_report, commitment.year_end_reported_at = rng.choice(YEAR_END_REPORTS), at
            commitment.updated_at = max(commitment.updated_at, at)
        commitments.append(commitment)
    return commitments


def _posts(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    rng = _rng(seed, "posts", branch.code)
    kinds = _choice(POSTS, branch.category)
    if branch.posted:
        return []
    chosen = rng.sample(branch.members, min(len(branch.members), rng.randint(1, 3)))
    posts = []
    for number, member in enumerate(chosen):
        kind, title = kinds[number % len(kinds)]
        started = max(member.started_on, datetime.date(today.year - 1, rng.randint(1, 12), 1))
        moment = _at(started, 10)
        posts.append(
            _row(
                PioneerPost,
                member_id=member.pk,
                kind=kind,
                title=title,
                started_on=started,
                created_at=moment,
                updated_at=moment,
            )
        )
    return posts


def _analyze_tables() -> None:
    """Fresh planner statistics after the bulk load (as the tree and study demos do)."""
    models = (Meeting, CountedKind, Attendance, MeetingVersion, StudyTask, HeartTalk, Commitment, PioneerPost)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def activities_demo_seed(
    *,
    seed: int = tree_demo.DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> ActivitiesDemoResult:
    """Create what is missing of the organisational-life demo for the demo tree under 北京市委 (see the module
    docstring). Safe to run again: a branch that has meetings or talks this year is left alone, and the
    reminders already sent are not sent again."""
    started = time.perf_counter()
    result = ActivitiesDemoResult(year=today.year)
    city = Organization.objects.filter(code=CITY_CODE).first()
    if city is None:
        result.seconds = time.perf_counter() - started
        return result
    todo = _branches_to_seed(city=city, year=today.year)
    district = Organization.objects.filter(code=DISTRICT_CODE).values_list("path", flat=True).first() or "-"
    large = Organization.objects.filter(path__startswith=city.path, kind=OrganizationKind.BRANCH).count()
    recent = max(1, today.month - 1)
    for start in range(0, len(todo), BRANCH_CHUNK):
        branches = _load([pk for pk, _code in todo[start : start + BRANCH_CHUNK]], today.year)
        stories = [
            _Story(
                branch,
                seed=seed,
                today=today,
                first_month=1 if large <= FULL_STORY_MAX_BRANCHES or branch.path.startswith(district) else recent,
            )
            for branch in branches
        ]
        for story in stories:
            story.build()
        with (
            transaction.atomic(),
            story_timestamps(Meeting, MeetingVersion, StudyTask, HeartTalk, Commitment, PioneerPost),
        ):
            _write_meetings(stories, result)
            talks = [talk for branch in branches for talk in _talks(branch, seed=seed, today=today)]
            _insert(HeartTalk, talks)
            commitments = [c for branch in branches for c in _commitments(branch, seed=seed, today=today)]
            _insert(Commitment, commitments)
            posts = [post for branch in branches for post in _posts(branch, seed=seed, today=today)]
            _insert(PioneerPost, posts)
        result.talks_created += len(talks)
        result.commitments_created += len(commitments)
        result.posts_created += len(posts)
    if todo:
        _analyze_tables()
    demo_ids = list(Organization.objects.filter(code=DEMO_BRANCH_CODE).values_list("pk", flat=True))
    if demo_ids:  # the beat's reminder to file, for the demo secretary's inbox (no e-mail to demo addresses)
        result.reminders_sent += reminders.meeting_unfiled_reminders_send(
            organization_ids=demo_ids, today=today, email=False
        )
    result.seconds = time.perf_counter() - started
    if log and todo:
        log(
            _("组织生活：%(branches)d个党支部，批量写入用时%(seconds).1f秒。")
            % {"branches": len(todo), "seconds": result.seconds}
        )
    return result
