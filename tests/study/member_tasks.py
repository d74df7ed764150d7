"""Tasks for the member-side tests at any date: a filed plan row per branch and year, one item per task.

The plan services check that due dates lie in the plan's year and month; the member's page must be tested
around "today", whatever day the suite runs, so these rows are written directly (the same rows
tasks_sync_for_plan writes).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from branches.models import Member
from study.models import PlanStatus, StudyForm, StudyMaterial, StudyPlan, StudyPlanItem, StudyTask, TaskStatus


def filed_plan_for(member: Member, year: int) -> StudyPlan:
    plan, _created = StudyPlan.objects.get_or_create(
        organization=member.organization,
        year=year,
        is_template=False,
        revision=1,
        defaults={"title": f"{year}年度学习计划", "status": PlanStatus.FILED, "filed_at": timezone.now()},
    )
    return plan


def make_task(
    member: Member,
    *,
    due: datetime.date,
    topic: str = "学习党章",
    hours: str | int = 2,
    form: str = StudyForm.SELF_STUDY,
    materials: Iterable[StudyMaterial] = (),
    done_at: datetime.datetime | None = None,
    reflection: str = "",
    status: str | None = None,
) -> StudyTask:
    item = StudyPlanItem.objects.create(
        plan=filed_plan_for(member, due.year),
        month=due.month,
        topic=topic,
        form=form,
        due_date=due,
        hours=Decimal(str(hours)),
    )
    item.materials.set(materials)
    return StudyTask.objects.create(
        member=member,
        item=item,
        item_key=item.key,
        organization=member.organization,
        due_date=due,
        status=status or (TaskStatus.DONE if done_at else TaskStatus.OPEN),
        completed_at=done_at,
        reflection=reflection or ("认真学习了党章，体会很深。" if done_at else ""),
    )


def make_many_tasks(member: Member, *, count: int, due: datetime.date, materials: Iterable[StudyMaterial] = ()):
    """`count` open tasks due on one day, each item linked to the materials (bulk writes)."""
    plan = filed_plan_for(member, due.year)
    items = StudyPlanItem.objects.bulk_create(
        StudyPlanItem(plan=plan, month=due.month, topic=f"专题学习{i}", due_date=due, hours=1) for i in range(count)
    )
    materials = list(materials)
    through = StudyPlanItem.materials.through
    through.objects.bulk_create(
        through(studyplanitem_id=item.pk, studymaterial_id=material.pk) for item in items for material in materials
    )
    return StudyTask.objects.bulk_create(
        StudyTask(member=member, item=item, item_key=item.key, organization=member.organization, due_date=due)
        for item in items
    )
