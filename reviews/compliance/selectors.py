"""Reads for the branch's 本月/本季度待办 (`branch_obligations`), judged by reviews.compliance.rules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from activities.models import TEAM_KINDS, Attendance, AttendanceStatus, CountedKind, Meeting, MeetingKind, MeetingStatus
from branches.models import Membership, MemberStatus, Organization, PartyGroup, RoleKind
from reviews.compliance.rules import (
    GRACE_DAYS_DEFAULT,
    BranchStructure,
    GroupFact,
    MeetingFact,
    Outcome,
    Period,
    PeriodKind,
    RuleResult,
    Scope,
    evaluate,
    obligations_start,
    period_containing,
    periods_of_year,
    rule_window,
)
from reviews.models import Rule


@dataclass(frozen=True)
class RuleBook:
    """The rules in force, loaded once: each with the subtree its rule set covers."""

    rules: tuple[tuple[Rule, str], ...]  # (rule, path prefix of its rule set's organisation or "")

    def for_period(self, organization: Organization, start: datetime.date, period_kind: str) -> list[Rule]:
        return [
            rule
            for rule, prefix in self.rules
            if rule.period == period_kind
            and rule.effective_from <= start
            and (rule.effective_to is None or rule.effective_to >= start)
            and organization.path.startswith(prefix)
            and (not rule.categories or organization.category in rule.categories)
        ]


def rule_book_load() -> RuleBook:
    """Every rule of the active rule sets (one query)."""
    rows = Rule.objects.filter(rule_set__is_active=True).select_related("rule_set__organization").order_by("pk")
    return RuleBook(
        tuple((rule, rule.rule_set.organization.path if rule.rule_set.organization else "") for rule in rows)
    )


def rules_fingerprint() -> tuple:
    """Changes whenever a rule or rule set is edited: a recompute that sees it change starts its chunk over."""
    return tuple(
        Rule.objects.aggregate(n=Count("pk"), changed=Max("updated_at"), sets=Max("rule_set__updated_at")).values()
    )


def counted_statuses() -> tuple[str, ...]:
    """Which meetings count: held and filed, or filed only (setting COMPLIANCE_COUNT_FILED_ONLY)."""
    if getattr(settings, "COMPLIANCE_COUNT_FILED_ONLY", False):
        return (MeetingStatus.FILED,)
    return (MeetingStatus.HELD, MeetingStatus.FILED)


@dataclass(frozen=True)
class MeetingRef:
    """A meeting the to-do links to: one scheduled for an obligation, or one that counted for it."""

    id: int
    held_on: datetime.date
    kinds: frozenset[str]
    group_id: int | None
    awaiting_record: bool = False  # planned, its day has passed, attendance not recorded yet


ScheduledMeeting = MeetingRef


@dataclass
class Obligation:
    """A rule result with what the branch has already scheduled for it and the meetings that counted."""

    result: RuleResult
    scheduled: list[MeetingRef] = field(default_factory=list)
    counted: list[MeetingRef] = field(default_factory=list)
    group_id: int | None = None  # the 党小组 it is judged for (C1), if any

    @property
    def schedule_kind(self) -> str:
        """The kind a meeting held for it would most plainly be (to pre-select when scheduling one)."""
        kinds = set(self.result.rule.kinds)
        if self.group_id is None:
            kinds = kinds - {MeetingKind.GROUP_MEETING}
        return next((kind for kind in MeetingKind.values if kind in kinds), "")

    @property
    def is_open(self) -> bool:
        return self.result.outcome in (Outcome.DUE, Outcome.GRACE)

    @property
    def is_met(self) -> bool:
        return self.result.outcome == Outcome.MET

    @property
    def is_missed(self) -> bool:
        return self.result.outcome == Outcome.MISSED

    @property
    def late_entry_on(self) -> datetime.date:
        """The day a late record is pre-filled with: the last day the rule's window allowed (in the period)."""
        return rule_window(self.result.rule, self.result.period)[1]


@dataclass
class ObligationSection:
    """One block of the to-do: the open (and missed) obligations first, the met ones apart."""

    key: str  # "previous", "month", "quarter", "year"
    period: Period | None  # None for "previous" (each obligation names its own period)
    pending: list[Obligation]
    met: list[Obligation]


