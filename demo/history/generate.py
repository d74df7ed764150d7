"""A realistic year of organisational life (组织生活) for every branch of a subtree: the data behind the oversight
dashboards at district and city scale (`seed_demo --history`, bench/bench_compliance.py).

For each branch under `root` with active members, from 1 January (or the day the branch was founded) to the day
before `today`:

* every month a 主题党日 on the branch's fixed day (August's also counts as 警示教育); a 党小组会 per 党小组, or a
  集中学习 of the whole branch where it has no groups; a 支部委员会 where the branch has at least 7 active members
  (attended by the holders of a committee role in the branch, as `services.expected_attendees_q` expects);
* every quarter a 支部党员大会 that counts as 专题研讨 too, and a 党课 (given by the secretary in about half of
  them; in some branches the 党课 is part of that quarter's middle 主题党日, which then counts for both);
* the 七一 仪式教育 between 15 June and 15 July, and the 组织生活会 in December once it has been held;
* a share of the branches (`noncompliant_share`) deliberately skips things: one to three 主题党日, a quarter's
  党员大会, some 支委会 or a group's months, now and then the 七一 or a quarter's 党课 — so that the dashboards
  have missed results to show;
* attendance of every expected member who had joined the branch by the day: about 88 % 出席 (signed in by QR
  code in some branches), 8 % 请假 with a reason — a 补学 task for a meeting with study content, as
  `services.attendance_record` gives one — and 4 % 缺席; a few members drifted away and have missed everything
  for three to eight months (rule M1: warned, or flagged at six);
* meetings held more than 7 days ago are filed (归档, version 1 with `records_services.meeting_snapshot` /
  `records_services.content_hash` of exactly the rows written, then signed and chained by
  `records_services.records_sign_unsigned`: `manage.py verify_records` passes); the last week's,
  and a few older ones, are held and wait to be filed.

The rows are those the services write (`meeting_create`, `attendance_record`, `meeting_file`: `held_on`, counted
kinds, `version` counting the writes, the 补学 task's topic, hours and due date), with the story's moments in
the timestamps. They are written in bulk — COPY on PostgreSQL, `bulk_create` elsewhere — one transaction per
chunk of branches; then the year's compliance results are recomputed (reviews.compliance.services), the M1 flags of the
branches refreshed (reviews.members.rules) and, on PostgreSQL, the tables analysed (autovacuum may be off).

Idempotent: a branch that already has a meeting held in the year is left alone (so a second call adds nothing).
Deterministic: each branch and its members draw from a generator seeded with `seed` and the branch code; members
are taken in the order of their ID-number digest."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings import services as services
from activities.models import (
    STUDY_KINDS,
    Attendance,
    CountedKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
)
from activities.records import services as records_services
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    Member,
    Membership,
    MemberStatus,
    Organization,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
)
from demo.bulk import allocate_ids, copy_rows, is_postgresql, story_timestamps
from demo.history.tables import (
    BATCH_SIZE,
    BRANCH_CHUNK,
    LEAVE,
    MAKEUP_DONE_SHARE,
    MAKEUP_REFLECTIONS,
    PRESENT,
    _at,
    _Branch,
    _Entry,
    _Kind,
    _Member,
    _rng,
)
from demo.history.year import _Year
from reviews.compliance.services import compliance_recompute
from reviews.members.rules import member_flags_refresh
from reviews.models import ComplianceResult, ComplianceRollup, MemberFlag
from study.models import StudyTask, TaskKind, TaskStatus


@dataclass
class HistoryStats:
    """What `history_generate` wrote (and how long each step took)."""

    year: int
    branches: int = 0  # branches given a history by this call
    branches_skipped: int = 0  # branches that already had meetings in the year
    noncompliant_branches: int = 0
    meetings: int = 0
    filed: int = 0
    held: int = 0
    counted_kinds: int = 0
    attendance: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    makeup_tasks: int = 0
    versions: int = 0
    drifting_members: int = 0
    results: int = 0  # compliance results after the recompute
    flags: int = 0  # M1 flags after the refresh
    write_seconds: float = 0.0
    recompute_seconds: float = 0.0
    flags_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.meetings + self.counted_kinds + self.attendance + self.makeup_tasks + self.versions


def _branches_under(root: Organization) -> list[int]:
    """The branches of the subtree with active members."""
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return list(
        Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH, pk__in=with_members)
        .order_by("code")
        .values_list("pk", flat=True)
    )


def _with_meetings(branch_ids: list[int], year: int) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(branch_ids), 5000):
        found.update(
            Meeting.objects.filter(organization_id__in=branch_ids[start : start + 5000], held_on__year=year)
            .values_list("organization_id", flat=True)
            .distinct()
        )
    return found


def _load(branch_ids: list[int]) -> list[_Branch]:
    """The branches with their active members (the day each joined), groups and committee roles. Five queries."""
    branches = {
        pk: _Branch(pk=pk, code=code, parent_name=parent_name or "", established_on=established_on)
        for pk, code, parent_name, established_on in Organization.objects.filter(pk__in=branch_ids)
        .order_by("code")
        .values_list("pk", "code", "parent__name", "established_on")
    }
    started: dict[int, datetime.date] = {}
    for member_id, organization_id, started_on, ended_on in Membership.objects.filter(
        organization_id__in=branch_ids
    ).values_list("member_id", "organization_id", "started_on", "ended_on"):
        # Every stay, closed ones too: the branch's size on a past day (rule C4) counts those who left since.
        branches[organization_id].stays.append((started_on, ended_on))
        if ended_on is None:
            started[member_id] = started_on
    for pk, organization_id, group_id, user_id, joined_on in (
        Member.objects.filter(organization_id__in=branch_ids, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "id_number_digest", "pk")
        .values_list("pk", "organization_id", "group_id", "user_id", "joined_on")
    ):
        branches[organization_id].members.append(_Member(pk, group_id, user_id, started.get(pk, joined_on)))
    for pk, organization_id, leader_id in (
        PartyGroup.objects.filter(organization_id__in=branch_ids)
        .order_by("organization_id", "name", "pk")
        .values_list("pk", "organization_id", "leader_id")
    ):
        branches[organization_id].groups.append((pk, leader_id))
    rank = {kind: number for number, kind in enumerate(RoleKind.values)}
    for organization_id, kind, user_id in (
        Role.objects.filter(organization_id__in=branch_ids, kind__in=COMMITTEE_ROLE_KINDS)
        .order_by("organization_id", "user_id", "kind")
        .values_list("organization_id", "kind", "user_id")
    ):
        roles = branches[organization_id].roles
        if user_id not in roles or rank[kind] < rank[roles[user_id]]:
            roles[user_id] = kind
    return [branch for branch in branches.values() if branch.members]


def _insert(model, objects: list, *, with_pk: bool = False) -> None:
    """Write model instances: COPY on PostgreSQL (primary keys given when `with_pk`), bulk_create elsewhere."""
    if not objects:
        return
    if not is_postgresql():
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    getters = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
    copy_rows(
        model,
        [f.attname for f in fields],
        (tuple(Jsonb(getattr(o, name)) if is_json else getattr(o, name) for name, is_json in getters) for o in objects),
    )


def _insert_rows(model, rows: list[NamedTuple]) -> None:
    """Write rows given as named tuples of the model's column attributes."""
    if not rows:
        return
    if is_postgresql():
        copy_rows(model, rows[0]._fields, rows)
    else:
        model.objects.bulk_create([model(**row._asdict()) for row in rows], batch_size=BATCH_SIZE)


