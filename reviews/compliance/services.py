"""Writes for oversight: the compliance results and their roll-ups, kept up to date incrementally.

`organizations_recompute` re-judges a few organisations for a year and moves the roll-ups of every node above
them by the difference, in one transaction: what a meeting being held, filed, amended, moved or deleted
triggers (after commit, through Celery). `compliance_recompute` rebuilds a whole year (or a subtree) from the
meetings: the nightly job and `manage.py recompute_compliance`. Both use the same `judge_organization`, and a
test checks that they give exactly the same rows.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organization, OrganizationKind
from reviews.compliance.dashboard import ROLLUPS_VERSION_KEY
from reviews.compliance.rules import (
    BranchStructure,
    MeetingFact,
    Outcome,
    PeriodKind,
    Scope,
    evaluate,
    obligations_start,
    periods_of_year,
    rule_window,
)
from reviews.compliance.selectors import (
    RuleBook,
    branch_structures,
    counted_statuses,
    meeting_facts,
    rule_book_load,
    rules_fingerprint,
    secretary_lecture_facts,
)
from reviews.models import ComplianceResult, ComplianceRollup, StudyProgress

ALL_RULES = "*"  # roll-up rows counting organisations (all rule-periods within a period met) rather than rule-periods
STUDY = "study"  # roll-up rows counting study tasks (applicable: due so far; met: done), per year
CHUNK_SIZE = 200


# Which rules apply ---------------------------------------------------------------------------------------------


COMMITTEE_KINDS = {
    OrganizationKind.MUNICIPAL_COMMITTEE,
    OrganizationKind.DISTRICT_COMMITTEE,
    OrganizationKind.WORKING_COMMITTEE,
    OrganizationKind.PRIMARY_COMMITTEE,
    OrganizationKind.GENERAL_BRANCH,
}


# Judging -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationFacts:
    organization: Organization
    meetings: list[MeetingFact]
    structure: BranchStructure | None  # a branch's groups, members and committee over time; None for a committee


def judge_organization(
    facts: OrganizationFacts, *, book: RuleBook, year: int, today: datetime.date
) -> list[ComplianceResult]:
    """The organisation's results for every period of the year that has started (unsaved rows). A branch is
    judged in each period by its structure then: the groups that stood throughout the period, its committee and
    members as of the period's end."""
    organization = facts.organization
    structure = facts.structure
    results: list[ComplianceResult] = []
    for period_kind in PeriodKind.values:
        for period in periods_of_year(period_kind, year):
            if period.start > today:
                break
            if structure is not None:
                scopes = structure.scopes_in(period.start, period.end, today=today)
                group_ids = [group.id for group in structure.groups_in(period.start, period.end)]
            else:
                scopes = {Scope.COMMITTEE} if organization.kind in COMMITTEE_KINDS else set()
                group_ids = []
            for rule in book.for_period(organization, period.start, period_kind):
                if rule.scope not in scopes:
                    continue
                if rule.scope == Scope.GROUP:
                    subjects: list[tuple[int | None, str]] = [(group_id, f"g{group_id}") for group_id in group_ids]
                else:
                    subjects = [(None, "")]
                for group_id, subject in subjects:
                    own = [m for m in facts.meetings if group_id is None or m.group_id == group_id]
                    result = evaluate(
                        rule, period=period, meetings=own, today=today, applies_from=obligations_start(organization)
                    )
                    if result.outcome == Outcome.NOT_APPLICABLE:
                        continue
                    start, end = rule_window(rule, period)
                    results.append(
                        ComplianceResult(
                            organization_id=organization.pk,
                            group_id=group_id,
                            subject=subject,
                            rule=rule,
                            rule_code=rule.code,
                            period_key=period.key,
                            period_start=start,
                            period_end=end,
                            required=rule.min_count,
                            count=result.count,
                            is_met=result.outcome == Outcome.MET,
                            meeting_ids=result.meeting_ids,
                        )
                    )
    return results


