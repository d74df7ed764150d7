"""Scheduled study reminders: what the Celery beat jobs send, and to whom.

Each job has two halves:
- `<job>_schedule(today=…)` scans for the branches (or committees) concerned in a few aggregated queries and
  fans out one Celery task per chunk of REMINDER_CHUNK_SIZE ids, enqueued on commit;
- `<job>_send(ids=…, today=…)` builds the messages for one chunk from aggregated queries (a fixed number
  whatever the chunk's size) and hands them to `notifications.services.reminders_send`.

Every message carries the reminder key (recipient, kind, object, period); the database constraint on that key
makes a retried task, a second beat or a re-run send nothing twice. Only users can be reminded: members
without a login have no inbox and are skipped, and inactive accounts are left out. Dates are the portal's
local dates (Asia/Shanghai).

Sources: seed §二.1 "年度有安排、月月有计划", §三 "党支部要制定年度计划并报上级党组织备案" (rule C10).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from branches.models import MANAGING_ROLE_KINDS, MemberStatus, Organization, OrganizationKind, Role, RoleKind
from branches.selectors import manager_user_ids
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send
from portal.taskkit import fan_out
from study.models import TASK_TITLE, PlanStatus, StudyPlan, StudyPlanItem, StudyTask, TaskStatus

REMINDER_CHUNK_SIZE = 50  # branches (or committees) per fan-out task
DUE_SOON_DAYS = 3
DIGEST_MAX_LINES = 20
OFFICER_DIGEST_MAX_BRANCHES = 30
# The officers who file a branch's plan: as in study.plans.services (the nearest committee above that has any).
OFFICER_ROLE_KINDS = (RoleKind.OFFICER, RoleKind.ADMINISTRATOR)
ANNUAL_PLAN_DEADLINE = (1, 31)  # month, day: filed (备案) before the year's first month ends


def _day(date: datetime.date) -> str:
    return _("%(month)d月%(day)d日") % {"month": date.month, "day": date.day}


def _fan_out(task, *, ids: Iterable[int], argument: str, today: datetime.date) -> int:
    """Enqueue `task` once per chunk of ids after commit (portal.taskkit.fan_out). Returns the chunk count."""
    return fan_out(task, ids=ids, size=REMINDER_CHUNK_SIZE, argument=argument, today=today.isoformat())


def _remindable_tasks(*, organization_ids: Iterable[int] | None = None) -> QuerySet[StudyTask]:
    """Open tasks of active members who have an active login."""
    qs = StudyTask.objects.filter(
        status=TaskStatus.OPEN,
        member__status=MemberStatus.ACTIVE,
        member__user__isnull=False,
        member__user__is_active=True,
    )
    return qs if organization_ids is None else qs.filter(organization_id__in=list(organization_ids))


def _managed_branches() -> QuerySet[Organization]:
    """Branches that have active members and someone to remind (a manager with an active login)."""
    managed = Role.objects.filter(kind__in=MANAGING_ROLE_KINDS, user__is_active=True).values("organization_id")
    with_members = Organization.objects.filter(members__status=MemberStatus.ACTIVE).values("pk")
    return Organization.objects.filter(kind=OrganizationKind.BRANCH, pk__in=managed).filter(pk__in=with_members)


# Tasks due within three days (daily) ------------------------------------------------------------------------


def _due_soon(today: datetime.date) -> Q:
    return Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))


def due_task_reminders_schedule(*, today: datetime.date) -> int:
    """Fan out the due-soon reminders: one task per chunk of branches with open tasks due in the next 3 days."""
    from study.tasks import due_task_reminders_send

    organization_ids = (
        _remindable_tasks()
        .filter(_due_soon(today))
        .values_list("organization_id", flat=True)
        .order_by("organization_id")
        .distinct()
    )
    return _fan_out(due_task_reminders_send, ids=organization_ids, argument="organization_ids", today=today)


def due_task_reminders_send(*, organization_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """Remind each member with a login of each open task due in [today, today + 3 days], once per task and
    due date. One query to build the messages, whatever the number of members."""
    url = reverse("study:my_study")
    messages = []
    for task_id, due_date, user_id, topic in (
        _remindable_tasks(organization_ids=organization_ids)
        .filter(_due_soon(today))
        .values_list("pk", "due_date", "member__user_id", TASK_TITLE)
        .order_by("due_date", "pk")
    ):
        title = _("学习任务“%(topic)s”将于%(date)s到期") % {"topic": topic, "date": _day(due_date)}
        body = _("您的学习任务“%(topic)s”须在%(date)s前完成。学习后请在“我的学习”中标记完成并写下学习心得。") % {
            "topic": topic,
            "date": _day(due_date),
        }
        messages.append(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.TASK_DUE_SOON,
                object_key=f"task:{task_id}",
                period=due_date.isoformat(),
                title=title,
                body=body,
                url=url,
            )
        )
    return reminders_send(messages=messages, email=email)


# Weekly overdue digest (Mondays) ----------------------------------------------------------------------------


def iso_week(date: datetime.date) -> str:
    """The ISO week of a date, e.g. "2026-W48" (the week of 23 November 2026)."""
    year, week, _weekday = date.isocalendar()
    return f"{year}-W{week:02d}"


def overdue_task_digests_schedule(*, today: datetime.date) -> int:
    """Fan out the weekly digests: one task per chunk of branches with overdue open tasks."""
    from study.tasks import overdue_task_digests_send

    organization_ids = (
        _remindable_tasks()
        .filter(due_date__lt=today)
        .values_list("organization_id", flat=True)
        .order_by("organization_id")
        .distinct()
    )
    return _fan_out(overdue_task_digests_send, ids=organization_ids, argument="organization_ids", today=today)


def overdue_task_digests_send(*, organization_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """One message a week per member with a login, listing their overdue open tasks. One query to build them."""
    url = reverse("study:my_study")
    overdue: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for member_id, user_id, topic, due_date in (
        _remindable_tasks(organization_ids=organization_ids)
        .filter(due_date__lt=today)
        .values_list("member_id", "member__user_id", TASK_TITLE, "due_date")
        .order_by("member_id", "due_date", "pk")
    ):
        overdue[(member_id, user_id)].append((topic, due_date))
    period = iso_week(today)
    messages = []
    for (member_id, user_id), tasks in overdue.items():
        lines = [
            _("· %(topic)s（期限：%(date)s）") % {"topic": topic, "date": _day(due_date)}
            for topic, due_date in tasks[:DIGEST_MAX_LINES]
        ]
        if len(tasks) > DIGEST_MAX_LINES:
            lines.append(_("……等共%(n)d项") % {"n": len(tasks)})
        body = "\n".join([_("以下学习任务已过完成期限，请尽快学习，并在“我的学习”中标记完成、写下学习心得："), *lines])
        messages.append(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.TASKS_OVERDUE_DIGEST,
                object_key=f"member:{member_id}",
                period=period,
                title=_("您有%(n)d项学习任务已逾期") % {"n": len(tasks)},
                body=body,
                url=url,
            )
        )
    return reminders_send(messages=messages, email=email)


# Next month's plan missing (the 25th) -----------------------------------------------------------------------


def next_month(today: datetime.date) -> datetime.date:
    """The first day of the month after `today`."""
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _branches_without_month(month: datetime.date) -> QuerySet[Organization]:
    """Managed branches whose current plan for that year has no item for that month (or that have no plan)."""
    planned = StudyPlanItem.objects.filter(
        plan__is_current=True, plan__is_template=False, plan__year=month.year, month=month.month
    ).values("plan__organization_id")
    return _managed_branches().exclude(pk__in=planned)


def monthly_plan_reminders_schedule(*, today: datetime.date) -> int:
    """Fan out the reminders about next month's plan: one task per chunk of branches that have none."""
    from study.tasks import monthly_plan_reminders_send

    organization_ids = _branches_without_month(next_month(today)).values_list("pk", flat=True)
    return _fan_out(monthly_plan_reminders_send, ids=organization_ids, argument="organization_ids", today=today)


