"""Organisational-life demo data (组织生活演示数据) for `manage.py seed_demo`: a year so far of meetings with
attendance, 补学 tasks, filed versions with their content hashes, talks, commitments and pioneer posts, on top
of the demo tree of `demo.tree` and the study plans of `study.demo`.

The story, with dates relative to `today` (year Y = today's year), for every branch under 北京市委:

* Each month a 主题党日 on the branch's fixed day (the August one also counts as 警示教育), a 支部委员会 where
  the branch has at least 7 members, and a 党小组会 per group — or, in a branch without groups, a 集中学习 of
  the whole branch. Each quarter a 支部党员大会 with its 专题研讨 (in a quarter of the branches the quarter's
  last 主题党日 holds it and counts for both), linked to the study plan's 专题研讨 item; a 党课 in February,
  May, November and the "七一" 党课 in early July (by the secretary, linked to the plan's 党课 item); the
  七一 仪式教育 around 1 July; most branches held their yearly 组织生活会 in January.
* Weak branches (软弱涣散) skip a fifth of their meetings and leave some unfiled; the others skip a few.
* Attendance: the members of the branch (of the group) who had joined it by the day, mostly 出席, some 请假
  with a reason — a 补学 task for a meeting with study content, mostly done once due — and a few 缺席.
* Meetings held a week ago or more are filed (归档, version 1 with its content hash); the last week's are
  held, waiting to be filed. Now and then a filed record was amended with a reason (version 2).
* In a tree of more than 500 branches (the benchmarks' 2,000) the branches outside 东城 get last month's and
  this month's meetings only, to keep the seeding time reasonable; everything else is written for all.
* Talks (谈心谈话) between the committee members and with most members; every member's commitment
  (承诺践诺) with the mid-year self-report once June has come; one to three pioneer posts per branch.
* The demo branch (logins `secretary` and `member`) has everything above, plus: two meetings held more than
  a week ago and still not filed (the secretary's inbox has the reminders to file them), an amended record
  (a member on leave had been recorded present), a 主题党日 planned for next week, QR sign-ins at the recent
  meetings, and a deliberate gap: no 支部委员会 this month and no 党课 this quarter yet, so that the month
  view's to-do has something to show. `member` was on leave once and has done the 补学.

How it is written: in bulk (`bulk_create`), producing the rows the services produce — `meeting_create`
(held_on, counted kinds, linked plan items), `sign_in`, `attendance_record` (every expected attendee listed,
a 补学 task per 请假 at a meeting with study content, due 30 days after the recording), `meeting_file`
(version 1: `records_services.meeting_snapshot` and `records_services.content_hash` of exactly the rows written,
signed and chained by `records_services.records_sign_unsigned` once written) and
`meeting_amend` (version 2 with the reason) — with the story's moments in the timestamps, and `version`
counting the writes as the services do. `python manage.py verify_records` passes on the result. The reminders
to file go through `activities.meetings.reminders` (inbox only). The notices of planned meetings are not replayed.

Idempotent: a branch that has any meeting or talk in year Y is left alone, and every reminder has its unique
key. Deterministic: every branch and member draws from its own generator (seed, code or ID-number digest)."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings import reminders
from activities.meetings import services as services
from activities.models import (
    Attendance,
    Commitment,
    CountedKind,
    HeartTalk,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    PioneerPost,
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
from demo.activities.story import _Branch, _Member, _Plan, _Story
from demo.activities.tables import (
    BATCH_SIZE,
    BRANCH_CHUNK,
    BRANCH_COMMENTS,
    CITY_CODE,
    CRITICISM_SUMMARY,
    DEMO_BRANCH_CODE,
    DISTRICT_CODE,
    FULL_STORY_MAX_BRANCHES,
    MID_YEAR_REPORTS,
    PLEDGES,
    POSTS,
    TALK_SUMMARIES,
    YEAR_END_REPORTS,
    A,
    _at,
    _choice,
    _rng,
)
from demo.bulk import allocate_ids, copy_rows, is_postgresql, story_timestamps
from demo.study import tables as study_demo
from demo.tree import seed as tree_demo
from study.models import StudyForm, StudyPlanItem, StudyTask, TaskKind, TaskStatus


@dataclass
class ActivitiesDemoResult:
    year: int
    meetings_created: int = 0
    filed: int = 0
    held: int = 0
    planned: int = 0
    amended: int = 0
    attendance_created: int = 0
    makeup_tasks_created: int = 0
    talks_created: int = 0
    commitments_created: int = 0
    posts_created: int = 0
    reminders_sent: int = 0
    seconds: float = 0.0


def _branches_to_seed(*, city: Organization, year: int) -> list[tuple[int, str]]:
    """Branches under the 市委 with active members and no meeting or talk in the year yet, by code."""
    has_meetings = Meeting.objects.filter(held_on__year=year).values("organization_id")
    has_talks = HeartTalk.objects.filter(held_on__year=year).values("organization_id")
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return list(
        Organization.objects.filter(path__startswith=city.path, kind=OrganizationKind.BRANCH, pk__in=with_members)
        .exclude(pk__in=has_meetings)
        .exclude(pk__in=has_talks)
        .order_by("code")
        .values_list("pk", "code")
    )


def _load(branch_ids: list[int], year: int) -> list[_Branch]:
    """The branches with their active members (and the day each joined), groups, committee roles, study plan
    items for 专题研讨 and 党课, and who has a commitment or a pioneer post already. Eight queries."""
    branches = {
        pk: _Branch(
            pk=pk, code=code, name=name, path=path, category=category, is_weak=is_weak, parent_name=parent_name or ""
        )
        for pk, code, name, path, category, is_weak, parent_name in Organization.objects.filter(pk__in=branch_ids)
        .order_by("code")
        .values_list("pk", "code", "name", "path", "category", "is_weak", "parent__name")
    }
    started = dict(
        Membership.objects.filter(organization_id__in=branch_ids, ended_on__isnull=True).values_list(
            "member_id", "started_on"
        )
    )
    for row in (
        Member.objects.filter(organization_id__in=branch_ids, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "id_number_digest")
        .values_list(
            "pk",
            "organization_id",
            "name",
            "user_id",
            "user__username",
            "group_id",
            "is_leading_cadre",
            "is_floating",
            "is_retired",
            "position",
            "id_number_digest",
            "joined_on",
        )
    ):
        pk, organization_id, name, user_id, username, group_id, cadre, floating, retired, position, digest, joined = row
        branches[organization_id].members.append(
            _Member(
                pk=pk,
                name=name,
                user_id=user_id,
                username=username,
                group_id=group_id,
                started_on=started.get(pk, joined),
                is_leading_cadre=cadre,
                is_floating=floating,
                is_retired=retired,
                position=position,
                digest=digest,
            )
        )
    for pk, organization_id, name, leader_id in (
        PartyGroup.objects.filter(organization_id__in=branch_ids)
        .order_by("organization_id", "name")
        .values_list("pk", "organization_id", "name", "leader_id")
    ):
        branches[organization_id].groups.append((pk, name, leader_id))
    rank = {kind: number for number, kind in enumerate(RoleKind.values)}
    for organization_id, kind, user_id in (
        Role.objects.filter(organization_id__in=branch_ids, kind__in=COMMITTEE_ROLE_KINDS)
        .order_by("organization_id", "user_id")
        .values_list("organization_id", "kind", "user_id")
    ):
        roles = branches[organization_id].roles
        if user_id not in roles or rank[kind] < rank[roles[user_id]]:
            roles[user_id] = kind
    for pk, key, organization_id, month, form in (
        StudyPlanItem.objects.filter(
            plan__organization_id__in=branch_ids,
            plan__year=year,
            plan__is_template=False,
            plan__is_current=True,
            form__in=[StudyForm.DISCUSSION, StudyForm.LECTURE],
        )
        .order_by("pk")
        .values_list("pk", "key", "plan__organization_id", "month", "form")
    ):
        branches[organization_id].plan_items.setdefault((month, form), (pk, key))
    for member_id, organization_id in Commitment.objects.filter(
        member__organization_id__in=branch_ids, year=year
    ).values_list("member_id", "member__organization_id"):
        branches[organization_id].pledged.add(member_id)
    for member_id, organization_id in PioneerPost.objects.filter(member__organization_id__in=branch_ids).values_list(
        "member_id", "member__organization_id"
    ):
        branches[organization_id].posted.add(member_id)
    return [branch for branch in branches.values() if branch.members]


_EMPTY: dict[type, Any] = {}


def _cached(model, rows: list) -> Any:
    """A queryset that holds `rows` as its (prefetched) result: what a related manager returns from the prefetch
    cache. Made by copying an empty queryset's state, which costs far less than cloning its query."""
    empty = _EMPTY.get(model)
    if empty is None:
        empty = _EMPTY[model] = model.objects.none()
    queryset = object.__new__(type(empty))
    queryset.__dict__ = {**empty.__dict__, "_result_cache": rows, "_prefetch_done": True}
    return queryset


