"""Reads for the plan pages, the branch progress grid and the committee's filing-status page.

Every function costs a fixed number of queries whatever the number of plans, items, members, tasks or
branches; scope comes from branches.permissions, the one access module.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from branches.models import Member, MemberStatus, Organization, OrganizationKind, PartyGroup, User
from branches.permissions import (
    can_manage_organization,
    managed_branch_ids,
    organization_scope_q,
    own_member,
    reaching_user_q,
    sees_everything,
)
from notifications.models import ReminderKind
from notifications.services import ReminderMessage
from portal.periods import shift_month
from study.materials.selectors import materials_visible_to
from study.models import (
    PlanStatus,
    PlanStatusChange,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)

MONTHS = range(1, 13)
FILING_PAGE_SIZE = 50


# Scope -----------------------------------------------------------------------------------------------------


def plan_scope_q(user: User, field: str = "") -> Q:
    """Plans the user may see: those of organisations in the scope, the own branch's, and published templates
    of the committees above (templates flow down the tree). `field` reaches the plan from another model."""
    if sees_everything(user):
        return Q()
    prefix = f"{field}__" if field else ""
    organization = f"{prefix}organization"
    q = organization_scope_q(user, organization)
    member = own_member(user)
    if member is not None:
        q |= Q(**{f"{organization}_id": member.organization_id})
    published_template = Q(**{f"{prefix}is_template": True, f"{prefix}published_at__isnull": False})
    return q | (published_template & reaching_user_q(user, organization))


def plan_get(*, user: User, pk: int) -> StudyPlan:
    """One plan in scope with what its page shows about it; DoesNotExist outside the scope."""
    return (
        StudyPlan.objects.filter(plan_scope_q(user))
        .select_related("organization__parent", "previous_revision", "next_revision", "template__organization")
        .get(pk=pk)
    )


def plan_item_get(*, user: User, pk: int) -> StudyPlanItem:
    """One plan item in scope, with its plan and organisation; DoesNotExist outside the scope."""
    return (
        StudyPlanItem.objects.filter(plan_scope_q(user, "plan"))
        .select_related("plan__organization__parent", "group")
        .get(pk=pk)
    )


def template_get(*, user: User, pk: int) -> StudyPlan:
    """A template the user may see (published above, or inside the scope); DoesNotExist otherwise."""
    return StudyPlan.objects.filter(plan_scope_q(user), is_template=True).select_related("organization").get(pk=pk)


# Plan list -------------------------------------------------------------------------------------------------


def default_plan_year(today: datetime.date) -> int:
    """The year a new plan is for: this year, or next year from October (plans are made ahead)."""
    return today.year + 1 if today.month >= 10 else today.year


@dataclass
class PlanYear:
    year: int
    current: StudyPlan | None
    earlier: list[StudyPlan] = field(default_factory=list)


@dataclass
class PlanListing:
    years: list[PlanYear]
    templates: list[StudyPlan]
    years_with_plan: set[int]
    copy_years: list[int]
    default_year: int


def plan_listing(*, organization: Organization, today: datetime.date) -> PlanListing:
    """The organisation's plans by year (current revision first), and for a branch the templates published by
    the committees above and the years last year's plan can be copied into. Two queries."""
    is_template = not organization.is_branch
    plans = list(
        StudyPlan.objects.filter(organization=organization, is_template=is_template)
        .annotate(item_count=Count("items"))
        .order_by("-year", "-revision")
    )
    by_year: dict[int, PlanYear] = {}
    for plan in plans:
        entry = by_year.setdefault(plan.year, PlanYear(year=plan.year, current=None))
        if plan.is_current and entry.current is None:
            entry.current = plan
        else:
            entry.earlier.append(plan)
    templates: list[StudyPlan] = []
    if organization.is_branch:
        templates = list(
            StudyPlan.objects.filter(
                is_template=True,
                published_at__isnull=False,
                organization_id__in=organization.ancestor_ids,
                year__gte=today.year - 1,
            )
            .select_related("organization")
            .annotate(item_count=Count("items"))
            .order_by("-year", "organization__depth", "-published_at")
        )
    years_with_plan = set(by_year)
    default_year = default_plan_year(today)
    copy_years = []
    if organization.is_branch:
        copy_years = sorted(
            {year for year in (today.year, default_year) if year not in years_with_plan and year - 1 in years_with_plan}
        )
    return PlanListing(
        years=sorted(by_year.values(), key=lambda entry: -entry.year),
        templates=templates,
        years_with_plan=years_with_plan,
        copy_years=copy_years,
        default_year=default_year,
    )