def _facts(organizations: list[Organization], *, year: int) -> list[OrganizationFacts]:
    """Meetings and the branches' structure over the year (groups, members' stays); a committee's meetings include
    the 党课 its 书记 gave below it, for C8: four queries whatever their number."""
    ids = [o.pk for o in organizations]
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    meetings = meeting_facts(
        organization_ids=ids,
        start=start,
        end=end,
        statuses=counted_statuses(),
        team_absences=any(not o.is_branch for o in organizations),
    )
    lectures = secretary_lecture_facts(
        committees=[o for o in organizations if o.kind in COMMITTEE_KINDS],
        start=start,
        end=end,
        statuses=counted_statuses(),
    )
    for committee_id, facts in lectures.items():
        meetings.setdefault(committee_id, []).extend(facts)
    structures = branch_structures(organizations=organizations, start=start, end=end)
    return [OrganizationFacts(o, meetings.get(o.pk, []), structures.get(o.pk)) for o in organizations]


# Roll-ups ------------------------------------------------------------------------------------------------------

RollupKey = tuple[int, str, str]  # node id, rule code, period key


@dataclass
class RollupDelta:
    period_kind: str
    period_end: datetime.date
    applicable: int = 0
    met: int = 0


def _period_kind(period_key: str) -> str:
    if "-Q" in period_key:
        return PeriodKind.QUARTER
    return PeriodKind.MONTH if "-" in period_key else PeriodKind.YEAR


def _keys_containing(period_key: str) -> tuple[str, ...]:
    """The period key itself and the keys of the quarter and year it lies in ("2026-07" → 2026-07, 2026-Q3, 2026)."""
    kind = _period_kind(period_key)
    year = period_key[:4]
    if kind == PeriodKind.MONTH:
        return (period_key, f"{year}-Q{(int(period_key[5:7]) - 1) // 3 + 1}", year)
    if kind == PeriodKind.QUARTER:
        return (period_key, year)
    return (period_key,)


def _node_ids(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part]


def _contributions(
    results: Iterable[ComplianceResult], paths: dict[int, str], sign: int
) -> dict[RollupKey, RollupDelta]:
    """What results add to the roll-ups of every node from their organisation up (negative: take away)."""
    deltas: dict[RollupKey, RollupDelta] = {}
    per_org_period: dict[tuple[int, str], list[bool]] = defaultdict(list)
    ends: dict[tuple[int, str], datetime.date] = {}
    for result in results:
        for node_id in _node_ids(paths[result.organization_id]):
            delta = deltas.setdefault(
                (node_id, result.rule_code, result.period_key),
                RollupDelta(_period_kind(result.period_key), result.period_end),
            )
            delta.applicable += sign
            delta.met += sign if result.is_met else 0
            delta.period_end = max(delta.period_end, result.period_end)
        # An organisation counts as "all met" in a period only if every rule-period within it is met: a quarter
        # holds its months, a year every period of the year.
        for period_key in _keys_containing(result.period_key):
            key = (result.organization_id, period_key)
            per_org_period[key].append(result.is_met)
            ends[key] = max(ends.get(key, result.period_end), result.period_end)
    for (organization_id, period_key), mets in per_org_period.items():
        for node_id in _node_ids(paths[organization_id]):
            delta = deltas.setdefault(
                (node_id, ALL_RULES, period_key),
                RollupDelta(_period_kind(period_key), ends[(organization_id, period_key)]),
            )
            delta.applicable += sign
            delta.met += sign if all(mets) else 0
            delta.period_end = max(delta.period_end, ends[(organization_id, period_key)])
    return deltas


def _merge(into: dict[RollupKey, RollupDelta], other: dict[RollupKey, RollupDelta]) -> None:
    for key, delta in other.items():
        if key in into:
            into[key].applicable += delta.applicable
            into[key].met += delta.met
            into[key].period_end = max(into[key].period_end, delta.period_end)
        else:
            into[key] = delta