class _Kind(NamedTuple):
    """A counted-kind row as written (and as `meeting_snapshot` reads it)."""

    meeting_id: int
    kind: str


class _Entry(NamedTuple):
    """An attendance row as written (and as `meeting_snapshot` reads it)."""

    meeting_id: int
    member_id: int
    status: str
    leave_reason: str
    signed_in_at: datetime.datetime | None


def _snapshot(meeting: Meeting, kinds: list[_Kind], item, attendances: list[_Entry]) -> dict:
    """`records_services.meeting_snapshot` of the rows about to be written (served from a prefetch cache, no query)."""
    meeting._prefetched_objects_cache = {
        "counted_kinds": _cached(CountedKind, kinds),
        "plan_items": _cached(StudyPlanItem, [StudyPlanItem(pk=item[0], key=item[1])] if item else []),
        "attendances": _cached(Attendance, attendances),
        "attachments": _cached(MeetingAttachment, []),
    }
    return records_services.meeting_snapshot(meeting)


@dataclass
class _Rows:
    counted: list[_Kind] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    attendance: list[_Entry] = field(default_factory=list)
    versions: list[SimpleNamespace] = field(default_factory=list)
    tasks: list[SimpleNamespace] = field(default_factory=list)
    amended: list[Meeting] = field(default_factory=list)


