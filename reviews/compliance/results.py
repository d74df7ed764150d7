"""The drill-down from a dashboard cell to one rule and period of one organisation: the results of its
subtree with the meetings that counted, or the gap, and the rule's source."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from activities.models import Meeting, MeetingKind
from activities.permissions import meetings_visible_to
from branches.models import Organization
from reviews.compliance.dashboard import outcome_of, period_from_key
from reviews.compliance.rules import (
    GRACE_DAYS_DEFAULT,
    Condition,
    Outcome,
    Period,
    PeriodKind,
    RuleResult,
    first_year_cutoff,
    obligations_start,
)
from reviews.models import ComplianceResult, Rule


@dataclass
class ResultEntry:
    result: ComplianceResult
    outcome: str
    gap: str
    meetings: list[Meeting]

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def subject_label(self) -> str:
        return self.result.group.name if self.result.group_id else ""  # type: ignore[union-attr]  # group_id set: group is not None


@dataclass
class RuleDetail:
    organization: Organization
    rule_code: str
    period: Period
    entries: list[ResultEntry]
    today: datetime.date

    @property
    def rule(self) -> Rule:
        return self.entries[0].result.rule

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(MeetingKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.rule.kinds]

    @property
    def condition_label(self) -> str:
        return str(Condition(self.rule.condition).label) if self.rule.condition else ""

    @property
    def window(self) -> tuple[datetime.date, datetime.date]:
        result = self.entries[0].result
        return result.period_start, result.period_end

    @property
    def grace_until(self) -> datetime.date:
        return self.window[1] + datetime.timedelta(days=GRACE_DAYS_DEFAULT)

    @property
    def obligations_start(self) -> datetime.date:
        """The 成立日期, or the day the organisation was created in the portal when it has none."""
        return obligations_start(self.organization)

    @property
    def is_whole_year(self) -> bool:
        """A yearly rule judged over the whole year: owed in the founding year when founded before the cut-off."""
        return self.period.kind == PeriodKind.YEAR and self.window == (self.period.start, self.period.end)

    @property
    def first_year_cutoff(self) -> datetime.date:
        return first_year_cutoff(self.period.start.year)


def rule_detail(*, user, organization: Organization, rule_code: str, period_key: str, today: datetime.date):
    """One rule-period of one organisation: its stored results (one per 党小组 for C1) with the meetings that
    counted, or the gap in words. Two queries; None when there is no such result."""
    period = period_from_key(period_key)
    if period is None:
        return None
    results = list(
        ComplianceResult.objects.filter(organization=organization, rule_code=rule_code, period_key=period.key)
        .select_related("rule", "group")
        .order_by("subject")
    )
    if not results:
        return None
    meeting_ids = {meeting_id for result in results for meeting_id in result.meeting_ids}
    meetings = {
        meeting.pk: meeting
        for meeting in meetings_visible_to(user, Meeting.objects.filter(pk__in=meeting_ids)).order_by("held_on", "pk")
    }
    entries = []
    for result in results:
        outcome = outcome_of(is_met=result.is_met, period_end=result.period_end, today=today)
        subject = result.group.name if result.group_id else ""  # type: ignore[union-attr]  # group_id set: group is not None
        gap = RuleResult(result.rule, period, outcome, result.count, subject_label=subject).gap
        counted = sorted(
            (meetings[m] for m in result.meeting_ids if m in meetings), key=lambda m: (m.held_on or today, m.pk)
        )
        entries.append(ResultEntry(result, outcome, gap, counted))
    return RuleDetail(organization, rule_code, period, entries, today)