@dataclass
class BranchObligations:
    organization: Organization
    today: datetime.date
    month: list[Obligation]
    quarter: list[Obligation]
    year: list[Obligation]
    previous: list[Obligation]  # periods just closed, still in their grace window
    # The periods judged (those containing the month asked for; today's by default).
    month_period: Period | None = None
    quarter_period: Period | None = None
    year_period: Period | None = None
    grace_days: int = GRACE_DAYS_DEFAULT
    # This year's closed periods missed after grace: they stay on the to-do (with the late entry) until the year ends.
    missed: list[Obligation] = field(default_factory=list)

    @property
    def open(self) -> list[Obligation]:
        return [o for o in (*self.previous, *self.month, *self.quarter, *self.year) if o.is_open]

    @property
    def is_current(self) -> bool:
        """Whether the month judged is today's (then `previous` holds what is still in grace)."""
        return self.month_period is None or self.month_period.start <= self.today <= self.month_period.end

    @property
    def is_empty(self) -> bool:
        return not (self.previous or self.month or self.quarter or self.year or self.missed)

    @property
    def sections(self) -> list[ObligationSection]:
        sections = []
        if self.previous:
            sections.append(ObligationSection("previous", None, list(self.previous), []))
        for key, period, obligations in (
            ("month", self.month_period, self.month),
            ("quarter", self.quarter_period, self.quarter),
            ("year", self.year_period, self.year),
        ):
            if obligations:
                sections.append(
                    ObligationSection(
                        key, period, [o for o in obligations if not o.is_met], [o for o in obligations if o.is_met]
                    )
                )
        if self.missed:
            sections.append(ObligationSection("missed", None, list(self.missed), []))
        return sections


