"""Reads for a member's own study pages, materials and the cadre self-study plan, each in a fixed number of queries."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from branches.models import COMMITTEE_ROLE_KINDS, Member, Role, User
from branches.permissions import own_member, reaching_user_q
from study.models import (
    REQUIRED_HOURS_COMMITTEE,
    REQUIRED_HOURS_MEMBER,
    CadreStudyItem,
    MaterialRead,
    StudyMaterial,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)

MATERIAL_PAGE_SIZE = 20
UPCOMING_DAYS = 30


# A member's own study ---------------------------------------------------------------------------------------


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

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def upcoming_until(self) -> datetime.date:
        return _month_end(self.today) + datetime.timedelta(days=UPCOMING_DAYS)


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def holds_committee_role(*, user: User, member: Member) -> bool:
    """Whether the user sits on their own branch's committee (书记, 副书记, 支委 …): 56 学时 instead of 32."""
    return Role.objects.filter(
        user=user, organization_id=member.organization_id, kind__in=COMMITTEE_ROLE_KINDS
    ).exists()


def member_tasks(*, member: Member) -> QuerySet[StudyTask]:
    """The member's own tasks with their item and the item's materials (the only way a task is read)."""
    return StudyTask.objects.filter(member=member).select_related("item").prefetch_related("item__materials")


def my_study_get(*, user: User, member: Member, today: datetime.date | None = None) -> MyStudy:
    """Everything on "我的学习" in four queries: the committee role, the tasks, their materials, the attended
    collective study.

    This month: tasks due this month that are done or not yet overdue. Overdue: open tasks past their due
    date (any year). Upcoming: tasks due after this month, up to 30 days beyond its end. Done: completed
    this year, most recent first; their items' hours are the year's study hours.
    """
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    upcoming_until = _month_end(today) + datetime.timedelta(days=UPCOMING_DAYS)
    tz = timezone.get_current_timezone()
    year_start = datetime.datetime(today.year, 1, 1, tzinfo=tz)
    year_end = datetime.datetime(today.year + 1, 1, 1, tzinfo=tz)
    tasks = list(
        member_tasks(member=member)
        .exclude(status=TaskStatus.CLOSED)
        .filter(
            Q(status=TaskStatus.OPEN, due_date__lte=upcoming_until)
            | Q(status=TaskStatus.DONE, completed_at__gte=year_start, completed_at__lt=year_end)
            | Q(due_date__gte=month_start, due_date__lte=upcoming_until)
        )
        .order_by("due_date", "pk")
    )
    committee = holds_committee_role(user=user, member=member)
    study = MyStudy(
        member=member,
        today=today,
        hours=StudyHours(
            done=Decimal(0),
            required=REQUIRED_HOURS_COMMITTEE if committee else REQUIRED_HOURS_MEMBER,
            holds_committee_role=committee,
        ),
    )
    for task in tasks:
        is_open = task.status == TaskStatus.OPEN
        if is_open and task.due_date < today:
            study.overdue.append(task)
        elif month_start <= task.due_date <= _month_end(today):
            study.this_month.append(task)
        elif _month_end(today) < task.due_date <= upcoming_until:
            study.upcoming.append(task)
        if task.status == TaskStatus.DONE and year_start <= task.completed_at < year_end:
            study.done.append(task)
            study.hours.done += task.credit_hours
    study.hours.from_meetings = attended_study_hours(member=member, year=today.year)
    study.hours.done += study.hours.from_meetings
    study.done.sort(key=lambda task: (task.completed_at, task.pk), reverse=True)
    return study


def attended_study_hours(*, member: Member, year: int) -> Decimal:
    """Hours of the collective study the member attended in the year: held meetings with study content,
    counted by the day they were held. One query."""
    from activities.models import STUDY_KINDS, Attendance, AttendanceStatus, MeetingStatus

    spans = (
        Attendance.objects.filter(
            member=member,
            status=AttendanceStatus.PRESENT,
            meeting__held_on__year=year,
            meeting__status__in=(MeetingStatus.HELD, MeetingStatus.FILED),
            meeting__counted_kinds__kind__in=STUDY_KINDS,
        )
        .values_list("meeting_id", "meeting__starts_at", "meeting__ends_at")
        .distinct()
    )
    seconds = sum((ends - starts).total_seconds() for _id, starts, ends in spans)
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))


def member_task_get(*, member: Member, pk: int) -> StudyTask:
    """One of the member's own tasks; DoesNotExist for anybody else's."""
    return member_tasks(member=member).get(pk=pk)


# Materials --------------------------------------------------------------------------------------------------


def materials_visible_to(user: User) -> QuerySet[StudyMaterial]:
    """Materials published by an organisation whose subtree reaches the user, and those linked to their tasks.

    `reaching_user_q` covers the organisations above the user's scope and own branch as well as everything
    inside the scope (the same rows `organization_scope_q` selects). A member also sees every material linked
    to one of their own study tasks.
    """
    q = reaching_user_q(user, "organization")
    if not q:  # sees everything (an empty Q would swallow the OR below)
        return StudyMaterial.objects.all()
    member = own_member(user)
    if member is not None:
        linked = StudyPlanItem.materials.through.objects.filter(studyplanitem__tasks__member=member)
        q |= Q(pk__in=linked.values("studymaterial_id"))
    return StudyMaterial.objects.filter(q)


def material_page(
    *, user: User, query: str = "", category: str = "", page_number: int | str = 1
) -> Page[StudyMaterial]:
    """One page of the visible materials: required reading first, then the newest. Two queries (count, page)."""
    qs = materials_visible_to(user).select_related("organization")
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if category:
        qs = qs.filter(category=category)
    qs = qs.order_by("-is_required", "-published_on", "-pk")
    return Paginator(qs, MATERIAL_PAGE_SIZE).get_page(page_number)


def material_get(*, user: User, pk: int) -> StudyMaterial:
    """A material the user may see; DoesNotExist outside the scope."""
    return materials_visible_to(user).select_related("organization", "published_by").get(pk=pk)


def material_read_ids(*, member: Member | None, materials: list[StudyMaterial]) -> set[int]:
    """Which of these materials the member has opened (one query)."""
    if member is None or not materials:
        return set()
    return set(
        MaterialRead.objects.filter(member=member, material__in=[m.pk for m in materials]).values_list(
            "material_id", flat=True
        )
    )


def material_read_get(*, member: Member, material: StudyMaterial) -> MaterialRead | None:
    return MaterialRead.objects.filter(member=member, material=material).first()


# Cadre self-study --------------------------------------------------------------------------------------------


def cadre_items(*, member: Member, year: int) -> list[CadreStudyItem]:
    """The items of a leading cadre's 个人自学计划 for the year (one query)."""
    return list(CadreStudyItem.objects.filter(plan__member=member, plan__year=year).order_by("target_month", "pk"))


def cadre_item_get(*, member: Member, pk: int) -> CadreStudyItem:
    """One of the member's own self-study items; DoesNotExist for anybody else's."""
    return CadreStudyItem.objects.select_related("plan").get(plan__member=member, pk=pk)
