"""The rules the portal checks (DESIGN.md §3) and the one function that judges a rule for a period.

`evaluate` is pure: it takes a rule (anything with the attributes of `RuleSpec`), a period and the facts
(meetings with the kinds they count as, dated by the day they were held) and returns the outcome with the
meetings that counted. The branch to-do (reviews.compliance.selectors.branch_obligations) and the compliance
roll-ups both call it, so a rule is written down once.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from branches.models import Organization
    from reviews.models import Rule

GRACE_DAYS_DEFAULT = 10
# The kind the 支部党员大会 that decides the year's 民主评议党员 also counts as (activities.models.MeetingKind).
DEMOCRATIC_EVALUATION_KIND = "democratic_evaluation"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


class Outcome(models.TextChoices):
    MET = "met", _("已完成")
    DUE = "due", _("待完成")
    GRACE = "grace", _("补录期")
    MISSED = "missed", _("未完成")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class Scope(models.TextChoices):
    """What a rule is judged for."""

    BRANCH = "branch", _("党支部")
    BRANCH_WITH_COMMITTEE = "branch_with_committee", _("设支委会的党支部")
    BRANCH_WITHOUT_GROUPS = "branch_without_groups", _("不设党小组的党支部")
    GROUP = "group", _("党小组")
    COMMITTEE = "committee", _("党委（党组）领导班子")


class Condition(models.TextChoices):
    NONE = "", _("无")
    WITH_THEMATIC_DISCUSSION = "with_thematic_discussion", _("同时开展专题研讨")
    BY_SECRETARY = "by_secretary", _("由书记讲授")
    WITH_DEMOCRATIC_EVALUATION = "with_democratic_evaluation", _("同时完成民主评议党员")
    # 双重组织生活: the team's meeting counts only if no member of the leadership team was recorded 缺席.
    WITH_TEAM_ATTENDANCE = "with_team_attendance", _("领导班子成员无缺席（请假除外）")


# A branch with this many members sets up a committee (中国共产党支部工作条例（试行）2018 第九条).
COMMITTEE_MIN_MEMBERS = 7


@dataclass(frozen=True)
class RuleSpec:
    """A rule's shape. The administrators' rule rows have the same attributes."""

    code: str
    title: StrOrPromise
    source: StrOrPromise
    scope: str
    period: str
    kinds: frozenset[str]
    min_count: int = 1
    condition: str = ""
    # For a window inside the year (七一): (month, day) to (month, day), both inclusive.
    window_start: tuple[int, int] | None = None
    window_end: tuple[int, int] | None = None
    missing_text: StrOrPromise = ""

    # The same interface as the rule rows (reviews.models.Rule); the texts here are translated by gettext.

    def localized_title(self) -> str:
        return str(self.title)

    def localized_source(self) -> str:
        return str(self.source)

    def localized_missing_text(self) -> str:
        return str(self.missing_text)


def localized(chinese: str, english: str) -> str:
    """The English text on an English page when there is one, else the Chinese."""
    return english if english and (get_language() or "").startswith("en") else chinese


def _kinds(*names: str) -> frozenset[str]:
    return frozenset(names)


# The meeting rules of DESIGN.md §3, with their source. C10 (plans) and C11 (talks) are judged from their own
# records (reviews.compliance.selectors); M1–M3 and O1 are per member / per structure.
MEETING_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        code="C1",
        title=_("党小组每月至少组织一次集中学习"),
        source=_("《实施方案》二.1：党小组每月至少要组织党员进行一至两次集中学习"),
        scope=Scope.GROUP,
        period=PeriodKind.MONTH,
        kinds=_kinds("group_meeting", "collective_study"),
        missing_text=_("未组织党小组集中学习"),
    ),
    RuleSpec(
        code="C1",
        title=_("不设党小组的党支部每月至少组织一次集中学习"),
        source=_("《实施方案》二.1：不设党小组的，以党支部为单位集中学习"),
        scope=Scope.BRANCH_WITHOUT_GROUPS,
        period=PeriodKind.MONTH,
        kinds=_kinds("collective_study", "group_meeting"),
        missing_text=_("未组织集中学习"),
    ),
    RuleSpec(
        code="C2",
        title=_("每季度召开一次支部党员大会，组织专题研讨"),
        source=_("《实施方案》二.1：党支部每季度召开一次全体党员会议，组织专题研讨"),
        scope=Scope.BRANCH,
        period=PeriodKind.QUARTER,
        kinds=_kinds("general_meeting"),
        condition=Condition.WITH_THEMATIC_DISCUSSION,
        missing_text=_("未召开支部党员大会（专题研讨）"),
    ),
    RuleSpec(
        code="C3",
        title=_("每月至少开展一次主题党日"),
        source=_("《实施方案》二.3：党支部每月至少固定一天，组织党员集中学习、听党课，开展民主议事和志愿服务等活动"),
        scope=Scope.BRANCH,
        period=PeriodKind.MONTH,
        kinds=_kinds("theme_day"),
        missing_text=_("未开展主题党日"),
    ),
    RuleSpec(
        code="C4",
        title=_("每月召开一次支部委员会"),
        source=_("《中国共产党支部工作条例（试行）》（2018）：支部委员会会议一般每月召开1次"),
        scope=Scope.BRANCH_WITH_COMMITTEE,
        period=PeriodKind.MONTH,
        kinds=_kinds("committee_meeting"),
        missing_text=_("未召开支部委员会"),
    ),
    RuleSpec(
        code="C5",
        title=_("每季度至少上一次党课"),
        source=_("《中国共产党支部工作条例（试行）》（2018）：党课一般每季度1次"),
        scope=Scope.BRANCH,
        period=PeriodKind.QUARTER,
        kinds=_kinds("party_lecture"),
        missing_text=_("未上党课"),
    ),
    RuleSpec(
        code="C6",
        title=_("每年召开一次组织生活会，开展民主评议党员"),
        source=_("《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评；要坚持开展民主评议党员"),
        scope=Scope.BRANCH,
        period=PeriodKind.YEAR,
        kinds=_kinds("org_life_meeting"),
        condition=Condition.WITH_DEMOCRATIC_EVALUATION,
        missing_text=_("未召开组织生活会或未完成民主评议党员"),
    ),
    RuleSpec(
        code="C7",
        title=_("领导班子每年召开一次民主生活会"),
        source=_("《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评"),
        scope=Scope.COMMITTEE,
        period=PeriodKind.YEAR,
        kinds=_kinds("democratic_life_meeting"),
        missing_text=_("未召开民主生活会"),
    ),
    RuleSpec(
        code="C8",
        title=_("党委（党组）书记每年至少为基层党员讲一次党课"),
        source=_("《实施方案》二.6：各级党委（党组）书记每年至少为基层党员讲一次党课"),
        scope=Scope.COMMITTEE,
        period=PeriodKind.YEAR,
        kinds=_kinds("party_lecture"),
        condition=Condition.BY_SECRETARY,
        missing_text=_("书记未讲党课"),
    ),
    RuleSpec(
        code="C9",
        title=_("七一前后开展仪式教育"),
        source=_("《实施方案》二.3：“七一”前后，要集中组织党员开展仪式教育"),
        scope=Scope.BRANCH,
        period=PeriodKind.YEAR,
        kinds=_kinds("ceremony"),
        window_start=(6, 15),
        window_end=(7, 15),
        missing_text=_("七一前后未开展仪式教育"),
    ),
)


# Periods (local dates, Asia/Shanghai: a meeting's `held_on` is already its local date) --------------------------


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def key(self) -> str:
        """'2026-07', '2026-Q3' or '2026'."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return gettext("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            # One whole msgid per quarter: the Chinese ordinal (第三季度) must not be spliced into the English text.
            labels = (
                gettext("%(year)d年第一季度"),
                gettext("%(year)d年第二季度"),
                gettext("%(year)d年第三季度"),
                gettext("%(year)d年第四季度"),
            )
            return labels[(self.start.month - 1) // 3] % {"year": self.start.year}
        return gettext("%(year)d年") % {"year": self.start.year}


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    elif kind == PeriodKind.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        start = datetime.date(day.year, first_month, 1)
        end = datetime.date(day.year, first_month + 2, calendar.monthrange(day.year, first_month + 2)[1])
    elif kind == PeriodKind.YEAR:
        start, end = datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    else:
        raise ValueError(kind)
    return Period(kind, start, end)


def periods_of_year(kind: str, year: int) -> list[Period]:
    if kind == PeriodKind.MONTH:
        return [period_containing(kind, datetime.date(year, month, 1)) for month in range(1, 13)]
    if kind == PeriodKind.QUARTER:
        return [period_containing(kind, datetime.date(year, month, 1)) for month in (1, 4, 7, 10)]
    return [period_containing(kind, datetime.date(year, 1, 1))]


def rule_window(rule, period: Period) -> tuple[datetime.date, datetime.date]:
    """The dates inside the period when a counting meeting must be held (the whole period, or e.g. 七一)."""
    if rule.window_start and rule.window_end:
        year = period.start.year
        return datetime.date(year, *rule.window_start), datetime.date(year, *rule.window_end)
    return period.start, period.end


def obligations_start(organization: Organization) -> datetime.date:
    """The day an organisation's obligations start: its 成立日期, or, for one created in the portal without it,
    the day it was created (Asia/Shanghai) — never 1 January of a year it did not exist in."""
    return organization.established_on or timezone.localdate(organization.created_at)


def first_year_cutoff(year: int) -> datetime.date:
    """The day before which an organisation founded in `year` owes that year's yearly obligations
    (settings.COMPLIANCE_FIRST_YEAR_CUTOFF, MM-DD; default 1 October)."""
    month, day = (int(part) for part in settings.COMPLIANCE_FIRST_YEAR_CUTOFF.split("-"))
    return datetime.date(year, month, day)


# Facts and results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFact:
    """What a rule needs to know about a meeting."""

    id: int
    held_on: datetime.date
    kinds: frozenset[str]
    group_id: int | None = None
    lecturer_is_secretary: bool = False
    team_absent: int = 0  # members of the holding committee's leadership team recorded 缺席


@dataclass
class RuleResult:
    rule: RuleSpec | Rule
    period: Period
    outcome: str
    count: int = 0
    meeting_ids: list[int] = field(default_factory=list)
    subject_label: str = ""  # e.g. the 党小组's name for C1

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def gap(self) -> str:
        """What is missing, in words: '2026年第三季度 未召开支部党员大会'."""
        if self.outcome in (Outcome.MET, Outcome.NOT_APPLICABLE):
            return ""
        who = f"{self.subject_label} " if self.subject_label else ""
        return f"{self.period.label} {who}{self.rule.localized_missing_text()}"


def _counts(rule, fact: MeetingFact) -> bool:
    if fact.kinds.isdisjoint(rule.kinds):
        return False
    if rule.condition == Condition.WITH_THEMATIC_DISCUSSION:
        return "thematic_discussion" in fact.kinds
    if rule.condition == Condition.BY_SECRETARY:
        return fact.lecturer_is_secretary
    if rule.condition == Condition.WITH_TEAM_ATTENDANCE:
        return fact.team_absent == 0
    return True


def evaluate(
    rule,
    *,
    period: Period,
    meetings: Iterable[MeetingFact],
    today: datetime.date,
    applies_from: datetime.date | None = None,
    grace_days: int = GRACE_DAYS_DEFAULT,
    subject_label: str = "",
) -> RuleResult:
    """Judge one rule for one period from the meetings of the organisation (or group) it is judged for.

    met: at least `min_count` counting meetings held inside the window. Otherwise: due while the window is
    open, grace for `grace_days` after it closes (late entry lands in the right period), then missed.
    Not applicable when the organisation did not exist yet when the window opened (`applies_from`: its rules
    apply from the first full period), except a yearly rule judged over the whole year, which an organisation
    founded before the first-year cut-off (1 October by default) owes in its first year already. Meetings held
    after `today` never count.
    """
    start, end = rule_window(rule, period)
    if applies_from is not None and applies_from > start:
        whole_year = period.kind == PeriodKind.YEAR and (start, end) == (period.start, period.end)
        if not (whole_year and applies_from < first_year_cutoff(period.start.year)):
            return RuleResult(rule, period, Outcome.NOT_APPLICABLE, subject_label=subject_label)
    in_window = [fact for fact in meetings if start <= fact.held_on <= min(end, today)]
    counted = sorted(fact.id for fact in in_window if _counts(rule, fact))
    met = len(counted) >= rule.min_count
    if rule.condition == Condition.WITH_DEMOCRATIC_EVALUATION:
        # C6 (seed §二.3: 组织生活会 … 要坚持开展民主评议党员): met only when the 民主评议党员 was also decided in
        # the window (a 支部党员大会 that counts as it); both meetings are listed as the ones that counted.
        evaluated = [fact.id for fact in in_window if DEMOCRATIC_EVALUATION_KIND in fact.kinds]
        met = met and bool(evaluated)
        counted = sorted({*counted, *evaluated})
    if met:
        outcome = Outcome.MET
    elif today <= end:
        outcome = Outcome.DUE
    elif today <= end + datetime.timedelta(days=grace_days):
        outcome = Outcome.GRACE
    else:
        outcome = Outcome.MISSED
    return RuleResult(rule, period, outcome, len(counted), counted, subject_label=subject_label)


def branch_scopes(*, member_count: int, group_count: int) -> set[str]:
    """The scopes a branch falls under, from its size and whether it has groups."""
    scopes: set[str] = {Scope.BRANCH}
    if member_count >= COMMITTEE_MIN_MEMBERS:
        scopes.add(Scope.BRANCH_WITH_COMMITTEE)
    if group_count == 0:
        scopes.add(Scope.BRANCH_WITHOUT_GROUPS)
    return scopes


# The structure of a branch over time -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFact:
    """A 党小组 with the days it was set up and dissolved (it no longer exists from `dissolved_on`)."""

    id: int
    name: str
    established_on: datetime.date
    dissolved_on: datetime.date | None = None

    def stands_through(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether the group existed on every day of [start, end]: only then is it judged for the period (a
        group set up in September studies as a group from October; until then the branch studies as a whole)."""
        return self.established_on <= start and (self.dissolved_on is None or self.dissolved_on > end)


@dataclass(frozen=True)
class BranchStructure:
    """What a branch looked like over time: its groups and its members' stays (组织关系, started_on/ended_on). Each
    period is judged by what was true in it, not by today's structure."""

    groups: tuple[GroupFact, ...] = ()
    stays: tuple[tuple[datetime.date, datetime.date | None], ...] = ()

    def groups_in(self, start: datetime.date, end: datetime.date) -> list[GroupFact]:
        return [group for group in self.groups if group.stands_through(start, end)]

    def member_count_on(self, day: datetime.date) -> int:
        """Active members on the day (a member who moves on day X counts in the new branch from X)."""
        return sum(1 for started, ended in self.stays if started <= day and (ended is None or ended > day))

    def scopes_in(self, start: datetime.date, end: datetime.date, *, today: datetime.date) -> set[str]:
        """The scopes the branch fell under in [start, end]: the groups that stood throughout it, and the members
        it had at its end (today while the period is still running) — 7 call for a committee (中国共产党支部工作
        条例（试行）2018 第九条), so a branch that grows to 7 in June owes a 支委会 from June."""
        return branch_scopes(
            member_count=self.member_count_on(min(end, today)), group_count=len(self.groups_in(start, end))
        ) | {Scope.GROUP}