class _Makeup:
    """Builds the 补学 tasks `attendance_record` (or `meeting_amend`) gives members on leave."""

    def __init__(self, story: _Story) -> None:
        self.story = story
        self.title = _("补学：%(topic)s（%(date)s %(kind)s）")
        self.labels = {kind: str(label) for kind, label in MeetingKind.choices}

    def task(self, plan: _Plan, member_id: int, recorded: datetime.datetime, rng: random.Random) -> SimpleNamespace:
        story, meeting = self.story, plan.meeting
        due = timezone.localtime(recorded).date() + datetime.timedelta(days=services.MAKEUP_DUE_DAYS)
        topic = self.title % {
            "topic": meeting.topic,
            "date": meeting.held_on.strftime("%Y-%m-%d"),
            "kind": self.labels[meeting.kind],
        }
        task = _row(
            StudyTask,
            member_id=member_id,
            kind=TaskKind.MAKEUP,
            meeting_id=meeting.pk,
            organization_id=meeting.organization_id,
            topic=topic[:200],
            hours=max(Decimal("0.5"), meeting.duration_hours),
            due_date=due,
            created_at=recorded,
            updated_at=recorded,
        )
        done = member_id in plan.forced_done or rng.random() < (0.85 if due < story.today else 0.35)
        start = recorded + datetime.timedelta(days=1)
        if done and start < story.story_end:
            end = min(_at(due, 22), story.story_end)
            task.completed_at = (start + (end - start) * rng.random()).replace(second=0, microsecond=0)
            task.status = TaskStatus.DONE
            task.reflection = (
                f"补学了“{meeting.topic}”的内容，{rng.choice(study_demo.INSIGHTS)}{rng.choice(study_demo.INTENTIONS)}"
            )
            task.updated_at = task.completed_at
        return task


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _row(model, **values: Any) -> SimpleNamespace:
    """A row of `model` to write: its fields' defaults and `values`, as plain attributes (a model instance costs
    several times more to build, and hundreds of thousands are written)."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    unknown = values.keys() - defaults.keys()
    if unknown:
        raise TypeError(f"unknown {model.__name__} fields: {sorted(unknown)}")
    return SimpleNamespace(**{**defaults, **values})


def _insert(model, objects: list, *, with_pk: bool = False) -> None:
    """Write model instances or `_row`s (primary keys already set when `with_pk`)."""
    if not objects:
        return
    if not is_postgresql():
        model.objects.bulk_create(
            [obj if isinstance(obj, models.Model) else model(**vars(obj)) for obj in objects], batch_size=BATCH_SIZE
        )
        return
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    getters = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
    copy_rows(
        model,
        tuple(f.attname for f in fields),
        (
            tuple(Jsonb(getattr(obj, name)) if is_json else getattr(obj, name) for name, is_json in getters)
            for obj in objects
        ),
    )


def _insert_rows(model, rows: list[NamedTuple]) -> None:
    """Write rows given as named tuples of the model's column attributes (no model instances on PostgreSQL)."""
    if not rows:
        return
    columns = rows[0]._fields
    if is_postgresql():
        copy_rows(model, columns, rows)
    else:
        model.objects.bulk_create([model(**row._asdict()) for row in rows], batch_size=BATCH_SIZE)


