"""Writes for oversight: the compliance results and their roll-ups, kept up to date incrementally.

`organizations_recompute` re-judges a few organisations for a year and moves the roll-ups of every node above
them by the difference, in one transaction: what a meeting being held, filed, amended, moved or deleted
triggers (after commit, through Celery). `compliance_recompute` rebuilds a whole year (or a subtree) from the
meetings: the nightly job and `manage.py recompute_compliance`; it writes in bulk (COPY on PostgreSQL) and adds
the roll-ups up once per node. Both judge with the same `_judge_rows`, and tests check that they give exactly
the same rows.
"""

from __future__ import annotations

import datetime
import functools
import json
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
    return [
        ComplianceResult(**dict(zip(RESULT_COLUMNS, row, strict=True)))
        for row in _judge_rows(facts, book=book, year=year, today=today)
    ]


def _judge_rows(facts: OrganizationFacts, *, book: RuleBook, year: int, today: datetime.date) -> Iterable[tuple]:
    """`judge_organization`'s results as plain rows (the columns of RESULT_COLUMNS): what the yearly rebuild
    writes with COPY, without building a model instance per result."""
    organization = facts.organization
    structure = facts.structure
    applies_from = obligations_start(organization)
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
            # The meetings inside each rule's window, per group: `evaluate` keeps only those anyway, so they are
            # picked once per window here rather than out of the whole year's for every rule.
            in_window: dict[tuple[datetime.date, datetime.date, int | None], list[MeetingFact]] = {}
            for rule in book.for_period(organization, period.start, period_kind):
                if rule.scope not in scopes:
                    continue
                if rule.scope == Scope.GROUP:
                    subjects: list[tuple[int | None, str]] = [(group_id, f"g{group_id}") for group_id in group_ids]
                else:
                    subjects = [(None, "")]
                start, end = rule_window(rule, period)
                for group_id, subject in subjects:
                    own = in_window.get((start, end, group_id))
                    if own is None:
                        own = in_window[(start, end, group_id)] = [
                            m
                            for m in facts.meetings
                            if start <= m.held_on <= end and (group_id is None or m.group_id == group_id)
                        ]
                    result = evaluate(rule, period=period, meetings=own, today=today, applies_from=applies_from)
                    if result.outcome == Outcome.NOT_APPLICABLE:
                        continue
                    yield (
                        organization.pk,
                        group_id,
                        subject,
                        rule.pk,
                        rule.code,
                        period.key,
                        start,
                        end,
                        rule.min_count,
                        result.count,
                        result.outcome == Outcome.MET,
                        result.meeting_ids,
                    )


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


@functools.cache
def _period_kind(period_key: str) -> str:
    if "-Q" in period_key:
        return PeriodKind.QUARTER
    return PeriodKind.MONTH if "-" in period_key else PeriodKind.YEAR


@functools.cache
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


# The year rebuilt at once -------------------------------------------------------------------------------------

# The columns of a result row as `_judge_rows` gives them (and as COPY writes them).
RESULT_COLUMNS = (
    "organization_id",
    "group_id",
    "subject",
    "rule_id",
    "rule_code",
    "period_key",
    "period_start",
    "period_end",
    "required",
    "count",
    "is_met",
    "meeting_ids",
)
ROLLUP_COLUMNS = ("node_id", "rule_code", "period_key", "period_kind", "period_end", "applicable", "met")
REBUILD_CHUNK_SIZE = 500

# Per organisation (then per subtree): (rule code, period key) → [applicable, met, period end].
Tallies = dict[tuple[str, str], list]


def _tallies(rows: list[tuple], study: tuple[int, int] | None, *, year: int) -> Tallies:
    """What one organisation's results (rows of `_judge_rows`) and study progress add to every roll-up above it:
    per rule and period, and per period whether every rule-period within it was met (ALL_RULES)."""
    tallies: Tallies = {}
    all_met: dict[str, list] = {}
    for row in rows:
        rule_code, period_key, period_end, is_met = row[4], row[5], row[7], row[10]
        tally = tallies.get((rule_code, period_key))
        if tally is None:
            tallies[(rule_code, period_key)] = [1, 1 if is_met else 0, period_end]
        else:
            tally[0] += 1
            tally[1] += 1 if is_met else 0
            if period_end > tally[2]:
                tally[2] = period_end
        for key in _keys_containing(period_key):
            state = all_met.get(key)
            if state is None:
                all_met[key] = [is_met, period_end]
            else:
                state[0] = state[0] and is_met
                if period_end > state[1]:
                    state[1] = period_end
    for key, (met, end) in all_met.items():
        tallies[(ALL_RULES, key)] = [1, 1 if met else 0, end]
    if study is not None:
        tallies[(STUDY, str(year))] = [study[0], study[1], datetime.date(year, 12, 31)]
    return tallies


def _add_tallies(into: Tallies, other: Tallies) -> None:
    for key, (applicable, met, end) in other.items():
        tally = into.get(key)
        if tally is None:
            into[key] = [applicable, met, end]
        else:
            tally[0] += applicable
            tally[1] += met
            if end > tally[2]:
                tally[2] = end