_UPSERT_HEAD = (
    "INSERT INTO reviews_compliancerollup (node_id, rule_code, period_key, period_kind, period_end, applicable, met) "
    "VALUES "
)
_UPSERT_TAIL = (
    " ON CONFLICT (node_id, rule_code, period_key) DO UPDATE SET"
    " applicable = reviews_compliancerollup.applicable + excluded.applicable,"
    " met = reviews_compliancerollup.met + excluded.met,"
    " period_end = CASE WHEN excluded.period_end > reviews_compliancerollup.period_end"
    " THEN excluded.period_end ELSE reviews_compliancerollup.period_end END"
)


def rollups_touch() -> None:
    """Give the roll-ups a new version: what was cached from them (the dashboard's sums) is not read again."""
    cache.set(ROLLUPS_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _apply_deltas(deltas: dict[RollupKey, RollupDelta]) -> None:
    """Add the deltas to the roll-up rows (created when missing) with one INSERT … ON CONFLICT per batch;
    the additions are atomic in the database, so workers updating the same ancestors never lose a count.

    The roll-ups get a new version (`rollups_touch`) now and again once the transaction commits: a dashboard that
    read the old rows in between cached them under the version that the commit replaces."""
    rollups_touch()
    transaction.on_commit(rollups_touch)
    rows = [(key, d) for key, d in deltas.items() if d.applicable or d.met]
    # Rows are sorted so that concurrent workers lock them in the same order (no deadlocks).
    rows.sort(key=lambda row: row[0])
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 500):
            batch = rows[i : i + 500]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            params: list = []
            for (node_id, rule_code, period_key), d in batch:
                params += [node_id, rule_code, period_key, d.period_kind, d.period_end, d.applicable, d.met]
            cursor.execute(_UPSERT_HEAD + placeholders + _UPSERT_TAIL, params)
    if any(d.applicable < 0 for d in deltas.values()):
        # Nothing left to count (a branch's only result went away): drop the row, as a rebuild would not have it.
        ComplianceRollup.objects.filter(node_id__in={key[0] for key in deltas}, applicable=0).delete()


