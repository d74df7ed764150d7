"""One branch's generated year (see demo/history/generate.py): its meetings month by month with attendance,
补学 tasks, filings and the deliberate gaps of non-compliant branches."""

from __future__ import annotations

import datetime

from activities.meetings import services as services
from activities.models import (
    Meeting,
    MeetingStatus,
)
from demo.history.tables import (
    ABSENT,
    COMMITTEE_POSTS,
    COMMITTEE_PRESENT_SHARE,
    COMMITTEE_TOPICS,
    DRIFT_SHARE,
    FILE_AFTER_DAYS,
    GENERAL_TOPICS,
    LEAVE,
    LEAVE_REASONS,
    LEAVE_SHARE,
    LECTURE_IN_THEME_DAY_SHARE,
    LECTURE_TOPICS,
    LECTURER_GUESTS,
    LOCATIONS,
    PRESENT,
    PRESENT_SHARE,
    QR_BRANCH_SHARE,
    SECRETARY_LECTURE_SHARE,
    STUDY_TOPICS,
    THEME_DAY_PARTS,
    THEME_DAY_TOPICS,
    UNFILED_SHARE,
    Kind,
    Part,
    _at,
    _Branch,
    _month_day,
    _month_end,
    _Planned,
    _rng,
    _weekday,
)
from reviews.compliance.rules import COMMITTEE_MIN_MEMBERS, GRACE_DAYS_DEFAULT, PeriodKind, period_containing


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
            # A 支委会 where the branch had the members for a committee at the month's end (C4 is judged so).
            month_end = min(period_containing(PeriodKind.MONTH, datetime.date(year, month, 1)).end, self.today)
            if branch.member_count_on(month_end) >= COMMITTEE_MIN_MEMBERS and ("committee", month) not in self.skips:
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
