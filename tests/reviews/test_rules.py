"""reviews.compliance.rules.evaluate at the edges: period boundaries, grace, 七一 window, conditions, late creation."""

import datetime

import pytest

from reviews.compliance.rules import (
    MEETING_RULES,
    MeetingFact,
    Outcome,
    PeriodKind,
    branch_scopes,
    evaluate,
    period_containing,
    periods_of_year,
)

RULES = {(rule.code, rule.scope): rule for rule in MEETING_RULES}
C2 = RULES["C2", "branch"]
C3 = RULES["C3", "branch"]
C8 = RULES["C8", "committee"]
C9 = RULES["C9", "branch"]


def fact(day, *kinds, pk=1, **extra):
    return MeetingFact(id=pk, held_on=day, kinds=frozenset(kinds), **extra)


def test_it_cuts_quarters_and_months_at_their_ends():
    q3 = period_containing(PeriodKind.QUARTER, datetime.date(2026, 9, 30))
    assert (q3.start, q3.end, q3.key) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "2026-Q3")
    assert q3.label == "2026年第三季度"
    feb = period_containing(PeriodKind.MONTH, datetime.date(2028, 2, 10))
    assert feb.end == datetime.date(2028, 2, 29)
    assert [p.key for p in periods_of_year(PeriodKind.QUARTER, 2026)] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 7, 31), Outcome.DUE),
        (datetime.date(2026, 8, 10), Outcome.GRACE),
        (datetime.date(2026, 8, 11), Outcome.MISSED),
    ],
)
def test_it_moves_from_due_to_grace_to_missed(today, expected):
    july = period_containing(PeriodKind.MONTH, datetime.date(2026, 7, 1))
    assert evaluate(C3, period=july, meetings=[], today=today).outcome == expected


def test_it_counts_a_meeting_by_the_day_it_was_held():
    july = period_containing(PeriodKind.MONTH, datetime.date(2026, 7, 1))
    august = period_containing(PeriodKind.MONTH, datetime.date(2026, 8, 1))
    meetings = [fact(datetime.date(2026, 7, 31), "theme_day")]
    today = datetime.date(2026, 8, 5)
    assert evaluate(C3, period=july, meetings=meetings, today=today).outcome == Outcome.MET
    assert evaluate(C3, period=august, meetings=meetings, today=today).outcome == Outcome.DUE


def test_it_names_what_is_missing():
    q3 = period_containing(PeriodKind.QUARTER, datetime.date(2026, 7, 1))
    result = evaluate(C2, period=q3, meetings=[], today=datetime.date(2026, 11, 1))
    assert result.outcome == Outcome.MISSED
    assert result.gap == "2026年第三季度 未召开支部党员大会（专题研讨）"


def test_it_counts_a_general_meeting_only_with_a_thematic_discussion():
    q3 = period_containing(PeriodKind.QUARTER, datetime.date(2026, 7, 1))
    today = datetime.date(2026, 9, 1)
    plain = [fact(datetime.date(2026, 8, 1), "general_meeting")]
    with_discussion = [fact(datetime.date(2026, 8, 1), "general_meeting", "thematic_discussion")]
    assert evaluate(C2, period=q3, meetings=plain, today=today).outcome == Outcome.DUE
    assert evaluate(C2, period=q3, meetings=with_discussion, today=today).outcome == Outcome.MET


def test_it_counts_a_theme_day_that_also_held_the_general_meeting_for_both_rules():
    day = datetime.date(2026, 8, 12)
    one = [fact(day, "theme_day", "general_meeting", "thematic_discussion", "party_lecture")]
    today = datetime.date(2026, 8, 20)
    assert evaluate(C3, period=period_containing("month", day), meetings=one, today=today).outcome == Outcome.MET
    assert evaluate(C2, period=period_containing("quarter", day), meetings=one, today=today).outcome == Outcome.MET
    c5 = RULES["C5", "branch"]
    assert evaluate(c5, period=period_containing("quarter", day), meetings=one, today=today).meeting_ids == [1]


@pytest.mark.parametrize(
    ("held_on", "expected"),
    [
        (datetime.date(2026, 6, 14), Outcome.MISSED),
        (datetime.date(2026, 6, 15), Outcome.MET),
        (datetime.date(2026, 7, 15), Outcome.MET),
        (datetime.date(2026, 7, 16), Outcome.MISSED),
    ],
)
def test_it_counts_the_ceremony_only_inside_the_july_first_window(held_on, expected):
    year = period_containing(PeriodKind.YEAR, datetime.date(2026, 1, 1))
    result = evaluate(C9, period=year, meetings=[fact(held_on, "ceremony")], today=datetime.date(2026, 12, 1))
    assert result.outcome == expected


def test_it_keeps_the_july_first_window_due_until_it_closes():
    year = period_containing(PeriodKind.YEAR, datetime.date(2026, 1, 1))
    assert evaluate(C9, period=year, meetings=[], today=datetime.date(2026, 7, 15)).outcome == Outcome.DUE
    assert evaluate(C9, period=year, meetings=[], today=datetime.date(2026, 7, 20)).outcome == Outcome.GRACE


def test_it_does_not_apply_to_a_branch_created_after_the_period_began():
    july = period_containing(PeriodKind.MONTH, datetime.date(2026, 7, 1))
    august = period_containing(PeriodKind.MONTH, datetime.date(2026, 8, 1))
    created = datetime.date(2026, 7, 10)
    today = datetime.date(2026, 9, 30)
    assert evaluate(C3, period=july, meetings=[], today=today, applies_from=created).outcome == Outcome.NOT_APPLICABLE
    assert evaluate(C3, period=august, meetings=[], today=today, applies_from=created).outcome == Outcome.MISSED


def test_it_counts_the_secretary_lecture_only_when_the_secretary_gave_it():
    year = period_containing(PeriodKind.YEAR, datetime.date(2026, 1, 1))
    day = datetime.date(2026, 5, 1)
    today = datetime.date(2026, 6, 1)
    by_other = [fact(day, "party_lecture")]
    by_secretary = [fact(day, "party_lecture", lecturer_is_secretary=True)]
    assert evaluate(C8, period=year, meetings=by_other, today=today).outcome == Outcome.DUE
    assert evaluate(C8, period=year, meetings=by_secretary, today=today).outcome == Outcome.MET


def test_it_sorts_branches_into_scopes_by_size_and_groups():
    assert branch_scopes(member_count=6, group_count=0) == {"branch", "branch_without_groups"}
    assert branch_scopes(member_count=7, group_count=2) == {"branch", "branch_with_committee"}