# On PostgreSQL the rebuilt rows go by COPY into staging tables (no index, no foreign key), then only the
# differences reach the real tables: a year recomputed with little changed rewrites little, and inserts (with
# their foreign-key checks at commit) are only the new rows. Elsewhere (the tests' SQLite): delete, then insert.
RESULT_KEY = ("organization_id", "subject", "rule_code", "period_key")
ROLLUP_KEY = ("node_id", "rule_code", "period_key")
RESULT_STAGING = "compliance_rebuild_results"
ROLLUP_STAGING = "compliance_rebuild_rollups"


def _staged() -> bool:
    return connection.vendor == "postgresql"


def _staging_create() -> None:
    with connection.cursor() as cursor:
        for staging, model, columns in (
            (RESULT_STAGING, ComplianceResult, RESULT_COLUMNS),
            (ROLLUP_STAGING, ComplianceRollup, ROLLUP_COLUMNS),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            select = f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WITH NO DATA"  # noqa: S608 - model names
            cursor.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS {select}")


def _staging_apply(*, year: int, root: Organization | None) -> None:
    """Make the year's results and roll-ups (of the subtree) what the staging tables hold: delete the rows that
    are no longer there, update the ones that changed, insert the new ones. Table and column names below come
    from the models; the values are parameters."""
    subtree = ""
    subtree_params: list = []
    if root is not None:
        subtree = " AND x.{column} IN (SELECT id FROM branches_organization WHERE path LIKE %s)"
        subtree_params = [root.path + "%"]
    results_scope = "x.period_start BETWEEN %s AND %s" + subtree.format(column="organization_id")
    results_params = [datetime.date(year, 1, 1), datetime.date(year, 12, 31), *subtree_params]
    rollups_scope = "(x.period_key = %s OR x.period_key LIKE %s)" + subtree.format(column="node_id")
    rollups_params = [str(year), f"{year}-%", *subtree_params]
    tables = (
        (ComplianceResult, RESULT_STAGING, RESULT_COLUMNS, RESULT_KEY, results_scope, results_params),
        (ComplianceRollup, ROLLUP_STAGING, ROLLUP_COLUMNS, ROLLUP_KEY, rollups_scope, rollups_params),
    )
    with connection.cursor() as cursor:
        for model, staging, columns, key, scope, params in tables:
            table = model._meta.db_table
            same_key = " AND ".join(f"t.{column} = x.{column}" for column in key)
            values = [column for column in columns if column not in key]
            assignments = ", ".join(f"{column} = t.{column}" for column in values)
            old = ", ".join(f"x.{column}" for column in values)
            new = ", ".join(f"t.{column}" for column in values)
            listed = ", ".join(columns)
            cursor.execute(f"ANALYZE {staging}")
            gone = f"NOT EXISTS (SELECT 1 FROM {staging} t WHERE {same_key})"  # noqa: S608 - model names
            cursor.execute(f"DELETE FROM {table} x WHERE {scope} AND {gone}", params)  # noqa: S608 - model names
            changed = f"({old}) IS DISTINCT FROM ({new})"
            update = f"UPDATE {table} x SET {assignments} FROM {staging} t"  # noqa: S608 - model names
            cursor.execute(f"{update} WHERE {same_key} AND {changed}")
            added = f"NOT EXISTS (SELECT 1 FROM {table} x WHERE {same_key})"  # noqa: S608 - model names
            cursor.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {staging} t WHERE {added}")  # noqa: S608
            cursor.execute(f"DROP TABLE {staging}")


def _results_write(rows: list[tuple]) -> None:
    """Write result rows (of `_judge_rows`): COPY into the staging table on PostgreSQL, bulk_create elsewhere."""
    if not _staged():
        results = [ComplianceResult(**dict(zip(RESULT_COLUMNS, row, strict=True))) for row in rows]
        ComplianceResult.objects.bulk_create(results, batch_size=1000)
        return
    _copy(RESULT_STAGING, RESULT_COLUMNS, ((*row[:-1], json.dumps(row[-1])) for row in rows))


def _rollups_write(rows: list[tuple]) -> None:
    """Write roll-up rows (the columns of ROLLUP_COLUMNS), as `_results_write`."""
    if not _staged():
        rollups = [ComplianceRollup(**dict(zip(ROLLUP_COLUMNS, row, strict=True))) for row in rows]
        ComplianceRollup.objects.bulk_create(rollups, batch_size=1000)
        return
    _copy(ROLLUP_STAGING, ROLLUP_COLUMNS, rows)


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    # The psycopg cursor under Django's wrapper: Django has no COPY.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _rollup_rows(node_id: int, tallies: Tallies) -> Iterable[tuple]:
    for (rule_code, period_key), (applicable, met, end) in tallies.items():
        if applicable or met:
            yield (node_id, rule_code, period_key, _period_kind(period_key), end, applicable, met)


def _year_rebuild(*, year: int, root: Organization | None, today: datetime.date, book: RuleBook) -> int:
    """Rewrite the year's results, study progress and roll-ups of the whole tree or of `root`'s subtree (then
    the nodes above it move by the subtree's difference). Results are judged per chunk of organisations into
    plain rows; the roll-ups are added up per organisation, then carried up the tree once per node (deepest
    first), not once per result and ancestor. On PostgreSQL both go by COPY into the staging tables and only the
    differences are written (`_staging_apply`); elsewhere the old rows are deleted and the new ones inserted."""
    # The dashboard caches sums of the roll-ups under their version: a rebuild gives them a new one (again on commit).
    rollups_touch()
    transaction.on_commit(rollups_touch)
    organizations = Organization.objects.order_by("pk")
    results = ComplianceResult.objects.filter(period_start__year=year)
    progress = StudyProgress.objects.filter(year=year)
    rollups = ComplianceRollup.objects.filter(Q(period_key=str(year)) | Q(period_key__startswith=f"{year}-"))
    old_root: Tallies = {}
    if root is not None:
        organizations = organizations.filter(path__startswith=root.path)
        results = results.filter(organization__path__startswith=root.path)
        progress = progress.filter(organization__path__startswith=root.path)
        for rule_code, period_key, end, applicable, met in rollups.filter(node=root).values_list(
            "rule_code", "period_key", "period_end", "applicable", "met"
        ):
            old_root[(rule_code, period_key)] = [applicable, met, end]
        rollups = rollups.filter(node__path__startswith=root.path)
    orgs = list(organizations)
    progress.delete()
    if _staged():
        _staging_create()
    else:
        results.delete()
        rollups.delete()

    tallies: dict[int, Tallies] = {}
    total = 0
    for i in range(0, len(orgs), REBUILD_CHUNK_SIZE):
        chunk = orgs[i : i + REBUILD_CHUNK_SIZE]
        chunk_progress = _study_progress([o.pk for o in chunk], year=year, today=today)
        StudyProgress.objects.bulk_create(chunk_progress, batch_size=2000)
        studies = {p.organization_id: (p.due, p.done) for p in chunk_progress}
        rows: list[tuple] = []
        for facts in _facts(chunk, year=year):
            own = list(_judge_rows(facts, book=book, year=year, today=today))
            organization_id = facts.organization.pk
            tallies[organization_id] = _tallies(own, studies.get(organization_id), year=year)
            rows.extend(own)
        _results_write(rows)
        total += len(rows)

    # Carry each node's tallies into its parent, deepest first: then every node holds its whole subtree's.
    by_id = {o.pk: o for o in orgs}
    new_root: Tallies = {}
    written: list[tuple] = []
    for organization in sorted(orgs, key=lambda o: -len(o.path)):
        own_tallies = tallies.pop(organization.pk)
        parent_id = organization.parent_id
        if parent_id in by_id:
            _add_tallies(tallies.setdefault(parent_id, {}), own_tallies)
        written.extend(_rollup_rows(organization.pk, own_tallies))
        if organization.pk == getattr(root, "pk", None):
            new_root = own_tallies
        else:
            own_tallies.clear()
        if len(written) >= 20000:
            _rollups_write(written)
            written = []
    _rollups_write(written)
    if _staged():
        _staging_apply(year=year, root=root)

    if root is not None and root.parent_id is not None:
        # The nodes above the subtree: moved by the difference of the subtree's totals (its root's roll-ups).
        deltas: dict[RollupKey, RollupDelta] = {}
        ancestors = [node_id for node_id in _node_ids(root.path) if node_id != root.pk]
        for sign, source in ((-1, old_root), (1, new_root)):
            for (rule_code, period_key), (applicable, met, end) in source.items():
                for node_id in ancestors:
                    delta = deltas.setdefault(
                        (node_id, rule_code, period_key), RollupDelta(_period_kind(period_key), end)
                    )
                    delta.applicable += sign * applicable
                    delta.met += sign * met
                    delta.period_end = max(delta.period_end, end)
        _apply_deltas(deltas)
    return total


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

    One transaction (`_year_rebuild`): the results and roll-ups are rewritten in bulk; for a subtree the nodes
    above it move by the difference (they also count other subtrees), and the committees above it are judged
    again (C8 counts their 书记's 党课 given inside the subtree). A rule edited meanwhile makes it start again
    with the new rules. Returns the number of results written.
    """
    today = today or timezone.localdate()
    for _attempt in range(3):
        book = rule_book_load()
        fingerprint = rules_fingerprint()
        with transaction.atomic():
            total = _year_rebuild(year=year, root=organization, today=today, book=book)
            if rules_fingerprint() == fingerprint:
                break
            transaction.set_rollback(True)
    else:
        raise RuntimeError("rules kept changing during the recompute")
    if organization is not None and organization.parent_id is not None:
        above = [node_id for node_id in _node_ids(organization.path) if node_id != organization.pk]
        total += organizations_recompute(organization_ids=above, year=year, today=today)
    return total
