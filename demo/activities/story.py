"""One branch's year of organisational life in the demo: which meetings it held when, who attended, what was
filed or amended (see demo/activities/seed.py for the whole story)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from activities.meetings import services as services
from activities.models import (
    STUDY_KINDS,
    Meeting,
    MeetingStatus,
)
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    RoleKind,
)
from demo.activities.tables import (
    AMENDMENT_REASONS,
    COMMITTEE_MATTERS,
    COMMITTEE_MIN_MEMBERS,
    COMMITTEE_TOPIC,
    COMMITTEE_TOPICS,
    DEMO_BRANCH_CODE,
    EXTERNAL_LECTURERS,
    FILE_AFTER_DAYS,
    FLOATING_REASONS,
    GENERAL_TOPICS,
    LEAVE_REASONS,
    LECTURES,
    LOCATIONS,
    QUARTERS,
    THEME_DAYS,
    A,
    Cat,
    Kind,
    Part,
    _at,
    _choice,
    _day_of,
    _rng,
    _workday,
)
from demo.study import tables as study_demo
from study.models import Audience, StudyForm


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
                # The first quarter's also decides last year's 民主评议党员 (demo.evaluations links it).
                counts=(Kind.THEMATIC_DISCUSSION, Kind.DEMOCRATIC_EVALUATION)
                if month == 3
                else (Kind.THEMATIC_DISCUSSION,),
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