# Plan detail -----------------------------------------------------------------------------------------------


@dataclass
class PlanMonth:
    month: int
    items: list[StudyPlanItem]


@dataclass
class PlanPage:
    months: list[PlanMonth]
    history: list[PlanStatusChange]
    item_count: int
    hours_total: float
    empty_months: list[int]
    last_return: PlanStatusChange | None
    adoption_count: int | None


def plan_page(*, plan: StudyPlan) -> PlanPage:
    """Items month by month (gaps visible), status history and, for a template, how many adopted it.

    Three queries (items with groups, their materials, history), four for a template.
    """
    items = list(plan.items.select_related("group").prefetch_related("materials").order_by("month", "due_date", "pk"))
    history = list(plan.history.select_related("changed_by").order_by("changed_at", "pk"))
    by_month: dict[int, list[StudyPlanItem]] = {month: [] for month in MONTHS}
    for item in items:
        by_month[item.month].append(item)
    last_return = None
    if plan.status == PlanStatus.RETURNED:
        last_return = next((c for c in reversed(history) if c.to_status == PlanStatus.RETURNED), None)
    return PlanPage(
        months=[PlanMonth(month=month, items=by_month[month]) for month in MONTHS],
        history=history,
        item_count=len(items),
        hours_total=float(sum(item.hours for item in items)),
        empty_months=[month for month in MONTHS if not by_month[month]],
        last_return=last_return,
        adoption_count=plan.adoptions.count() if plan.is_template else None,
    )


def plan_materials_for(*, user: User, plan: StudyPlan) -> QuerySet[StudyMaterial]:
    """Materials an item may list: visible to the user and reaching the plan's organisation (published by it
    or by a committee above it), so every member who gets the task can open them."""
    reaching_plan = [*plan.organization.ancestor_ids, plan.organization_id]
    return (
        materials_visible_to(user)
        .filter(organization_id__in=reaching_plan)
        .select_related("organization")
        .order_by("-is_required", "-published_on", "-pk")
    )


def plan_groups_for(*, plan: StudyPlan) -> QuerySet[PartyGroup] | None:
    """The 党小组 an item may address: the branch's own; None for a committee's template (no groups)."""
    if not plan.organization.is_branch:
        return None
    return PartyGroup.objects.filter(organization_id=plan.organization_id).order_by("name")


# Branch progress -------------------------------------------------------------------------------------------


def can_view_branch_progress(user: User, organization: Organization) -> bool:
    """The branch's committee (书记, 组织委员, other 支委) and the staff above see who is behind."""
    return organization.is_branch and (
        can_manage_organization(user, organization) or organization.pk in managed_branch_ids(user)
    )


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


CELL_DONE = "done"
CELL_OPEN = "open"
CELL_OVERDUE = "overdue"
CELL_NONE = "none"


@dataclass
class ProgressCell:
    state: str
    task: StudyTask | None = None


@dataclass
class ProgressRow:
    member: Member
    cells: list[ProgressCell]
    done: int
    assigned: int

    @property
    def rate(self) -> int | None:
        return round(self.done * 100 / self.assigned) if self.assigned else None


@dataclass
class ProgressColumn:
    number: int
    item: StudyPlanItem
    done: int = 0
    assigned: int = 0

    @property
    def rate(self) -> int | None:
        return round(self.done * 100 / self.assigned) if self.assigned else None