def _snapshot(meeting: Meeting, kinds: list[_Kind], attendance: list[_Entry]) -> dict:
    """`records_services.meeting_snapshot` of the rows about to be written, read from an in-memory prefetch cache."""
    meeting._prefetched_objects_cache = {
        "counted_kinds": kinds,
        "plan_items": [],
        "attendances": attendance,
        "attachments": [],
    }
    try:
        return records_services.meeting_snapshot(meeting)
    finally:
        meeting._prefetched_objects_cache = {}


class _Makeup:
    """The 补学 task `attendance_record` gives a member on leave from a meeting with study content."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.title = _("补学：%(topic)s（%(date)s %(kind)s）")
        self.labels = {kind: str(label) for kind, label in MeetingKind.choices}

    def task(self, meeting: Meeting, member_id: int, rng: random.Random) -> StudyTask:
        recorded = meeting.recorded_at
        due = timezone.localtime(recorded).date() + datetime.timedelta(days=services.MAKEUP_DUE_DAYS)
        topic = self.title % {
            "topic": meeting.topic,
            "date": meeting.held_on.strftime("%Y-%m-%d"),
            "kind": self.labels[meeting.kind],
        }
        task = StudyTask(
            member_id=member_id,
            kind=TaskKind.MAKEUP,
            meeting_id=meeting.pk,
            organization_id=meeting.organization_id,
            topic=topic[:200],
            hours=max(Decimal("0.5"), meeting.duration_hours),
            due_date=due,
            status=TaskStatus.OPEN,
            created_at=recorded,
            updated_at=recorded,
        )
        start = recorded + datetime.timedelta(days=1)
        end = min(_at(due, 22), _at(self.today, 0))
        if start < end and rng.random() < (MAKEUP_DONE_SHARE if due < self.today else 0.3):
            task.status = TaskStatus.DONE
            task.completed_at = (start + (end - start) * rng.random()).replace(second=0, microsecond=0)
            task.reflection = rng.choice(MAKEUP_REFLECTIONS)
            task.updated_at = task.completed_at
        return task


def _write(years: list[_Year], stats: HistoryStats, *, seed: int, today: datetime.date) -> None:
    planned = [p for year in years for p in year.planned]
    meetings = [p.meeting for p in planned]
    if not meetings:
        return
    copying = is_postgresql()
    if copying:
        for meeting, pk in zip(meetings, allocate_ids(Meeting, len(meetings)), strict=True):
            meeting.pk = pk
        _insert(Meeting, meetings, with_pk=True)
    else:
        Meeting.objects.bulk_create(meetings, batch_size=BATCH_SIZE)
    counted: list[_Kind] = []
    attendance: list[_Entry] = []
    tasks: list[StudyTask] = []
    versions: list[MeetingVersion] = []
    makeup = _Makeup(today)
    for year in years:
        rng = _rng(seed, "records", year.branch.code)
        for p in year.planned:
            meeting = p.meeting
            kinds = [_Kind(meeting.pk, kind) for kind in p.kinds]
            rows = [
                _Entry(meeting.pk, member_id, status, reason, signed) for member_id, status, reason, signed in p.entries
            ]
            counted.extend(kinds)
            attendance.extend(rows)
            if any(kind in STUDY_KINDS for kind in p.kinds):
                tasks.extend(makeup.task(meeting, row.member_id, rng) for row in rows if row.status == LEAVE)
            if meeting.status == MeetingStatus.FILED:
                content = _snapshot(meeting, kinds, rows)
                versions.append(
                    MeetingVersion(
                        meeting_id=meeting.pk,
                        number=1,
                        content=content,
                        content_hash=records_services.content_hash(content),
                        reason="",
                        created_by_id=meeting.filed_by_id,
                        created_at=meeting.filed_at,
                    )
                )
                stats.filed += 1
            else:
                stats.held += 1
    _insert_rows(CountedKind, counted)
    _insert_rows(Attendance, attendance)
    _insert(StudyTask, tasks)
    _insert(MeetingVersion, versions)
    # Signed and chained as filing would have done (HMAC under RECORDS_SIGNING_KEY), in the order they were made.
    records_services.records_sign_unsigned(organization_ids=[year.branch.pk for year in years])
    stats.meetings += len(meetings)
    stats.counted_kinds += len(counted)
    stats.attendance += len(attendance)
    for row in attendance:
        if row.status == PRESENT:
            stats.present += 1
        elif row.status == LEAVE:
            stats.leave += 1
        else:
            stats.absent += 1
    stats.makeup_tasks += len(tasks)
    stats.versions += len(versions)


def _analyze(*models_to_analyze) -> None:
    """Fresh planner statistics after a bulk load (autovacuum may be off, or not have run yet)."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        for model in models_to_analyze:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - model names