def monthly_plan_reminders_send(*, organization_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """Remind the managers of each branch (among `organization_ids`) whose plan still has nothing for next
    month, once per branch and month. Two queries to build the messages."""
    month = next_month(today)
    branches = list(
        _branches_without_month(month).filter(pk__in=organization_ids).values_list("pk", "name").order_by("pk")
    )
    managers = manager_user_ids(organization_ids=(pk for pk, _name in branches))
    messages = []
    for organization_id, name in branches:
        title = _("%(org)s尚未安排%(year)d年%(month)d月的学习计划") % {
            "org": name,
            "year": month.year,
            "month": month.month,
        }
        body = _(
            "按照“年度有安排、月月有计划”的要求，请在%(month)d月开始前，在%(year)d年度学习计划中添加%(month)d月的学习内容。"
        ) % {"year": month.year, "month": month.month}
        url = reverse("study:plan_list", args=[organization_id])
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.MONTHLY_PLAN_MISSING,
                object_key=f"org:{organization_id}",
                period=f"{month:%Y-%m}",
                title=title,
                body=body,
                url=url,
            )
            for user_id in managers.get(organization_id, [])
        )
    return reminders_send(messages=messages, email=email)


# Annual plan not filed by 31 January (20 January – 1 February) ----------------------------------------------