@dataclass
class ProgressGrid:
    month: datetime.date
    today: datetime.date
    columns: list[ProgressColumn]
    rows: list[ProgressRow]
    done: int
    assigned: int
    overdue: int
    behind_count: int

    @property
    def rate(self) -> int | None:
        return round(self.done * 100 / self.assigned) if self.assigned else None

    @property
    def previous_month(self) -> datetime.date:
        return shift_month(self.month, -1)

    @property
    def next_month(self) -> datetime.date:
        return shift_month(self.month, 1)

    @property
    def is_current_month(self) -> bool:
        return (self.month.year, self.month.month) == (self.today.year, self.today.month)


def _month_tasks(*, organization: Organization, month: datetime.date) -> QuerySet[StudyTask]:
    first, last = month_bounds(month)
    return StudyTask.objects.filter(organization=organization, due_date__range=(first, last)).exclude(
        status=TaskStatus.CLOSED
    )


def branch_progress_grid(*, organization: Organization, month: datetime.date, today: datetime.date) -> ProgressGrid:
    """Active members × the month's plan items (the items of the tasks due in the month). Two queries."""
    members = list(
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
        .only("pk", "name", "user", "organization")
        .order_by("name", "pk")
    )
    tasks = list(
        _month_tasks(organization=organization, month=month)
        .select_related("item")
        .only(
            "pk",
            "member",
            "item",
            "status",
            "due_date",
            "completed_at",
            "item__topic",
            "item__due_date",
            "item__audience",
            "item__form",
            "item__hours",
        )
        .order_by("due_date", "item_id")
    )
    columns: dict[int, ProgressColumn] = {}
    by_cell: dict[tuple[int, int], StudyTask] = {}
    for task in tasks:
        if task.item_id not in columns:
            columns[task.item_id] = ProgressColumn(number=len(columns) + 1, item=task.item)  # type: ignore[index, arg-type]  # item is None for a makeup task
        by_cell[(task.member_id, task.item_id)] = task  # type: ignore[index]  # item is None for a makeup task
    rows = []
    total_done = total_assigned = total_overdue = behind = 0
    for member in members:
        cells = []
        done = assigned = 0
        for item_id, column in columns.items():
            task = by_cell.get((member.pk, item_id))  # type: ignore[assignment]  # rebinds the loop variable above
            if task is None:
                cells.append(ProgressCell(state=CELL_NONE))
                continue
            assigned += 1
            column.assigned += 1
            if task.status == TaskStatus.DONE:
                done += 1
                column.done += 1
                cells.append(ProgressCell(state=CELL_DONE, task=task))
            elif task.due_date < today:
                total_overdue += 1
                cells.append(ProgressCell(state=CELL_OVERDUE, task=task))
            else:
                cells.append(ProgressCell(state=CELL_OPEN, task=task))
        rows.append(ProgressRow(member=member, cells=cells, done=done, assigned=assigned))
        total_done += done
        total_assigned += assigned
        behind += done < assigned
    return ProgressGrid(
        month=month.replace(day=1),
        today=today,
        columns=list(columns.values()),
        rows=rows,
        done=total_done,
        assigned=total_assigned,
        overdue=total_overdue,
        behind_count=behind,
    )


def branch_progress_task(*, organization: Organization, pk: int) -> StudyTask:
    """A done task of the branch with its 心得 (the grid opens it); DoesNotExist otherwise."""
    return (
        StudyTask.objects.filter(organization=organization, status=TaskStatus.DONE)
        .select_related("member", "item")
        .get(pk=pk)
    )


@dataclass
class NudgePlan:
    messages: list[ReminderMessage]
    without_account: list[str]

    @property
    def behind_count(self) -> int:
        return len(self.messages) + len(self.without_account)


