"""Reads for the oversight side. `branch_obligations` is the branch's 本月/本季度待办, judged by reviews.rules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from activities.models import CountedKind, MeetingStatus
from branches.models import MemberStatus, Organization, PartyGroup
from reviews.rules import (
    MEETING_RULES,
    MeetingFact,
    Outcome,
    PeriodKind,
    RuleResult,
    Scope,
    branch_scopes,
    evaluate,
    period_containing,
)


def counted_statuses() -> tuple[str, ...]:
    """Which meetings count: held and filed, or filed only (setting COMPLIANCE_COUNT_FILED_ONLY)."""
    if getattr(settings, "COMPLIANCE_COUNT_FILED_ONLY", False):
        return (MeetingStatus.FILED,)
    return (MeetingStatus.HELD, MeetingStatus.FILED)


@dataclass(frozen=True)
class ScheduledMeeting:
    id: int
    held_on: datetime.date
    kinds: frozenset[str]
    group_id: int | None


@dataclass
class Obligation:
    """A rule result with what the branch has already scheduled for it."""

    result: RuleResult
    scheduled: list[ScheduledMeeting] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.result.outcome in (Outcome.DUE, Outcome.GRACE)


@dataclass
class BranchObligations:
    organization: Organization
    today: datetime.date
    month: list[Obligation]
    quarter: list[Obligation]
    year: list[Obligation]
    previous: list[Obligation]  # periods just closed, still in their grace window

    @property
    def open(self) -> list[Obligation]:
        return [o for o in (*self.previous, *self.month, *self.quarter, *self.year) if o.is_open]


def meeting_facts(
    *, organization_ids: list[int], start: datetime.date, end: datetime.date, statuses: tuple[str, ...]
) -> dict[int, list[MeetingFact]]:
    """The meetings of the organisations held in [start, end], as facts per organisation. One query."""
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
            )
        )
    return facts


def branch_obligations(*, organization: Organization, today: datetime.date | None = None) -> BranchObligations:
    """What the branch still owes this month, this quarter and this year, and what just closed (grace).

    Four queries whatever the branch's size: the meetings held since the start of last quarter (with what they
    count as), the meetings scheduled, the groups, the number of active members.
    """
    today = today or timezone.localdate()
    month = period_containing(PeriodKind.MONTH, today)
    quarter = period_containing(PeriodKind.QUARTER, today)
    year = period_containing(PeriodKind.YEAR, today)
    previous_month = period_containing(PeriodKind.MONTH, month.start - datetime.timedelta(days=1))
    previous_quarter = period_containing(PeriodKind.QUARTER, quarter.start - datetime.timedelta(days=1))
    start = min(previous_quarter.start, year.start)
    all_facts = meeting_facts(
        organization_ids=[organization.pk], start=start, end=year.end, statuses=counted_statuses()
    ).get(organization.pk, [])
    facts = [fact for fact in all_facts if fact.held_on <= today]
    planned = meeting_facts(
        organization_ids=[organization.pk], start=today, end=year.end, statuses=(MeetingStatus.PLANNED,)
    ).get(organization.pk, [])
    scheduled = [ScheduledMeeting(f.id, f.held_on, f.kinds, f.group_id) for f in planned]
    groups = list(PartyGroup.objects.filter(organization=organization).values_list("pk", "name"))
    member_count = organization.members.filter(status=MemberStatus.ACTIVE).aggregate(n=Count("pk"))["n"]
    scopes = branch_scopes(member_count=member_count, group_count=len(groups))
    applies_from = organization.established_on

    def judge(period, rules_for_period) -> list[Obligation]:
        obligations = []
        for rule in rules_for_period:
            if rule.scope == Scope.GROUP:
                subjects = [(group_id, name) for group_id, name in groups]
            elif rule.scope in scopes:
                subjects = [(None, "")]
            else:
                continue
            for group_id, name in subjects:
                own = [f for f in facts if group_id is None or f.group_id == group_id]
                result = evaluate(
                    rule, period=period, meetings=own, today=today, applies_from=applies_from, subject_label=name
                )
                if result.outcome == Outcome.NOT_APPLICABLE:
                    continue
                window_end = result.period.end
                upcoming = [
                    s
                    for s in scheduled
                    if s.held_on <= window_end
                    and s.kinds & set(rule.kinds)
                    and (group_id is None or s.group_id == group_id)
                ]
                obligations.append(Obligation(result, upcoming if result.outcome == Outcome.DUE else []))
        return obligations

    def rules(kind: str):
        return [rule for rule in MEETING_RULES if rule.period == kind]

    previous = [
        o
        for o in judge(previous_month, rules(PeriodKind.MONTH)) + judge(previous_quarter, rules(PeriodKind.QUARTER))
        if o.result.outcome == Outcome.GRACE
    ]
    return BranchObligations(
        organization=organization,
        today=today,
        month=judge(month, rules(PeriodKind.MONTH)),
        quarter=judge(quarter, rules(PeriodKind.QUARTER)),
        year=judge(year, rules(PeriodKind.YEAR)),
        previous=previous,
    )