def _write_meetings(stories: list[_Story], result: ActivitiesDemoResult) -> None:
    plans = [plan for story in stories for plan in story.plans]
    meetings = [plan.meeting for plan in plans]
    copying = is_postgresql() and bool(meetings)
    if copying:
        for meeting, pk in zip(meetings, allocate_ids(Meeting, len(meetings)), strict=True):
            meeting.pk = pk
    else:
        Meeting.objects.bulk_create(meetings, batch_size=BATCH_SIZE)
    rows = _Rows()
    for story in stories:
        rng = _rng(story.seed, "records", story.branch.code)
        makeup = _Makeup(story)
        for plan in story.plans:
            _rows_for(plan, story, makeup, rng, rows, result)
    if copying:  # the final state, amendments included
        _insert(Meeting, meetings, with_pk=True)
    else:
        Meeting.objects.bulk_update(rows.amended, ["version", "updated_at", "minutes", "location"], batch_size=500)
    _insert_rows(CountedKind, rows.counted)
    _insert(Meeting.plan_items.through, rows.items)
    _insert_rows(Attendance, rows.attendance)
    _insert(StudyTask, rows.tasks)
    _insert(MeetingVersion, rows.versions)
    # Signed and chained as filing would have done (HMAC under RECORDS_SIGNING_KEY), in the order they were made.
    records_services.records_sign_unsigned(organization_ids=[story.branch.pk for story in stories])
    result.meetings_created += len(plans)
    result.attendance_created += len(rows.attendance)
    result.makeup_tasks_created += len(rows.tasks)


def _rows_for(
    plan: _Plan, story: _Story, makeup: _Makeup, rng: random.Random, rows: _Rows, result: ActivitiesDemoResult
) -> None:
    meeting = plan.meeting
    kinds = [_Kind(meeting.pk, kind) for kind in sorted({meeting.kind, *plan.counts_as})]
    rows.counted.extend(kinds)
    if plan.plan_item:
        rows.items.append(Meeting.plan_items.through(meeting_id=meeting.pk, studyplanitem_id=plan.plan_item[0]))
    if meeting.status == MeetingStatus.PLANNED:
        result.planned += 1
        return
    attendance = {
        member_id: _Entry(meeting.pk, member_id, status, reason, signed)
        for member_id, (status, reason, signed) in plan.entries.items()
    }
    if plan.has_study_content:
        rows.tasks.extend(
            makeup.task(plan, member_id, meeting.recorded_at, rng)
            for member_id, (status, _reason, _signed) in plan.entries.items()
            if status == A.LEAVE
        )
    if meeting.status == MeetingStatus.HELD:
        rows.attendance.extend(attendance.values())
        result.held += 1
        return
    result.filed += 1
    content = _snapshot(meeting, kinds, plan.plan_item, list(attendance.values()))
    rows.versions.append(
        _row(
            MeetingVersion,
            meeting_id=meeting.pk,
            number=1,
            content=content,
            content_hash=records_services.content_hash(content),
            created_by_id=meeting.filed_by_id,
            created_at=meeting.filed_at,
        )
    )
    if plan.amendment is not None:
        at, reason, changes, leave_id = plan.amendment
        for name, value in changes.items():
            setattr(meeting, name, value)
        if leave_id is not None:
            attendance[leave_id] = attendance[leave_id]._replace(status=A.LEAVE, leave_reason="外出培训")
            if plan.has_study_content:
                rows.tasks.append(makeup.task(plan, leave_id, at, rng))
        meeting.version += 1
        meeting.updated_at = at
        content = _snapshot(meeting, kinds, plan.plan_item, list(attendance.values()))
        rows.versions.append(
            _row(
                MeetingVersion,
                meeting_id=meeting.pk,
                number=2,
                content=content,
                content_hash=records_services.content_hash(content),
                reason=reason,
                created_by_id=story.user_id,
                created_at=at,
            )
        )
        rows.amended.append(meeting)
        result.amended += 1
    rows.attendance.extend(attendance.values())
    meeting._prefetched_objects_cache = {}