@dataclass(frozen=True)
class _Branch:
    pk: int
    name: str
    path: str

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent (the branch itself excluded)."""
        return [int(part) for part in self.path.split("/") if part][:-1]


def _unfiled_branches(year: int) -> QuerySet[Organization]:
    """Managed branches with no filed (备案) plan for the year (any revision)."""
    filed = StudyPlan.objects.filter(year=year, is_template=False, status=PlanStatus.FILED).values("organization_id")
    return _managed_branches().exclude(pk__in=filed)


def _officers_above(branches: list[_Branch]) -> tuple[dict[int, list[_Branch]], dict[int, list[int]]]:
    """For each branch, the nearest committee above it where someone holds an officer or administrator role:
    (branches by that committee, officers by committee). One query."""
    ancestor_ids = {ancestor_id for branch in branches for ancestor_id in branch.ancestor_ids}
    officers: dict[int, set[int]] = defaultdict(set)
    for organization_id, user_id in Role.objects.filter(
        organization_id__in=ancestor_ids, kind__in=OFFICER_ROLE_KINDS, user__is_active=True
    ).values_list("organization_id", "user_id"):
        officers[organization_id].add(user_id)
    by_committee: dict[int, list[_Branch]] = defaultdict(list)
    for branch in branches:
        nearest = next((pk for pk in reversed(branch.ancestor_ids) if pk in officers), None)
        if nearest is not None:
            by_committee[nearest].append(branch)
    return by_committee, {pk: sorted(user_ids) for pk, user_ids in officers.items()}


def officers_are_reminded(today: datetime.date) -> bool:
    """From 1 February the officers above are told too: the deadline (31 January) has passed."""
    return (today.month, today.day) > ANNUAL_PLAN_DEADLINE


def annual_plan_reminders_schedule(*, today: datetime.date) -> int:
    """Fan out the reminders about the year's plan not filed: per chunk of branches to their managers and,
    from 1 February, per chunk of committees to their officers (one digest per committee)."""
    from study.tasks import annual_plan_officer_digests_send, annual_plan_reminders_send

    branches = [_Branch(*row) for row in _unfiled_branches(today.year).values_list("pk", "name", "path")]
    chunks = _fan_out(
        annual_plan_reminders_send, ids=(branch.pk for branch in branches), argument="organization_ids", today=today
    )
    if officers_are_reminded(today):
        by_committee, _officers = _officers_above(branches)
        chunks += _fan_out(annual_plan_officer_digests_send, ids=by_committee, argument="committee_ids", today=today)
    return chunks


def _current_plan_statuses(organization_ids: Iterable[int], year: int) -> dict[int, str]:
    return dict(
        StudyPlan.objects.filter(
            organization_id__in=list(organization_ids), year=year, is_template=False, is_current=True
        ).values_list("organization_id", "status")
    )


def annual_plan_reminders_send(*, organization_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """Remind the managers of each branch (among `organization_ids`) that has not had this year's plan filed,
    once per branch and year. Three queries to build the messages."""
    year = today.year
    branches = list(_unfiled_branches(year).filter(pk__in=organization_ids).values_list("pk", "name").order_by("pk"))
    statuses = _current_plan_statuses((pk for pk, _name in branches), year)
    managers = manager_user_ids(organization_ids=(pk for pk, _name in branches))
    next_step = {
        None: _("本支部还没有%(year)d年度学习计划，请尽快制定并报送上级党组织备案。"),
        PlanStatus.DRAFT: _("计划还是草稿，请完善后报送上级党组织备案。"),
        PlanStatus.RETURNED: _("计划已被退回，请按修改意见调整后重新报送。"),
        PlanStatus.SUBMITTED: _("计划已报送，正在等待上级党组织备案。"),
    }
    messages = []
    for organization_id, name in branches:
        status = statuses.get(organization_id)
        body = " ".join(
            [
                _("年度学习计划须在1月31日前报上级党组织备案。"),
                next_step.get(status, next_step[PlanStatus.DRAFT]) % {"year": year},
            ]
        )
        title = _("%(org)s的%(year)d年度学习计划尚未备案") % {"org": name, "year": year}
        url = reverse("study:plan_list", args=[organization_id])
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.ANNUAL_PLAN_NOT_FILED,
                object_key=f"org:{organization_id}",
                period=str(year),
                title=title,
                body=body,
                url=url,
            )
            for user_id in managers.get(organization_id, [])
        )
    return reminders_send(messages=messages, email=email)


def annual_plan_officer_digests_send(*, committee_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """After 31 January: one message per committee (among `committee_ids`) to its officers, listing the
    branches below — those for which it is the nearest committee with officers — whose plan is not filed yet.
    Once per committee and year. Four queries to build the messages."""
    if not officers_are_reminded(today):
        return 0
    year = today.year
    committees = {
        pk: (path, name)
        for pk, path, name in Organization.objects.filter(pk__in=committee_ids).values_list("pk", "path", "name")
    }
    in_subtrees = Q(pk__in=[])
    for path, _name in committees.values():
        in_subtrees |= Q(path__startswith=path)
    branches = [
        _Branch(*row)
        for row in _unfiled_branches(year).filter(in_subtrees).values_list("pk", "name", "path").order_by("path")
    ]
    by_committee, officers = _officers_above(branches)
    submitted = {
        organization_id
        for organization_id, status in _current_plan_statuses((branch.pk for branch in branches), year).items()
        if status == PlanStatus.SUBMITTED
    }
    messages = []
    for committee_id in sorted(committees):
        listed = by_committee.get(committee_id, [])
        if not listed:
            continue
        lines = [
            _("· %(org)s（已报送，待备案）") % {"org": branch.name}
            if branch.pk in submitted
            else _("· %(org)s") % {"org": branch.name}
            for branch in listed[:OFFICER_DIGEST_MAX_BRANCHES]
        ]
        if len(listed) > OFFICER_DIGEST_MAX_BRANCHES:
            lines.append(_("……等共%(n)d个党支部") % {"n": len(listed)})
        body = "\n".join(
            [
                _("年度学习计划应在1月31日前备案。截至%(date)s，以下党支部的%(year)d年度学习计划尚未备案：")
                % {"date": _day(today), "year": year},
                *lines,
            ]
        )
        title = _("%(org)s所属%(n)d个党支部的%(year)d年度学习计划尚未备案") % {
            "org": committees[committee_id][1],
            "n": len(listed),
            "year": year,
        }
        url = reverse("study:plan_filing_status", args=[committee_id])
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.ANNUAL_PLAN_NOT_FILED,
                object_key=f"org:{committee_id}",
                period=str(year),
                title=title,
                body=body,
                url=url,
            )
            for user_id in officers.get(committee_id, [])
        )
    return reminders_send(messages=messages, email=email)