def meeting_facts(
    *,
    organization_ids: list[int],
    start: datetime.date,
    end: datetime.date,
    statuses: tuple[str, ...],
    team_absences: bool = False,
) -> dict[int, list[MeetingFact]]:
    """The meetings of the organisations held in [start, end], as facts per organisation. One query; with
    `team_absences` (committees: 双重组织生活) a second one counts the leadership team's members recorded 缺席 at
    the team's meetings (民主生活会, 理论学习中心组学习)."""
    absent: dict[int, int] = {}
    if team_absences:
        absent = dict(
            Attendance.objects.filter(
                meeting__organization_id__in=organization_ids,
                meeting__held_on__gte=start,
                meeting__held_on__lte=end,
                meeting__status__in=statuses,
                meeting__kind__in=TEAM_KINDS,
                member__leadership_team_id=F("meeting__organization_id"),
                status=AttendanceStatus.ABSENT,
            )
            .values("meeting_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("meeting_id", "n")
        )
    rows = (
        CountedKind.objects.filter(
            meeting__organization_id__in=organization_ids,
            meeting__held_on__gte=start,
            meeting__held_on__lte=end,
            meeting__status__in=statuses,
        )
        .values_list(
            "meeting__organization_id",
            "meeting_id",
            "meeting__held_on",
            "meeting__group_id",
            "meeting__lecturer_is_secretary",
            "kind",
        )
        .order_by()
    )
    grouped: dict[tuple[int, int], dict] = {}
    for organization_id, meeting_id, held_on, group_id, by_secretary, kind in rows:
        entry = grouped.setdefault(
            (organization_id, meeting_id),
            {"held_on": held_on, "group_id": group_id, "by_secretary": by_secretary, "kinds": set()},
        )
        entry["kinds"].add(kind)
    facts: dict[int, list[MeetingFact]] = defaultdict(list)
    for (organization_id, meeting_id), entry in grouped.items():
        facts[organization_id].append(
            MeetingFact(
                id=meeting_id,
                held_on=entry["held_on"],
                kinds=frozenset(entry["kinds"]),
                group_id=entry["group_id"],
                lecturer_is_secretary=entry["by_secretary"],
                team_absent=absent.get(meeting_id, 0),
            )
        )
    return facts


def branch_structures(
    *, organizations: list[Organization], start: datetime.date, end: datetime.date
) -> dict[int, BranchStructure]:
    """How the branches were made up between start and end: their groups (with the days they were set up and
    dissolved) and their members' stays overlapping those days. Two queries whatever their number."""
    ids = [o.pk for o in organizations if o.is_branch]
    groups: dict[int, list[GroupFact]] = defaultdict(list)
    stays: dict[int, list[tuple[datetime.date, datetime.date | None]]] = defaultdict(list)
    if ids:
        for organization_id, group_id, name, established_on, dissolved_on in (
            PartyGroup.objects.filter(organization_id__in=ids)
            .order_by("name", "pk")
            .values_list("organization_id", "pk", "name", "established_on", "dissolved_on")
        ):
            groups[organization_id].append(GroupFact(group_id, name, established_on, dissolved_on))
        for organization_id, started_on, ended_on in (
            Membership.objects.filter(organization_id__in=ids, started_on__lte=end)
            .filter(Q(ended_on__gt=start) | Q(ended_on__isnull=True, member__status=MemberStatus.ACTIVE))
            .order_by()
            .values_list("organization_id", "started_on", "ended_on")
        ):
            stays[organization_id].append((started_on, ended_on))
    return {o.pk: BranchStructure(tuple(groups[o.pk]), tuple(stays[o.pk])) for o in organizations if o.is_branch}


def secretary_lecture_facts(
    *, committees: list[Organization], start: datetime.date, end: datetime.date, statuses: tuple[str, ...]
) -> dict[int, list[MeetingFact]]:
    """C8 (seed §二.6 各级党委（党组）书记每年至少为基层党员讲一次党课): the 党课 held in [start, end] in an
    organisation below a committee with the committee's 书记 as the lecturer (a member whose login holds the
    committee's secretary role), as facts of that committee: a 党课 by its secretary. The organisation that held
    it counts it for its own rules (C5) as any 党课. One query."""
    paths = {committee.pk: committee.path for committee in committees}
    if not paths:
        return {}
    rows = (
        Meeting.objects.filter(
            held_on__gte=start,
            held_on__lte=end,
            status__in=statuses,
            counted_kinds__kind=MeetingKind.PARTY_LECTURE,
            lecturer__user__roles__kind=RoleKind.SECRETARY,
            lecturer__user__roles__organization_id__in=list(paths),
        )
        .values_list("pk", "held_on", "organization__path", "lecturer__user__roles__organization_id")
        .order_by()
    )
    facts: dict[int, list[MeetingFact]] = defaultdict(list)
    for meeting_id, held_on, path, committee_id in rows:
        if path != paths[committee_id] and path.startswith(paths[committee_id]):
            facts[committee_id].append(
                MeetingFact(
                    id=meeting_id,
                    held_on=held_on,
                    kinds=frozenset({MeetingKind.PARTY_LECTURE}),
                    lecturer_is_secretary=True,
                )
            )
    return facts


def branch_obligations(
    *, organization: Organization, today: datetime.date | None = None, month: datetime.date | None = None
) -> BranchObligations:
    """What the branch owes in the month of `month` (default: this month), its quarter and its year, judged on
    `today`; for this month also what just closed and is still in grace (last month, last quarter, and in early
    January last year), and what this year's closed months and quarters missed after grace (`missed`: it stays
    on the to-do, with a link to enter the late record, until the year is over). For a month gone by it is that
    month's results (met, grace or missed).

    A committee (党委, 党总支) is judged by its leadership team's rules instead: see `committee_obligations`.
    Each period is judged by the branch's structure in it: the groups that stood throughout it, the members it
    had at its end (7 call for a 支委会).
    Four queries whatever the branch's size: the meetings held in the periods judged (with what they count as),
    the meetings scheduled, the groups, the members' stays.
    """
    if not organization.is_branch:
        return committee_obligations(organization=organization, today=today, month=month)
    day = month or today or timezone.localdate()
    structure = branch_structures(
        organizations=[organization],
        start=datetime.date(day.year - 1, 10, 1),  # the closed periods still in grace reach back to last year
        end=datetime.date(day.year, 12, 31),
    )[organization.pk]
    return _obligations(organization=organization, today=today, month=month, structure=structure)


def committee_obligations(
    *, organization: Organization, today: datetime.date | None = None, month: datetime.date | None = None
) -> BranchObligations:
    """The rules a committee's leadership team is judged by (民主生活会, 书记讲党课: Scope.COMMITTEE, counting a
    党课 its 书记 gave in an organisation below), for the same periods as `branch_obligations` and through the same
    `evaluate`. Four queries (the meetings held with the team's absences, the 党课 its 书记 gave below, the
    meetings scheduled)."""
    return _obligations(organization=organization, today=today, month=month, structure=None)


def _obligations(
    *,
    organization: Organization,
    today: datetime.date | None,
    month: datetime.date | None,
    structure: BranchStructure | None,
) -> BranchObligations:
    """`structure`: the branch's over time; None for a committee (judged by its leadership team's rules)."""
    today = today or timezone.localdate()
    day = month or today
    month_period = period_containing(PeriodKind.MONTH, day)
    quarter = period_containing(PeriodKind.QUARTER, day)
    year = period_containing(PeriodKind.YEAR, day)
    is_current = month_period.start <= today <= month_period.end
    # Closed periods, only shown with this month: this year's earlier months and quarters (a missed one stays on
    # the to-do until the year is over, with a way to enter the late record), and last year's last month and
    # quarter while their grace window is open (in January).
    closed: list[tuple[Period, str]] = []
    if is_current:
        for kind, current in ((PeriodKind.MONTH, month_period), (PeriodKind.QUARTER, quarter)):
            earlier = [period for period in periods_of_year(kind, year.start.year) if period.end < current.start]
            closed += [(period, kind) for period in earlier] or [
                (period_containing(kind, current.start - datetime.timedelta(days=1)), kind)
            ]
        last_year = period_containing(PeriodKind.YEAR, year.start - datetime.timedelta(days=1))
        if today <= last_year.end + datetime.timedelta(days=GRACE_DAYS_DEFAULT):
            closed.append((last_year, PeriodKind.YEAR))
    start = min([year.start, quarter.start, *(period.start for period, _kind in closed)])
    facts = meeting_facts(
        organization_ids=[organization.pk],
        start=start,
        end=year.end,
        statuses=counted_statuses(),
        team_absences=not organization.is_branch,
    ).get(organization.pk, [])
    if not organization.is_branch:
        facts += secretary_lecture_facts(
            committees=[organization], start=start, end=year.end, statuses=counted_statuses()
        ).get(organization.pk, [])
    by_id = {fact.id: fact for fact in facts}
    planned = meeting_facts(
        organization_ids=[organization.pk], start=start, end=year.end, statuses=(MeetingStatus.PLANNED,)
    ).get(organization.pk, [])
    scheduled = sorted(
        (MeetingRef(f.id, f.held_on, f.kinds, f.group_id, awaiting_record=f.held_on < today) for f in planned),
        key=lambda ref: (ref.held_on, ref.id),
    )

    def ref(fact: MeetingFact) -> MeetingRef:
        return MeetingRef(fact.id, fact.held_on, fact.kinds, fact.group_id)

    def judge(period: Period, rules_for_period: list[Rule]) -> list[Obligation]:
        obligations = []
        scopes: set[str]
        groups: list[tuple[int, str]]
        if structure is None:
            scopes, groups = {Scope.COMMITTEE}, []
        else:
            scopes = structure.scopes_in(period.start, period.end, today=today)
            groups = [(group.id, group.name) for group in structure.groups_in(period.start, period.end)]
        for rule in rules_for_period:
            if rule.scope == Scope.GROUP:
                subjects: list[tuple[int | None, str]] = list(groups)
            elif rule.scope in scopes:
                subjects = [(None, "")]
            else:
                continue
            for group_id, name in subjects:
                own = [f for f in facts if group_id is None or f.group_id == group_id]
                result = evaluate(
                    rule,
                    period=period,
                    meetings=own,
                    today=today,
                    applies_from=obligations_start(organization),
                    subject_label=name,
                )
                if result.outcome == Outcome.NOT_APPLICABLE:
                    continue
                counted = [ref(by_id[meeting_id]) for meeting_id in result.meeting_ids]
                upcoming = []
                if result.outcome != Outcome.MET:
                    window_start, window_end = rule_window(rule, period)
                    upcoming = [
                        s
                        for s in scheduled
                        if window_start <= s.held_on <= window_end
                        and s.kinds & set(rule.kinds)
                        and (group_id is None or s.group_id == group_id)
                    ]
                obligations.append(Obligation(result, upcoming, counted, group_id=group_id))
        return obligations

    book = rule_book_load()

    def rules(period: Period, kind: str) -> list:
        return book.for_period(organization, period.start, kind)

    judged_closed = [(period, o) for period, kind in closed for o in judge(period, rules(period, kind))]
    previous = [o for _period, o in judged_closed if o.result.outcome == Outcome.GRACE]
    missed = [o for period, o in judged_closed if o.is_missed and period.start.year == year.start.year]
    missed.sort(key=lambda o: -o.result.period.start.toordinal())  # the most recent first
    return BranchObligations(
        organization=organization,
        today=today,
        month=judge(month_period, rules(month_period, PeriodKind.MONTH)),
        quarter=judge(quarter, rules(quarter, PeriodKind.QUARTER)),
        year=judge(year, rules(year, PeriodKind.YEAR)),
        previous=previous,
        missed=missed,
        month_period=month_period,
        quarter_period=quarter,
        year_period=year,
    )
