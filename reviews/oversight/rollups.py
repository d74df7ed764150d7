"""The problem roll-ups (`ProblemRollup`): per organisation and up the tree, problems open, overdue and closed
this year, so that the dashboard never counts problem rows.

Every service that changes a problem calls `problem_rollup_follow` in its own transaction: the problem's figures
before and after the change are compared and every node from its organisation up to the 市委 is moved by the
difference with one INSERT … ON CONFLICT (atomic additions, rows locked in node order). "Overdue" moves with the
calendar, so the figures are kept as of a day (`as_of`): a change is judged as of the roll-ups' day, and the
nightly `problem_rollups_rebuild` (CELERY_BEAT_SCHEDULE `reviews-problem-rollups`) recounts everything as of the
new day. A test checks that the maintained rows equal a recount.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from branches.models import Organization
from reviews.oversight.models import Problem, ProblemRollup, ProblemState


@dataclass(frozen=True)
class Figures:
    open: int = 0
    overdue: int = 0
    closed_this_year: int = 0

    def __sub__(self, other: Figures) -> Figures:
        return Figures(
            self.open - other.open, self.overdue - other.overdue, self.closed_this_year - other.closed_this_year
        )

    def __bool__(self) -> bool:
        return bool(self.open or self.overdue or self.closed_this_year)


NONE = Figures()


def rollup_day() -> datetime.date:
    """The day the roll-ups are counted as of: that of the last rebuild (today when there are no rows yet)."""
    return ProblemRollup.objects.aggregate(day=Max("as_of"))["day"] or timezone.localdate()


def figures_of(problem: Problem, *, as_of: datetime.date) -> Figures:
    """What one problem adds to the roll-ups of its organisation and every node above, as of a day."""
    if problem.state == ProblemState.CLOSED:
        closed_year = timezone.localtime(problem.closed_at).year if problem.closed_at else None
        return Figures(closed_this_year=1 if closed_year == as_of.year else 0)
    return Figures(open=1, overdue=1 if problem.deadline < as_of else 0)


_UPSERT_HEAD = 'INSERT INTO reviews_problemrollup (node_id, as_of, "open", overdue, closed_this_year) VALUES '
_UPSERT_TAIL = (
    " ON CONFLICT (node_id) DO UPDATE SET"
    ' "open" = reviews_problemrollup."open" + excluded."open",'
    " overdue = reviews_problemrollup.overdue + excluded.overdue,"
    " closed_this_year = reviews_problemrollup.closed_this_year + excluded.closed_this_year"
)


def problem_rollup_follow(*, problem: Problem, path: str, before: Figures | None, as_of: datetime.date) -> None:
    """Move the roll-ups of every node on `path` (the problem's organisation and its ancestors) by what the
    change of the problem made of its figures (`before`: None for a new problem). Inside the caller's transaction.
    """
    delta = figures_of(problem, as_of=as_of) - (before or NONE)
    if not delta:
        return
    node_ids = sorted(int(part) for part in path.split("/") if part)
    placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(node_ids))
    params: list = []
    for node_id in node_ids:
        params += [node_id, as_of, delta.open, delta.overdue, delta.closed_this_year]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_HEAD + placeholders + _UPSERT_TAIL, params)
    # A row left at zero stays (it reads as nothing to count): deleting it could lose the roll-ups' day.


def problem_rollups_count(*, as_of: datetime.date) -> dict[int, Figures]:
    """Recount every node's figures from the problem rows as of a day (one aggregate query and one of paths);
    nodes with nothing to count are left out."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    year_start = datetime.datetime(as_of.year, 1, 1, tzinfo=tz)
    year_end = datetime.datetime(as_of.year + 1, 1, 1, tzinfo=tz)
    not_closed = ~Q(state=ProblemState.CLOSED)
    rows = (
        Problem.objects.values("organization_id")
        .annotate(
            open=Count("pk", filter=not_closed),
            overdue=Count("pk", filter=not_closed & Q(deadline__lt=as_of)),
            closed=Count(
                "pk",
                filter=Q(state=ProblemState.CLOSED, closed_at__gte=year_start, closed_at__lt=year_end),
            ),
        )
        .values_list("organization_id", "open", "overdue", "closed")
        .order_by()
    )
    per_org = {org_id: Figures(o, d, c) for org_id, o, d, c in rows if o or d or c}
    paths = dict(Organization.objects.filter(pk__in=per_org).values_list("pk", "path"))
    totals: dict[int, list[int]] = {}
    for org_id, figures in per_org.items():
        for part in paths[org_id].split("/"):
            if part:
                total = totals.setdefault(int(part), [0, 0, 0])
                total[0] += figures.open
                total[1] += figures.overdue
                total[2] += figures.closed_this_year
    return {node_id: Figures(*total) for node_id, total in totals.items() if any(total)}


@transaction.atomic
def problem_rollups_rebuild(*, today: datetime.date | None = None) -> int:
    """Recount all the roll-ups as of `today` (the nightly job: "overdue" and "this year" move with the calendar).
    Problems cannot change meanwhile: on PostgreSQL the ledger is locked for the recount (a few queries) in a mode
    that waits for the services holding a problem `FOR UPDATE` and makes new ones wait (plain reads go on), so every
    change is judged either before the rebuild, as of the old day, or after it, as of the new one. Returns the
    number of nodes with something to count."""
    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE reviews_problem IN EXCLUSIVE MODE")
    counted = problem_rollups_count(as_of=today)
    if not counted:
        # Nothing to count: the roots keep a row at zero, so that the roll-ups' day is kept.
        counted = dict.fromkeys(Organization.objects.filter(parent=None).values_list("pk", flat=True), NONE)
    ProblemRollup.objects.all().delete()
    ProblemRollup.objects.bulk_create(
        [
            ProblemRollup(
                node_id=node_id,
                as_of=today,
                open=figures.open,
                overdue=figures.overdue,
                closed_this_year=figures.closed_this_year,
            )
            for node_id, figures in sorted(counted.items())
        ],
        batch_size=2000,
    )
    return sum(1 for figures in counted.values() if figures)