def _talks(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    """Each pair of committee members, and each other member with a committee member (the secretary for most):
    most pairs talked by now (fewer in weak branches); in the demo branch all but three."""
    rng = _rng(seed, "talks", branch.code)
    committee = branch.committee
    secretary = branch.secretary
    if not committee or secretary is None:
        return []
    pairs = [(a, b) for number, a in enumerate(committee) for b in committee[number + 1 :]]
    for member in branch.members:
        if member not in committee:
            partner = secretary if rng.random() < 0.6 else rng.choice(committee)
            pairs.append((partner, member))
    coverage = 0.45 if branch.is_weak else 0.8
    if branch.is_demo:
        skipped = set(rng.sample(range(len(pairs)), min(3, max(0, len(pairs) - 1))))
        pairs = [pair for number, pair in enumerate(pairs) if number not in skipped]
    else:
        pairs = [pair for pair in pairs if rng.random() < coverage]
    days = (today - datetime.date(today.year, 1, 1)).days
    talks = []
    for initiator, counterpart in pairs:
        if days < 1:
            break
        held_on = datetime.date(today.year, 1, 2) + datetime.timedelta(days=rng.randrange(days))
        held_on = max(held_on, initiator.started_on, counterpart.started_on)
        if held_on >= today:
            continue
        criticism = rng.random() < 0.03
        moment = _at(held_on, 17, rng.randint(0, 59))
        talks.append(
            _row(
                HeartTalk,
                organization_id=branch.pk,
                initiator_id=initiator.pk,
                counterpart_id=counterpart.pk,
                held_on=held_on,
                summary=CRITICISM_SUMMARY if criticism else rng.choice(TALK_SUMMARIES),
                is_criticism=criticism,
                recorded_by_id=branch.manager_user_id,
                created_at=moment,
                updated_at=moment,
            )
        )
    return talks


def _commitments(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    """Every member who was in the branch by February pledged then; the mid-year report from June on."""
    year = today.year
    pledges = _choice(PLEDGES, branch.category)
    story_end = _at(today, 8)
    commitments = []
    for member in branch.members:
        if member.started_on > datetime.date(year, 2, 28) or member.pk in branch.pledged:
            continue
        rng = _rng(seed, "commitment", member.digest)
        pledged = min(_at(datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(9, 55)), 20), story_end)
        commitment = _row(
            Commitment,
            member_id=member.pk,
            year=year,
            post=member.position,
            pledge=rng.choice(pledges),
            created_at=pledged,
            updated_at=pledged,
        )
        mid_year = datetime.date(year, 6, 1)
        if today > mid_year and rng.random() < 0.85:
            at = min(_at(mid_year + datetime.timedelta(days=rng.randint(0, 45)), 21), story_end)
            commitment.mid_year_report, commitment.mid_year_reported_at = rng.choice(MID_YEAR_REPORTS), at
            commitment.updated_at = at
            if branch.manager_user_id and rng.random() < 0.4:
                commented = min(at + datetime.timedelta(days=rng.randint(3, 20)), story_end)
                commitment.branch_comment = rng.choice(BRANCH_COMMENTS)
                commitment.commented_by_id = branch.manager_user_id
                commitment.commented_at = commented
                commitment.updated_at = commented
        year_end = datetime.date(year, 12, 1)
        if today > year_end and rng.random() < 0.4:
            day = year_end + datetime.timedelta(days=rng.randint(0, (today - year_end).days - 1))
            at = min(_at(day, 21), story_end)
            commitment.year_end_report, commitment.year_end_reported_at = rng.choice(YEAR_END_REPORTS), at
            commitment.updated_at = max(commitment.updated_at, at)
        commitments.append(commitment)
    return commitments


def _posts(branch: _Branch, *, seed: int, today: datetime.date) -> list[SimpleNamespace]:
    rng = _rng(seed, "posts", branch.code)
    kinds = _choice(POSTS, branch.category)
    if branch.posted:
        return []
    chosen = rng.sample(branch.members, min(len(branch.members), rng.randint(1, 3)))
    posts = []
    for number, member in enumerate(chosen):
        kind, title = kinds[number % len(kinds)]
        started = max(member.started_on, datetime.date(today.year - 1, rng.randint(1, 12), 1))
        moment = _at(started, 10)
        posts.append(
            _row(
                PioneerPost,
                member_id=member.pk,
                kind=kind,
                title=title,
                started_on=started,
                created_at=moment,
                updated_at=moment,
            )
        )
    return posts


def _analyze_tables() -> None:
    """Fresh planner statistics after the bulk load (as the tree and study demos do)."""
    models = (Meeting, CountedKind, Attendance, MeetingVersion, StudyTask, HeartTalk, Commitment, PioneerPost)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def activities_demo_seed(
    *,
    seed: int = tree_demo.DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> ActivitiesDemoResult:
    """Create what is missing of the organisational-life demo for the demo tree under 北京市委 (see the module
    docstring). Safe to run again: a branch that has meetings or talks this year is left alone, and the
    reminders already sent are not sent again."""
    started = time.perf_counter()
    result = ActivitiesDemoResult(year=today.year)
    city = Organization.objects.filter(code=CITY_CODE).first()
    if city is None:
        result.seconds = time.perf_counter() - started
        return result
    todo = _branches_to_seed(city=city, year=today.year)
    district = Organization.objects.filter(code=DISTRICT_CODE).values_list("path", flat=True).first() or "-"
    large = Organization.objects.filter(path__startswith=city.path, kind=OrganizationKind.BRANCH).count()
    recent = max(1, today.month - 1)
    for start in range(0, len(todo), BRANCH_CHUNK):
        branches = _load([pk for pk, _code in todo[start : start + BRANCH_CHUNK]], today.year)
        stories = [
            _Story(
                branch,
                seed=seed,
                today=today,
                first_month=1 if large <= FULL_STORY_MAX_BRANCHES or branch.path.startswith(district) else recent,
            )
            for branch in branches
        ]
        for story in stories:
            story.build()
        with (
            transaction.atomic(),
            story_timestamps(Meeting, MeetingVersion, StudyTask, HeartTalk, Commitment, PioneerPost),
        ):
            _write_meetings(stories, result)
            talks = [talk for branch in branches for talk in _talks(branch, seed=seed, today=today)]
            _insert(HeartTalk, talks)
            commitments = [c for branch in branches for c in _commitments(branch, seed=seed, today=today)]
            _insert(Commitment, commitments)
            posts = [post for branch in branches for post in _posts(branch, seed=seed, today=today)]
            _insert(PioneerPost, posts)
        result.talks_created += len(talks)
        result.commitments_created += len(commitments)
        result.posts_created += len(posts)
    if todo:
        _analyze_tables()
    demo_ids = list(Organization.objects.filter(code=DEMO_BRANCH_CODE).values_list("pk", flat=True))
    if demo_ids:  # the beat's reminder to file, for the demo secretary's inbox (no e-mail to demo addresses)
        result.reminders_sent += reminders.meeting_unfiled_reminders_send(
            organization_ids=demo_ids, today=today, email=False
        )
    result.seconds = time.perf_counter() - started
    if log and todo:
        log(
            _("组织生活：%(branches)d个党支部，批量写入用时%(seconds).1f秒。")
            % {"branches": len(todo), "seconds": result.seconds}
        )
    return result
