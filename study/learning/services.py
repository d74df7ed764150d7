"""Writes for members' study tasks (学习任务): generated when a plan is filed, for members who join later,
closed for members who leave (in bulk, batched); completing a task with a 心得; 补学 tasks for a meeting missed
on leave; the leading cadres' 个人自学计划 items."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Member, MemberStatus
from portal import hooks
from study.models import (
    REFLECTION_MAX_LENGTH,
    REFLECTION_MIN_LENGTH,
    CadreStudyItem,
    CadreStudyPlan,
    PlanStatus,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskKind,
    TaskStatus,
)
from study.plans.selectors import current_filed_plan

TASK_BATCH_SIZE = 5000


def tasks_sync_for_plan(*, plan: StudyPlan, due_from: datetime.date | None = None) -> int:
    """Make the filed plan's items the members' tasks (idempotent). Returns the number of tasks created.

    With `due_from`, only items due on or after that day (members who joined later in the year).
    """
    return tasks_generate(plans=[plan], due_from=due_from)


def tasks_generate(*, plans: list[StudyPlan], due_from: datetime.date | None = None) -> int:
    """Tasks for the items of `plans`, for the members of each plan's organisation in the item's audience.

    Three reads (items, members, existing tasks) and one insert whatever the number of plans; each item's
    audience is worked out in memory (item.addresses).
    """
    items = StudyPlanItem.objects.filter(plan__in=plans)
    if due_from:
        items = items.filter(due_date__gte=due_from)
    items = list(items.select_related("plan"))  # type: ignore[assignment]  # rebinds the argument as a list
    organization_ids = {plan.organization_id for plan in plans}
    members_by_org: dict[int, list[Member]] = {}
    for member in Member.objects.filter(organization_id__in=organization_ids, status=MemberStatus.ACTIVE).only(
        "pk", "organization_id", "group_id", "is_leading_cadre", "membership_type"
    ):
        members_by_org.setdefault(member.organization_id, []).append(member)
    existing = set(
        StudyTask.objects.filter(
            organization_id__in=organization_ids, item_key__in=[item.key for item in items]
        ).values_list("member_id", "item_key")
    )
    rows = [
        (member.pk, item.pk, item.key, item.plan.organization_id, item.due_date)
        for item in items
        for member in members_by_org.get(item.plan.organization_id, [])
        if item.addresses(member) and (member.pk, item.key) not in existing
    ]
    _tasks_insert(rows=rows)
    return len(rows)


def _tasks_insert(*, rows: list[tuple[int, int, uuid.UUID, int, datetime.date]]) -> None:
    """Insert open tasks (member, item, item key, organisation, due date); ones that exist already are skipped.

    On PostgreSQL one INSERT … SELECT FROM unnest(arrays) writes a whole plan's tasks: filing 2,000 plans is
    dominated by this, and building hundreds of model instances per plan costs more than the database work.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        StudyTask.objects.bulk_create(
            [
                StudyTask(
                    member_id=member_id, item_id=item_id, item_key=key, organization_id=organization_id, due_date=due
                )
                for member_id, item_id, key, organization_id, due in rows
            ],
            ignore_conflicts=True,  # a concurrent sync may have written the same (member, item) meanwhile
            batch_size=TASK_BATCH_SIZE,
        )
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), TASK_BATCH_SIZE * 10):
            member_ids, item_ids, keys, organization_ids, dues = (
                list(column) for column in zip(*rows[start : start + TASK_BATCH_SIZE * 10], strict=True)
            )
            cursor.execute(
                f"""
                INSERT INTO {StudyTask._meta.db_table}
                    (created_at, updated_at, member_id, item_id, item_key, organization_id, due_date, status,
                     reflection, closed_reason, kind, topic)
                SELECT %s, %s, t.member_id, t.item_id, t.item_key, t.organization_id, t.due_date, %s, '', '', %s, ''
                FROM unnest(%s::bigint[], %s::bigint[], %s::uuid[], %s::bigint[], %s::date[])
                    AS t(member_id, item_id, item_key, organization_id, due_date)
                ON CONFLICT (member_id, item_key) DO NOTHING
                """,  # noqa: S608 - the table name comes from the model, values are parameters
                [now, now, TaskStatus.OPEN, TaskKind.PLAN, member_ids, item_ids, keys, organization_ids, dues],
            )


