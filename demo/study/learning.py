"""The study demo's member tasks (past months mostly done with a 心得, this month partly, a few overdue), the
leading cadres' 个人自学计划 and the reminders the demo branch has received."""

from __future__ import annotations

import calendar
import datetime

from django.db import transaction

from branches.models import (
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
)
from demo.study.context import _at, _Context, _Item, _moment, _PlanRows, _reflection
from demo.study.tables import (
    CADRE_ITEMS,
    CADRE_PLANS,
    CITY_CODE,
    COMMITTEE_CODE,
    DEMO_BRANCH_CODE,
    DISTRICT_CODE,
    LATER,
    PAST,
    THIS_MONTH,
    _rng,
)
from study import reminders
from study.learning import services as learning_services
from study.models import (
    CadreStudyPlan,
    StudyTask,
    TaskStatus,
)
from study.plans import services as services


class _TaskMaker:
    """Builds StudyTask instances quickly: positional arguments in the model's field order, starting from the
    model's own defaults (half a million tasks for 2,000 branches: keyword arguments cost a third of the time)."""

    def __init__(self) -> None:
        names = [field.attname for field in StudyTask._meta.concrete_fields]
        prototype = StudyTask()
        self.defaults = [getattr(prototype, name) for name in names]
        index = {name: number for number, name in enumerate(names)}
        self.member = index["member_id"]
        self.item = index["item_id"]
        self.item_key = index["item_key"]
        self.organization = index["organization_id"]
        self.due_date = index["due_date"]
        self.status = index["status"]
        self.completed_at = index["completed_at"]
        self.reflection = index["reflection"]


def _tasks_for(context: _Context, row: _PlanRows, maker: _TaskMaker) -> list[StudyTask]:
    """What `tasks_sync_for_plan` gives the members when the plan is filed, and what they did since."""
    today = context.today
    story_end = context.story_end
    branch = row.branch
    filed_at = row.plan.filed_at
    rng = _rng(context.seed, "diligence", branch.code)
    diligence = rng.uniform(0.45, 0.75) if branch.is_weak else rng.triangular(0.8, 1.0, 0.95)
    month_start = _at(today.replace(day=1), 8)
    yesterday_evening = _at(today - datetime.timedelta(days=1), 22)
    this_month_share = (today.day - 1) / calendar.monthrange(today.year, today.month)[1]
    items = []
    for item, item_row in zip(row.items, row.item_rows, strict=True):
        due = item.due_date
        if due < today:
            when = PAST
        elif (due.year, due.month) == (today.year, today.month):
            when = THIS_MONTH
        else:
            when = LATER
        months_ago = (today.year - due.year) * 12 + today.month - due.month
        start = max(filed_at, _at(datetime.date(due.year, item.month, 1), 8))
        items.append((item, item_row, when, months_ago, start, _at(due, 22)))
    tasks = []
    for member in branch.members:
        member_rng = _rng(context.seed, "member", member.digest)
        joined = None
        if member.started_on and member.started_on > filed_at.date():
            joined = _at(member.started_on, 9)
        factor = member_rng.uniform(0.3, 0.7) if member_rng.random() < 0.1 else 1.0
        addressed = [
            entry
            for entry in items
            if member.addressed_by(entry[0]) and (joined is None or entry[0].due_date >= member.started_on)
        ]
        forced = _demo_outcomes(member.username, [entry[0] for entry in addressed], today)
        for item, item_row, when, months_ago, start, due_evening in addressed:
            low = max(start, joined) if joined else start
            if when == PAST:  # mostly done, a few overdue
                done = member_rng.random() < diligence * factor + 0.02 * months_ago
                high = due_evening
                if member_rng.random() < 0.08:  # done a few days late
                    high = min(high + datetime.timedelta(days=member_rng.randint(1, 10)), story_end)
            elif when == THIS_MONTH:  # partly done
                low = max(low, month_start)
                high = yesterday_evening
                done = high >= low and member_rng.random() < diligence * factor * this_month_share
            else:
                done, high = False, low
            if forced is not None and item in forced:
                done = forced[item]
                high = max(high, low)
            values = maker.defaults.copy()
            values[maker.member] = member.pk
            values[maker.item] = item_row.pk
            values[maker.item_key] = item_row.key
            values[maker.organization] = branch.pk
            values[maker.due_date] = item.due_date
            if done:
                values[maker.status] = TaskStatus.DONE
                values[maker.completed_at] = _moment(member_rng, low, min(high, story_end))
                values[maker.reflection] = _reflection(member_rng, keyword=item.keyword, category=branch.category)
            tasks.append(StudyTask(*values))
    return tasks