def branch_task_nudges(*, organization: Organization, today: datetime.date) -> NudgePlan:
    """One TASK_NUDGE reminder per active member with open tasks due this month (key: branch and month, so a
    second press in the same month sends nothing new). Members without a login are listed apart. One query."""
    open_tasks = (
        _month_tasks(organization=organization, month=today)
        .filter(status=TaskStatus.OPEN, member__status=MemberStatus.ACTIVE)
        .select_related("member", "item")
        .only("pk", "due_date", "member", "item", "member__name", "member__user", "item__topic")
        .order_by("member__name", "member_id", "due_date")
    )
    by_member: dict[int, list[StudyTask]] = {}
    for task in open_tasks:
        by_member.setdefault(task.member_id, []).append(task)
    period = today.strftime("%Y-%m")
    url = reverse("study:my_study")
    messages = []
    without_account = []
    for tasks in by_member.values():
        member = tasks[0].member
        if member.user_id is None:
            without_account.append(member.name)
            continue
        lines = [
            _("· %(topic)s（%(month)d月%(day)d日前完成）")
            % {"topic": task.item.topic, "month": task.due_date.month, "day": task.due_date.day}  # type: ignore[union-attr]  # item is None for a makeup task
            for task in tasks
        ]
        title = _("请按时完成本月学习任务（%(n)d项未完成）") % {"n": len(tasks)}
        body = "\n".join([_("%(name)s同志，您本月还有以下学习任务未完成：") % {"name": member.name}, *lines])
        messages.append(
            ReminderMessage(
                recipient_id=member.user_id,
                kind=ReminderKind.TASK_NUDGE,
                object_key=f"org:{organization.pk}",
                period=period,
                title=title,
                body=body,
                url=url,
            )
        )
    return NudgePlan(messages=messages, without_account=without_account)


# Filing status ---------------------------------------------------------------------------------------------

LEVEL_NOT_FILED = 0
LEVEL_WAITING = 1
LEVEL_NO_NEXT_MONTH = 2
LEVEL_FINE = 3

SHOW_CHOICES = ("not_filed", "waiting", "no_next_month")


def can_view_filing_status(user: User, organization: Organization) -> bool:
    """Committee staff and the committee's own secretary or organiser see their subtree's filing status."""
    return not organization.is_branch and can_manage_organization(user, organization)


@dataclass
class FilingCounts:
    branches: int
    filed: int
    not_filed: int
    waiting: int
    no_next_month: int
    done: int
    open: int

    @property
    def rate(self) -> int | None:
        total = self.done + self.open
        return round(self.done * 100 / total) if total else None


@dataclass
class FilingStatus:
    organization: Organization
    year: int
    today: datetime.date
    next_month: datetime.date
    show: str
    counts: FilingCounts
    rows: list[Organization]
    page_number: int
    page_count: int
    shown_count: int

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.page_count


def _annotated_branches(
    *, organization: Organization, year: int, next_month: datetime.date, due_until: datetime.date
) -> QuerySet[Organization]:
    """The subtree's branches, each annotated from correlated subqueries (no per-branch queries)."""
    plans = StudyPlan.objects.filter(organization=OuterRef("pk"), year=year, is_template=False)
    current = plans.filter(is_current=True)
    next_items = StudyPlanItem.objects.filter(
        plan__organization=OuterRef("pk"),
        plan__year=next_month.year,
        plan__is_template=False,
        plan__is_current=True,
        month=next_month.month,
    )
    tasks = (
        StudyTask.objects.filter(
            organization=OuterRef("pk"), due_date__gte=datetime.date(year, 1, 1), due_date__lte=due_until
        )
        .order_by()
        .values("organization")
    )

    def task_count(status: str) -> Coalesce:
        counted = tasks.filter(status=status).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    return (
        Organization.objects.filter(path__startswith=organization.path, kind=OrganizationKind.BRANCH)
        .annotate(
            current_plan_id=Subquery(current.values("pk")[:1]),
            current_status=Subquery(current.values("status")[:1]),
            current_revision=Subquery(current.values("revision")[:1]),
            has_filed=Exists(plans.filter(status=PlanStatus.FILED)),
            has_next_month=Exists(next_items),
            done_count=task_count(TaskStatus.DONE),
            open_count=task_count(TaskStatus.OPEN),
        )
        .annotate(
            level=Case(
                When(current_status=PlanStatus.SUBMITTED, then=Value(LEVEL_WAITING)),
                When(has_filed=False, then=Value(LEVEL_NOT_FILED)),
                When(has_next_month=False, then=Value(LEVEL_NO_NEXT_MONTH)),
                default=Value(LEVEL_FINE),
                output_field=IntegerField(),
            ),
            rate=Case(
                When(Q(done_count=0) & Q(open_count=0), then=Value(None)),
                default=ExpressionWrapper(
                    F("done_count") * 100.0 / (F("done_count") + F("open_count")), output_field=FloatField()
                ),
                output_field=FloatField(),
            ),
        )
    )


