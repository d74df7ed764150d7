"""Reads for a member's own study (我的学习), the study hours (M3) and the cadre self-study plan, each in a
fixed number of queries."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, User
from branches.permissions import holds_role_on
from portal import hooks
from study.models import (
    REQUIRED_HOURS_COMMITTEE,
    REQUIRED_HOURS_MEMBER,
    CadreStudyItem,
    StudyTask,
    TaskKind,
    TaskStatus,
)

UPCOMING_DAYS = 30
# 我的学习 lists the overdue tasks of the last 12 months, a page at a time, and older ones on request; and the
# latest done tasks of the year (the hours count all of them).
OVERDUE_RECENT_MONTHS = 12
OVERDUE_PAGE_SIZE = 20
DONE_SHOWN = 20
HOURS_QUANTUM = Decimal("0.1")


@dataclass
class StudyHours:
    """Rule M3 (DESIGN.md §3): hours from completed tasks and attended collective study (the meetings'
    length) against the yearly requirement — never time on screen."""

    done: Decimal
    required: int
    holds_committee_role: bool
    from_meetings: Decimal = Decimal(0)

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.required)) if self.required else 100

    @property
    def is_met(self) -> bool:
        return self.done >= self.required

    @property
    def missing(self) -> Decimal:
        return max(Decimal(0), self.required - self.done)


@dataclass
class MyStudy:
    member: Member
    today: datetime.date
    hours: StudyHours
    this_month: list[StudyTask] = field(default_factory=list)
    overdue: list[StudyTask] = field(default_factory=list)
    upcoming: list[StudyTask] = field(default_factory=list)
    done: list[StudyTask] = field(default_factory=list)
    meetings_soon: list[hooks.MeetingSoon] = field(default_factory=list)
    # Counts of the whole lists, of which `overdue` and `done` show a page.
    overdue_count: int = 0
    overdue_from: int = 0
    done_count: int = 0

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def upcoming_until(self) -> datetime.date:
        return _month_end(self.today) + datetime.timedelta(days=UPCOMING_DAYS)

    @property
    def overdue_until(self) -> int:
        """The position of the last overdue task this page shows (1-based, counted over all overdue tasks)."""
        return self.overdue_from + len(self.overdue)

    @property
    def older_overdue_from(self) -> int | None:
        """Where the "show older" page of overdue tasks starts (None: nothing older to show)."""
        return self.overdue_until if self.overdue_until < self.overdue_count else None

    @property
    def newer_overdue_from(self) -> int | None:
        """Where the page of newer overdue tasks starts (None: this page shows the newest)."""
        return max(0, self.overdue_from - OVERDUE_PAGE_SIZE) if self.overdue_from else None


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def holds_committee_role(*, user: User, member: Member) -> bool:
    """Whether the user sits on their own branch's committee (书记, 副书记, 支委 …): 56 学时 instead of 32. From
    the roles the request has already read (no query)."""
    return holds_role_on(user, member.organization_id, COMMITTEE_ROLE_KINDS)


def member_tasks(*, member: Member) -> QuerySet[StudyTask]:
    """The member's own tasks with their item and the item's materials (the only way a task is read)."""
    return StudyTask.objects.filter(member=member).select_related("item").prefetch_related("item__materials")


def my_study_get(
    *,
    user: User,
    member: Member,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    overdue_from: int = 0,
) -> MyStudy:
    """Everything on "我的学习" in seven queries whatever the number of tasks: this month's and upcoming tasks, a
    page of overdue tasks, the materials of both, the latest done tasks, the counts and hours, the attended
    collective study, the meetings of this week; the committee role from the roles the request has read.

    This month: tasks due this month that are done or not yet overdue, and the 补学 tasks given this month
    (a meeting missed on leave late in the month gives one due next month: it is this month's news). Overdue:
    open tasks past their due date, newest first, at most OVERDUE_PAGE_SIZE: those of the last
    OVERDUE_RECENT_MONTHS months on the first page, older ones (any year) from `overdue_from` on ("show
    older"). Upcoming: tasks due after this month, up to 30 days beyond its end. Done: the latest
    DONE_SHOWN completed this year, most recent first; the year's study hours count all of them. Meetings
    soon: the member's meetings from today to Sunday (activities answers through
    `portal.hooks.member_meetings_soon`).
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    overdue_from = max(0, overdue_from)
    month_start = today.replace(day=1)
    upcoming_until = _month_end(today) + datetime.timedelta(days=UPCOMING_DAYS)
    recent_since = _months_before(today, OVERDUE_RECENT_MONTHS)
    tz = timezone.get_current_timezone()
    year_start = datetime.datetime(today.year, 1, 1, tzinfo=tz)
    year_end = datetime.datetime(today.year + 1, 1, 1, tzinfo=tz)
    given_this_month = Q(
        kind=TaskKind.MAKEUP, created_at__gte=datetime.datetime.combine(month_start, datetime.time(), tz)
    )
    own = StudyTask.objects.filter(member=member).select_related("item")
    is_overdue = Q(status=TaskStatus.OPEN, due_date__lt=today)
    is_done_this_year = Q(status=TaskStatus.DONE, completed_at__gte=year_start, completed_at__lt=year_end)
    current = list(
        own.exclude(status=TaskStatus.CLOSED)
        .exclude(is_overdue)
        .filter(Q(due_date__gte=month_start, due_date__lte=upcoming_until) | given_this_month)
        .order_by("due_date", "pk")
    )
    overdue_page = own.filter(is_overdue)
    if not overdue_from:
        overdue_page = overdue_page.filter(due_date__gte=recent_since)
    overdue = list(overdue_page.order_by("-due_date", "-pk")[overdue_from : overdue_from + OVERDUE_PAGE_SIZE])
    prefetch_related_objects([*current, *overdue], "item__materials")
    done = list(own.filter(is_done_this_year).order_by("-completed_at", "-pk")[:DONE_SHOWN])
    totals = StudyTask.objects.filter(member=member).aggregate(
        overdue=Count("pk", filter=is_overdue),
        done=Count("pk", filter=is_done_this_year),
        hours=Coalesce(
            Sum(Coalesce("item__hours", "hours"), filter=is_done_this_year),
            Decimal(0),
            output_field=DecimalField(),
        ),
    )
    committee = holds_committee_role(user=user, member=member)
    study = MyStudy(
        member=member,
        today=today,
        hours=StudyHours(
            done=totals["hours"],
            required=REQUIRED_HOURS_COMMITTEE if committee else REQUIRED_HOURS_MEMBER,
            holds_committee_role=committee,
        ),
        overdue=overdue,
        done=done,
        overdue_count=totals["overdue"],
        overdue_from=overdue_from,
        done_count=totals["done"],
    )
    for task in current:
        if month_start <= task.due_date <= _month_end(today) or _given_this_month(task, month_start):
            study.this_month.append(task)
        elif _month_end(today) < task.due_date <= upcoming_until:
            study.upcoming.append(task)
    study.hours.from_meetings = attended_study_hours(member=member, year=today.year)
    study.hours.done += study.hours.from_meetings
    for receiver in hooks.member_meetings_soon.receivers():
        study.meetings_soon.extend(receiver(member=member, today=today, now=now))
    study.meetings_soon.sort(key=lambda meeting: meeting.starts_at)
    return study


def _given_this_month(task: StudyTask, month_start: datetime.date) -> bool:
    """A 补学 task created this month (or later: a page shown for an earlier day in tests)."""
    return task.kind == TaskKind.MAKEUP and timezone.localdate(task.created_at) >= month_start


def attended_study_hours(*, member: Member, year: int) -> Decimal:
    """Hours of the collective study the member attended in the year (see `meeting_hours_by_member`)."""
    return meeting_hours_by_member(member_ids=[member.pk], year=year).get(member.pk, Decimal("0.0"))


def meeting_hours_by_member(*, member_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """Hours of collective study attended in the year, by member id: held meetings with study content, counted
    by the day they were held, their length. Meetings are activities' records, so activities answers through
    `portal.hooks.meeting_study_hours` (one query)."""
    member_ids = list(member_ids)
    hours: dict[int, Decimal] = {}
    for receiver in hooks.meeting_study_hours.receivers():
        for member_id, value in receiver(member_ids=member_ids, year=year).items():
            hours[member_id] = hours.get(member_id, Decimal("0.0")) + value
    return hours


def task_hours_by_member(*, organization_id: int, year: int) -> dict[int, Decimal]:
    """Hours of study tasks completed in the year by the branch's active members (the plan item's 学时, or a
    补学's own), by member id. One query. With `meeting_hours_by_member` these are the study hours (M3): the
    only place they are computed; 我的学习 adds the same task hours from the tasks it already shows."""
    rows = (
        StudyTask.objects.filter(
            member__organization_id=organization_id,
            member__status=MemberStatus.ACTIVE,
            status=TaskStatus.DONE,
            completed_at__gte=_year_start(year),
            completed_at__lt=_year_start(year + 1),
        )
        .values("member_id")
        .annotate(
            hours=Sum(Coalesce("item__hours", "hours"), output_field=DecimalField(max_digits=8, decimal_places=1))
        )
        .order_by()
        .values_list("member_id", "hours")
    )
    return {member_id: Decimal(hours or 0).quantize(HOURS_QUANTUM) for member_id, hours in rows}


def _year_start(year: int) -> datetime.datetime:
    return datetime.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())


def member_task_get(*, member: Member, pk: int) -> StudyTask:
    """One of the member's own tasks; DoesNotExist for anybody else's."""
    return member_tasks(member=member).get(pk=pk)


def cadre_items(*, member: Member, year: int) -> list[CadreStudyItem]:
    """The items of a leading cadre's 个人自学计划 for the year (one query)."""
    return list(CadreStudyItem.objects.filter(plan__member=member, plan__year=year).order_by("target_month", "pk"))


def cadre_item_get(*, member: Member, pk: int) -> CadreStudyItem:
    """One of the member's own self-study items; DoesNotExist for anybody else's."""
    return CadreStudyItem.objects.select_related("plan").get(plan__member=member, pk=pk)