def history_generate(
    *,
    root: Organization,
    year: int,
    today: datetime.date,
    seed: int = 2026,
    noncompliant_share: float = 0.15,
    exclude_ids: Iterable[int] = (),
) -> HistoryStats:
    """Generate the year's organisational life (1 January to the day before `today`) for every branch under `root`
    that has active members and no meeting in the year yet (and is not in `exclude_ids`), then recompute the
    year's compliance (the whole tree when `root` is the top, else `root`'s subtree) and the branches' M1 flags.
    See the module docstring. Returns what was written; a second call for the same root and year writes nothing."""
    if year > today.year:
        raise ValueError(f"history_generate: year {year} has not started on {today}")
    if not 0 <= noncompliant_share <= 1:
        raise ValueError("history_generate: noncompliant_share must lie between 0 and 1")
    started = time.perf_counter()
    stats = HistoryStats(year=year)
    branch_ids = _branches_under(root)
    existing = _with_meetings(branch_ids, year) | set(exclude_ids)
    todo = [pk for pk in branch_ids if pk not in existing]
    stats.branches_skipped = len(branch_ids) - len(todo)
    for start in range(0, len(todo), BRANCH_CHUNK):
        branches = _load(todo[start : start + BRANCH_CHUNK])
        years = [
            _Year(branch, seed=seed, year=year, today=today, noncompliant_share=noncompliant_share)
            for branch in branches
        ]
        for branch_year in years:
            branch_year.build()
        with transaction.atomic(), story_timestamps(Meeting, MeetingVersion, StudyTask):
            _write(years, stats, seed=seed, today=today)
        stats.branches += len(years)
        stats.noncompliant_branches += sum(1 for y in years if y.noncompliant)
        stats.drifting_members += sum(1 for y in years for m in y.branch.members if m.drift_from is not None)
    stats.write_seconds = time.perf_counter() - started
    if stats.meetings:
        _analyze(Meeting, CountedKind, Attendance, MeetingVersion, StudyTask)
        step = time.perf_counter()
        stats.results = compliance_recompute(
            year=year, organization=root if root.parent_id is not None else None, today=today
        )
        stats.recompute_seconds = time.perf_counter() - step
        step = time.perf_counter()
        stats.flags = member_flags_refresh(organization_ids=branch_ids, today=today)
        stats.flags_seconds = time.perf_counter() - step
        _analyze(ComplianceResult, ComplianceRollup, MemberFlag)
    stats.seconds = time.perf_counter() - started
    return stats