def _study_progress(organization_ids: list[int], *, year: int, today: datetime.date) -> list[StudyProgress]:
    """Each branch's study tasks of the year due so far and done (one aggregate query on the task index)."""
    from study.models import StudyTask, TaskStatus

    due_until = min(today, datetime.date(year, 12, 31))
    rows = (
        StudyTask.objects.filter(
            organization_id__in=organization_ids,
            due_date__gte=datetime.date(year, 1, 1),
            due_date__lte=due_until,
            status__in=[TaskStatus.DONE, TaskStatus.OPEN],
        )
        .values("organization_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
        .values_list("organization_id", "due", "done")
        .order_by()
    )
    return [StudyProgress(organization_id=o, year=year, due=due, done=done) for o, due, done in rows if due]


def _study_contributions(
    progress: Iterable[StudyProgress], paths: dict[int, str], sign: int
) -> dict[RollupKey, RollupDelta]:
    deltas: dict[RollupKey, RollupDelta] = {}
    for row in progress:
        for node_id in _node_ids(paths[row.organization_id]):
            delta = deltas.setdefault(
                (node_id, STUDY, str(row.year)), RollupDelta(PeriodKind.YEAR, datetime.date(row.year, 12, 31))
            )
            delta.applicable += sign * row.due
            delta.met += sign * row.done
    return deltas


# Entry points --------------------------------------------------------------------------------------------------


def _with_committees_above(organization_ids: Iterable[int]) -> list[int]:
    """The organisations and every committee above them (one query): a 党课 given in an organisation by the 书记
    of a committee above counts for that committee's C8, so a change there may change the committee's result."""
    ids = set(organization_ids)
    for path in Organization.objects.filter(pk__in=ids).values_list("path", flat=True):
        ids.update(int(part) for part in path.split("/")[:-2])
    return sorted(ids)


def organizations_recompute(
    *, organization_ids: Iterable[int], year: int, today: datetime.date | None = None, book: RuleBook | None = None
) -> int:
    """Re-judge the organisations (and the committees above them: C8 counts their 书记's 党课 given below) for the
    year and move every roll-up above them by the difference.

    One transaction; returns the number of results written. A rule edited meanwhile makes it start again with
    the new rules, so no result is written from rules that are no longer in force.
    """
    today = today or timezone.localdate()
    ids = _with_committees_above(organization_ids)
    for _attempt in range(3):
        fingerprint = rules_fingerprint()
        current_book = book or rule_book_load()
        with transaction.atomic():
            organizations = list(Organization.objects.filter(pk__in=ids).order_by("pk"))
            new = [
                result
                for facts in _facts(organizations, year=year)
                for result in judge_organization(facts, book=current_book, year=year, today=today)
            ]
            old_qs = ComplianceResult.objects.filter(organization_id__in=ids, period_start__year=year)
            old = list(
                old_qs.select_for_update().only("organization_id", "rule_code", "period_key", "period_end", "is_met")
            )
            paths = {o.pk: o.path for o in organizations}
            deltas = _contributions(old, paths, -1)
            _merge(deltas, _contributions(new, paths, +1))
            old_progress_qs = StudyProgress.objects.filter(organization_id__in=ids, year=year)
            old_progress = list(old_progress_qs.select_for_update())
            new_progress = _study_progress(ids, year=year, today=today)
            _merge(deltas, _study_contributions(old_progress, paths, -1))
            _merge(deltas, _study_contributions(new_progress, paths, +1))
            old_qs.delete()
            old_progress_qs.delete()
            ComplianceResult.objects.bulk_create(new, batch_size=1000)
            StudyProgress.objects.bulk_create(new_progress, batch_size=1000)
            _apply_deltas(deltas)
            if book is not None or rules_fingerprint() == fingerprint:
                return len(new)
            transaction.set_rollback(True)
    raise RuntimeError("rules kept changing during the recompute")


def compliance_recompute(
    *, year: int, organization: Organization | None = None, today: datetime.date | None = None
) -> int:
    """Rebuild the year's results from the meetings, for everything or for one subtree.

    For everything, the roll-ups are rebuilt from the results; for a subtree they are moved by the difference
    (the nodes above it also count other subtrees). Returns the number of results.
    """
    today = today or timezone.localdate()
    organizations = Organization.objects.order_by("pk")
    if organization is not None:
        organizations = organizations.filter(path__startswith=organization.path)
    ids = list(organizations.values_list("pk", flat=True))
    if organization is not None:
        return sum(
            organizations_recompute(organization_ids=ids[i : i + CHUNK_SIZE], year=year, today=today)
            for i in range(0, len(ids), CHUNK_SIZE)
        )
    book = rule_book_load()
    fingerprint = rules_fingerprint()
    total = 0
    with transaction.atomic():
        ComplianceResult.objects.filter(period_start__year=year).delete()
        StudyProgress.objects.filter(year=year).delete()
        ComplianceRollup.objects.filter(Q(period_key=str(year)) | Q(period_key__startswith=f"{year}-")).delete()
        deltas: dict[RollupKey, RollupDelta] = {}
        for i in range(0, len(ids), CHUNK_SIZE):
            chunk = list(Organization.objects.filter(pk__in=ids[i : i + CHUNK_SIZE]).order_by("pk"))
            new = [
                result
                for facts in _facts(chunk, year=year)
                for result in judge_organization(facts, book=book, year=year, today=today)
            ]
            ComplianceResult.objects.bulk_create(new, batch_size=2000)
            paths = {o.pk: o.path for o in chunk}
            _merge(deltas, _contributions(new, paths, +1))
            progress = _study_progress([o.pk for o in chunk], year=year, today=today)
            StudyProgress.objects.bulk_create(progress, batch_size=2000)
            _merge(deltas, _study_contributions(progress, paths, +1))
            total += len(new)
        _apply_deltas(deltas)
        if rules_fingerprint() != fingerprint:
            # A rule was edited while we ran: throw this run away and start again with the new rules.
            transaction.set_rollback(True)
    if rules_fingerprint() != fingerprint:
        return compliance_recompute(year=year, organization=organization, today=today)
    return total