def tasks_follow_revision(*, plan: StudyPlan) -> None:
    """Tasks of the previous revision follow their item by key; open tasks of dropped items are closed."""
    items = list(plan.items.all())
    for item in items:
        StudyTask.objects.filter(item__plan_id=plan.previous_revision_id, item_key=item.key).update(
            item=item, due_date=item.due_date
        )
    StudyTask.objects.filter(item__plan_id=plan.previous_revision_id, status=TaskStatus.OPEN).exclude(
        item_key__in=[item.key for item in items]
    ).update(status=TaskStatus.CLOSED, closed_reason=_("计划修订后取消"))


def audience_candidates(organization_id: int) -> list[Member]:
    """The branch's active members with just the fields `StudyPlanItem.addresses` reads."""
    return list(
        Member.objects.filter(organization_id=organization_id, status=MemberStatus.ACTIVE).only(
            "pk", "group_id", "is_leading_cadre", "membership_type"
        )
    )


@transaction.atomic
def organization_tasks_sync(*, organization_id: int, today: datetime.date | None = None) -> int:
    """Give every member of a branch the tasks still ahead in its filed plan (after a roster import)."""
    today = today or timezone.localdate()
    plan = current_filed_plan(organization_id=organization_id, year=today.year)
    return tasks_sync_for_plan(plan=plan, due_from=today) if plan else 0


@transaction.atomic
def member_tasks_sync(*, member_id: int, today: datetime.date | None = None) -> int:
    """Bring one member's tasks in line with where they are now.

    A member who joined a branch gets the tasks of its filed plan that are not yet due; open tasks from a
    branch they left, or of a member who is no longer active, are closed (never deleted).
    """
    today = today or timezone.localdate()
    member = Member.objects.select_related("organization").get(pk=member_id)
    closed = StudyTask.objects.filter(member=member, status=TaskStatus.OPEN)
    if member.status == MemberStatus.ACTIVE:
        closed = closed.exclude(organization_id=member.organization_id)
    closed.update(status=TaskStatus.CLOSED, closed_reason=_("组织关系转出或党籍变更"))
    if member.status != MemberStatus.ACTIVE:
        return 0
    plan = (
        StudyPlan.objects.filter(
            organization_id=member.organization_id, year=today.year, is_template=False, status=PlanStatus.FILED
        )
        .order_by("-revision")
        .first()
    )
    if plan is None:
        return 0
    tasks = [
        StudyTask(
            member=member,
            item=item,
            item_key=item.key,
            organization_id=member.organization_id,
            due_date=item.due_date,
        )
        for item in plan.items.filter(due_date__gte=today)
        if item.addresses(member)
    ]
    before = StudyTask.objects.filter(member=member).count()
    StudyTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return StudyTask.objects.filter(member=member).count() - before


@transaction.atomic
def task_complete(*, task: StudyTask, reflection: str) -> StudyTask:
    """Mark a task done with a short 心得 (plain text)."""
    reflection = reflection.strip()
    if len(reflection) < REFLECTION_MIN_LENGTH:
        raise ValidationError({"reflection": _("请写下至少%(n)d个字的学习心得。") % {"n": REFLECTION_MIN_LENGTH}})
    if len(reflection) > REFLECTION_MAX_LENGTH:
        raise ValidationError(
            {
                "reflection": _("学习心得不超过%(n)d个字（现有%(len)d个字）。")
                % {"n": REFLECTION_MAX_LENGTH, "len": len(reflection)}
            }
        )
    task = StudyTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.CLOSED:
        raise ValidationError(_("该学习任务已关闭。"))
    task.status = TaskStatus.DONE
    task.reflection = reflection
    task.completed_at = task.completed_at or timezone.now()
    task.save(update_fields=["status", "reflection", "completed_at", "updated_at"])
    # The branch's study-task completion travels up the roll-ups the dashboards read (reviews follows).
    for receiver in hooks.study_tasks_changed.receivers():
        receiver(organization_id=task.organization_id, years=[task.due_date.year])
    return task


@transaction.atomic
def cadre_item_save(*, member: Member, year: int, item: CadreStudyItem | None = None, **fields: Any) -> CadreStudyItem:
    """Add or change an item of a leading cadre's yearly 个人自学计划."""
    if not member.is_leading_cadre:
        raise ValidationError(_("个人自学计划适用于党员领导干部。"))
    plan, _created = CadreStudyPlan.objects.get_or_create(member=member, year=year)
    item = item or CadreStudyItem(plan=plan)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    return item