def filing_status(
    *, organization: Organization, year: int, today: datetime.date, show: str = "", page_number: int = 1
) -> FilingStatus:
    """Which branches of the subtree have no plan filed for the year, which wait for 备案, which have nothing
    planned for next month, and each branch's task completion (done ÷ (done + open) of tasks due so far in the
    year). Problems first. Three queries whatever the number of branches: counts, task totals, one page."""
    next_month = shift_month(today, 1)
    due_until = min(today, datetime.date(year, 12, 31))
    branches = _annotated_branches(organization=organization, year=year, next_month=next_month, due_until=due_until)
    totals = branches.aggregate(
        branches=Count("pk"),
        filed=Count("pk", filter=Q(has_filed=True)),
        waiting=Count("pk", filter=Q(current_status=PlanStatus.SUBMITTED)),
        no_next_month=Count("pk", filter=Q(has_next_month=False)),
    )
    tasks = StudyTask.objects.filter(
        organization__path__startswith=organization.path,
        organization__kind=OrganizationKind.BRANCH,
        due_date__gte=datetime.date(year, 1, 1),
        due_date__lte=due_until,
    ).aggregate(
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        open=Count("pk", filter=Q(status=TaskStatus.OPEN)),
    )
    counts = FilingCounts(
        branches=totals["branches"],
        filed=totals["filed"],
        not_filed=totals["branches"] - totals["filed"],
        waiting=totals["waiting"],
        no_next_month=totals["no_next_month"],
        done=tasks["done"],
        open=tasks["open"],
    )
    shown = {
        "not_filed": (branches.filter(has_filed=False), counts.not_filed),  # type: ignore[misc]  # filters on an annotation
        "waiting": (branches.filter(current_status=PlanStatus.SUBMITTED), counts.waiting),  # type: ignore[misc]  # filters on an annotation
        "no_next_month": (branches.filter(has_next_month=False), counts.no_next_month),  # type: ignore[misc]  # filters on an annotation
    }
    if show in shown:
        branches, shown_count = shown[show]
    else:
        show, shown_count = "", counts.branches
    page_count = max(1, -(-shown_count // FILING_PAGE_SIZE))
    page_number = min(max(1, page_number), page_count)
    offset = (page_number - 1) * FILING_PAGE_SIZE
    rows = list(
        branches.select_related("parent").order_by("level", F("rate").asc(nulls_last=True), "path")[  # type: ignore[misc]  # orders by annotations
            offset : offset + FILING_PAGE_SIZE
        ]
    )
    return FilingStatus(
        organization=organization,
        year=year,
        today=today,
        next_month=next_month,
        show=show,
        counts=counts,
        rows=rows,
        page_number=page_number,
        page_count=page_count,
        shown_count=shown_count,
    )


def current_filed_plan(*, organization_id: int, year: int) -> StudyPlan | None:
    return (
        StudyPlan.objects.filter(organization_id=organization_id, year=year, is_template=False, status=PlanStatus.FILED)
        .order_by("-revision")
        .first()
    )