def _demo_outcomes(username: str | None, items: list[_Item], today: datetime.date) -> dict[_Item, bool] | None:
    """The demo logins' tasks are not left to chance.

    `member`: every past task done except the latest one and, from six past tasks on, one three tasks earlier
    (overdue); this month's all open, except when nothing is past yet (January), when the template's item is
    done, so that something is done.
    `secretary`: everything past done, this month's template item done, the branch's own items open.
    """
    if username not in ("member", "secretary"):
        return None
    past = [item for item in items if item.due_date < today]
    this_month = [item for item in items if item.due_date >= today and item.month == today.month]
    outcome = {item: True for item in past}
    outcome.update({item: False for item in this_month})
    if username == "member":
        overdue = past[-1:] + (past[-4:-3] if len(past) >= 6 else [])
        outcome.update({item: False for item in overdue})
        if not past:
            outcome.update({item: True for item in this_month if not item.own})
    else:
        outcome.update({item: True for item in this_month if not item.own})
    return outcome


def _cadre_plans_ensure(context: _Context) -> None:
    """A 个人自学计划 for the first leading cadres of 东城 (by branch code), through `cadre_item_save`."""
    today = context.today
    cadres = list(
        Member.objects.filter(
            organization__path__startswith=context.district.path,
            organization__kind=OrganizationKind.BRANCH,
            status=MemberStatus.ACTIVE,
            is_leading_cadre=True,
        )
        .select_related("organization")
        .order_by("organization__code", "id_number_digest")[:CADRE_PLANS]
    )
    have_plans = set(
        CadreStudyPlan.objects.filter(member__in=cadres, year=context.year).values_list("member_id", flat=True)
    )
    for member in cadres:
        if member.pk in have_plans:
            continue
        rng = _rng(context.seed, "cadre", member.id_number_digest)
        with transaction.atomic():
            for month, title, note in CADRE_ITEMS:
                if month < today.month:
                    progress = 100 if rng.random() < 0.85 else rng.choice((60, 80))
                elif month == today.month:
                    progress = rng.choice((20, 40, 50))
                else:
                    progress = 0
                learning_services.cadre_item_save(
                    member=member,
                    year=context.year,
                    title=title,
                    target_month=month,
                    progress=progress,
                    note=note if progress else "",
                )
        context.result.cadre_plans_created += 1


def _reminders_send(context: _Context) -> int:
    """The scheduled reminders for the demo branch and the demo committees, through `study.reminders`.

    Inbox only: the demo addresses do not exist, and the console backend would print every e-mail.
    """
    today = context.today
    branch_ids = list(Organization.objects.filter(code=DEMO_BRANCH_CODE).values_list("pk", flat=True))
    committee_ids = list(
        Organization.objects.filter(code__in=[CITY_CODE, DISTRICT_CODE, COMMITTEE_CODE]).values_list("pk", flat=True)
    )
    sent = 0
    if branch_ids:
        sent += reminders.due_task_reminders_send(organization_ids=branch_ids, today=today, email=False)
        sent += reminders.overdue_task_digests_send(organization_ids=branch_ids, today=today, email=False)
        sent += reminders.monthly_plan_reminders_send(organization_ids=branch_ids, today=today, email=False)
    sent += reminders.annual_plan_officer_digests_send(committee_ids=committee_ids, today=today, email=False)
    return sent
