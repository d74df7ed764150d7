"""Writes for study plans and their filing workflow: create, items, submit, return, file (备案, also many at
once), revise, district templates, copy of last year; the notices to the people who act next.

Source: seed §二.1 "年度有安排、月月有计划", §三 "党支部要制定年度计划并报上级党组织备案"."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import MembershipType, MemberStatus, Organization, User
from study.learning.services import audience_candidates, tasks_follow_revision, tasks_generate
from study.models import (
    Audience,
    PlanStatus,
    PlanStatusChange,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
)


def _log(plan: StudyPlan, *, from_status: str, by: User | None, comment: str = "") -> None:
    PlanStatusChange.objects.create(
        plan=plan, from_status=from_status, to_status=plan.status, changed_by=by, comment=comment
    )


@transaction.atomic
def plan_create(
    *, organization: Organization, year: int, title: str, created_by: User | None, is_template: bool = False
) -> StudyPlan:
    """Start an annual plan (or a committee's template) as a draft."""
    if StudyPlan.objects.filter(organization=organization, year=year, is_template=is_template).exists():
        raise ValidationError({"year": _("%(year)d年度的计划已存在，请在原计划上修改或修订。") % {"year": year}})
    plan = StudyPlan(organization=organization, year=year, title=title, is_template=is_template)
    plan.full_clean()
    plan.save()
    _log(plan, from_status="", by=created_by)
    return plan


def _validate_item(plan: StudyPlan, item: StudyPlanItem) -> None:
    errors = {}
    if item.due_date and item.due_date.year != plan.year:
        errors["due_date"] = _("完成期限须在计划年度（%(year)d年）内。") % {"year": plan.year}
    elif item.due_date and item.month and item.due_date.month < item.month:
        errors["due_date"] = _("完成期限不能早于所在月份。")
    if item.audience == Audience.GROUP:
        if item.group_id is None:
            errors["group"] = _("学习对象为党小组时，请选择党小组。")
        elif item.group.organization_id != plan.organization_id:  # type: ignore[union-attr]  # group_id set: group is not None
            errors["group"] = _("党小组须属于本支部。")
    elif item.group_id is not None:
        errors["group"] = _("只有学习对象为党小组时才选择党小组。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_item_save(
    *, plan: StudyPlan, item: StudyPlanItem | None = None, materials: Iterable[StudyMaterial] = (), **fields: Any
) -> StudyPlanItem:
    """Add or change one item of an editable plan."""
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_editable:
        raise ValidationError(_("计划已报送或已备案，不能修改；如需调整请先修订。"))
    item = item or StudyPlanItem(plan=plan)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean(exclude=["plan"])
    _validate_item(plan, item)
    item.save()
    item.materials.set(materials)
    return item


@transaction.atomic
def plan_item_delete(*, item: StudyPlanItem) -> None:
    if not item.plan.is_editable:
        raise ValidationError(_("计划已报送或已备案，不能修改；如需调整请先修订。"))
    item.delete()


def audience_members(*, organization: Organization, item: StudyPlanItem) -> Q:
    """Which active members of the organisation an item addresses, as a filter on Member."""
    q = Q(organization=organization, status=MemberStatus.ACTIVE)
    if item.audience == Audience.GROUP:
        q &= Q(group_id=item.group_id)
    elif item.audience == Audience.LEADING_CADRES:
        q &= Q(is_leading_cadre=True)
    elif item.audience == Audience.PROBATIONARY:
        q &= Q(membership_type=MembershipType.PROBATIONARY)
    return q


@transaction.atomic
def plan_submit(*, plan: StudyPlan, submitted_by: User) -> StudyPlan:
    """Draft or returned → submitted (报送备案). Checks that every item has someone to study it."""
    plan = StudyPlan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    if plan.is_template:
        raise ValidationError(_("模板计划无需报送备案，请直接下发。"))
    if plan.status == PlanStatus.SUBMITTED:
        raise ValidationError(_("计划已报送，正在等待上级党组织备案，请勿重复报送。"))
    if plan.status == PlanStatus.FILED:
        raise ValidationError(_("计划已备案。如需调整，请先修订。"))
    items = list(plan.items.select_related("group"))
    if not items:
        raise ValidationError(_("计划还没有学习内容，请先添加各月的学习条目。"))
    months = {item.month for item in items}
    members = audience_candidates(plan.organization_id)
    errors = [
        _("%(month)d月“%(topic)s”的学习对象（%(audience)s）中没有党员。")
        % {"month": item.month, "topic": item.topic, "audience": item.get_audience_display()}
        for item in items
        if not any(item.addresses(member) for member in members)
    ]
    if errors:
        raise ValidationError(errors)
    from_status = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    missing = sorted(set(range(1, 13)) - months)
    # Not an error (a plan may start mid-year), but the officer should see it.
    note = _("以下月份暂无学习安排：%(months)s") % {"months": "、".join(f"{m}月" for m in missing)} if missing else ""
    _log(plan, from_status=from_status, by=submitted_by, comment=note)
    transaction.on_commit(lambda: _notify_plan_submitted(plan_id=plan.pk))
    return plan


def _notify_plan_submitted(*, plan_id: int) -> None:
    from study.tasks import plan_submitted_notify

    plan_submitted_notify.delay(plan_id=plan_id)


@transaction.atomic
def plan_return(*, plan: StudyPlan, returned_by: User, comment: str) -> StudyPlan:
    """Submitted → returned with the officer's comments."""
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("只有已报送的计划可以退回。"))
    if not comment.strip():
        raise ValidationError({"comment": _("退回时请写明修改意见。")})
    plan.status = PlanStatus.RETURNED
    plan.save(update_fields=["status", "updated_at"])
    _log(plan, from_status=PlanStatus.SUBMITTED, by=returned_by, comment=comment.strip())
    transaction.on_commit(lambda: _notify_plan_decided(plan_id=plan.pk))
    return plan


@transaction.atomic
def plan_file(*, plan: StudyPlan, filed_by: User, comment: str = "") -> StudyPlan:
    """Submitted → filed (备案). The plan becomes read-only and its items become members' tasks."""
    plan = StudyPlan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("只有已报送的计划可以备案。"))
    plans_file(plans=[plan], filed_by=filed_by, comment=comment)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plans_file(*, plans: list[StudyPlan], filed_by: User, comment: str = "") -> int:
    """File (备案) many submitted plans at once — a committee facing hundreds of submissions.

    All or nothing: a plan that is not waiting for 备案 stops the whole batch with its name. The tasks of all
    the plans are generated together, in a fixed number of statements whatever the number of plans.
    """
    ids = [plan.pk for plan in plans]
    locked = list(StudyPlan.objects.select_for_update().filter(pk__in=ids).select_related("organization"))
    not_waiting = [plan for plan in locked if plan.status != PlanStatus.SUBMITTED]
    if not_waiting:
        raise ValidationError(
            _("只有已报送的计划可以备案：%(names)s")
            % {"names": "、".join(p.organization.name for p in not_waiting[:5])}
        )
    now = timezone.now()
    StudyPlan.objects.filter(pk__in=ids).update(status=PlanStatus.FILED, filed_at=now, updated_at=now)
    PlanStatusChange.objects.bulk_create(
        [
            PlanStatusChange(
                plan=plan,
                from_status=PlanStatus.SUBMITTED,
                to_status=PlanStatus.FILED,
                changed_by=filed_by,
                comment=comment,
            )
            for plan in locked
        ]
    )
    for plan in locked:
        if plan.previous_revision_id:
            tasks_follow_revision(plan=plan)
    tasks_generate(plans=locked)
    for plan in locked:
        transaction.on_commit(lambda plan_id=plan.pk: _notify_plan_decided(plan_id=plan_id))  # type: ignore[misc]  # the default binds the id
    return len(locked)


@transaction.atomic
def plans_file_waiting(*, plan_ids: list[int], filed_by: User, comment: str = "") -> tuple[int, int]:
    """File the plans among `plan_ids` that are still waiting for 备案 and skip the others (already filed, or
    returned meanwhile): one chunk of a bulk 备案 job, safe to run again. Returns (filed, skipped)."""
    waiting = list(
        StudyPlan.objects.select_for_update()
        .filter(pk__in=plan_ids, status=PlanStatus.SUBMITTED)
        .select_related("organization")
        .order_by("pk")
    )
    filed = plans_file(plans=waiting, filed_by=filed_by, comment=comment) if waiting else 0
    return filed, len(plan_ids) - filed


def _notify_plan_decided(*, plan_id: int) -> None:
    from study.tasks import plan_decided_notify

    plan_decided_notify.delay(plan_id=plan_id)


def _copy_items(source: StudyPlan, target: StudyPlan, *, keep_keys: bool, year_shift: int = 0) -> None:
    items = list(source.items.prefetch_related("materials"))
    copies = []
    for item in items:
        due = item.due_date
        if year_shift:
            try:
                due = due.replace(year=due.year + year_shift)
            except ValueError:  # 29 February
                due = due.replace(year=due.year + year_shift, day=28)
        group_id = item.group_id if source.organization_id == target.organization_id else None
        copies.append(
            StudyPlanItem(
                plan=target,
                key=item.key if keep_keys else uuid.uuid4(),
                month=item.month,
                topic=item.topic,
                form=item.form,
                audience=item.audience if group_id or item.audience != Audience.GROUP else Audience.ALL,
                group_id=group_id,
                due_date=due,
                hours=item.hours,
            )
        )
    created = StudyPlanItem.objects.bulk_create(copies)
    through = StudyPlanItem.materials.through
    through.objects.bulk_create(
        [
            through(studyplanitem_id=copy.pk, studymaterial_id=material.pk)
            for original, copy in zip(items, created, strict=True)
            for material in original.materials.all()
        ]
    )


@transaction.atomic
def plan_revise(*, plan: StudyPlan, revised_by: User) -> StudyPlan:
    """A filed plan stays as it was; the change is a new draft revision that is filed again."""
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.FILED or not plan.is_current:
        raise ValidationError(_("只有当前已备案的计划可以修订。"))
    StudyPlan.objects.filter(pk=plan.pk).update(is_current=False)
    revision = StudyPlan.objects.create(
        organization=plan.organization,
        year=plan.year,
        revision=plan.revision + 1,
        title=plan.title,
        template=plan.template,
        previous_revision=plan,
        is_current=True,
    )
    _copy_items(plan, revision, keep_keys=True)
    _log(revision, from_status="", by=revised_by, comment=_("由第%(n)d版修订") % {"n": plan.revision})
    return revision


@transaction.atomic
def template_publish(*, plan: StudyPlan, published_by: User) -> StudyPlan:
    """A committee's template becomes available to every branch in its subtree."""
    if not plan.is_template:
        raise ValidationError(_("只有模板计划可以下发。"))
    if not plan.items.exists():
        raise ValidationError(_("模板还没有学习内容。"))
    plan.published_at = timezone.now()
    plan.save(update_fields=["published_at", "updated_at"])
    _log(plan, from_status=plan.status, by=published_by, comment=_("模板已下发"))
    return plan


@transaction.atomic
def plan_adopt_template(*, template: StudyPlan, organization: Organization, adopted_by: User | None) -> StudyPlan:
    """In one action, a branch starts its year's plan from a committee's template, then adapts it."""
    if not template.is_template or template.published_at is None:
        raise ValidationError(_("该模板尚未下发。"))
    if not organization.path.startswith(template.organization.path):
        raise ValidationError(_("只能采用上级党组织下发的模板。"))
    plan = plan_create(organization=organization, year=template.year, title=template.title, created_by=adopted_by)
    plan.template = template
    plan.save(update_fields=["template"])
    _copy_items(template, plan, keep_keys=False)
    return plan


@transaction.atomic
def plan_copy_previous_year(*, organization: Organization, year: int, copied_by: User | None) -> StudyPlan:
    """Start this year's plan from last year's current plan, dates moved on by a year."""
    previous = StudyPlan.objects.filter(
        organization=organization, year=year - 1, is_template=False, is_current=True
    ).first()
    if previous is None:
        raise ValidationError(_("%(year)d年没有可复制的学习计划。") % {"year": year - 1})
    plan = plan_create(
        organization=organization,
        year=year,
        title=previous.title.replace(str(year - 1), str(year)),
        created_by=copied_by,
    )
    _copy_items(previous, plan, keep_keys=False, year_shift=1)
    return plan


def _officer_ids_above(organization: Organization) -> list[int]:
    """Users holding an officer or administrator role at the nearest committee above that has any."""
    from branches.models import Role, RoleKind

    roles = Role.objects.filter(
        organization_id__in=[int(part) for part in organization.path.split("/") if part][:-1],
        kind__in=[RoleKind.OFFICER, RoleKind.ADMINISTRATOR],
    ).values_list("user_id", "organization__depth")
    if not roles:
        return []
    nearest = max(depth for _user, depth in roles)
    return sorted({user_id for user_id, depth in roles if depth == nearest})


def _manager_ids_of(organization: Organization) -> list[int]:
    from branches.models import MANAGING_ROLE_KINDS, Role

    return list(
        Role.objects.filter(organization=organization, kind__in=MANAGING_ROLE_KINDS)
        .values_list("user_id", flat=True)
        .distinct()
    )


def plan_submitted_notify(*, plan_id: int) -> int:
    """Tell the officers of the committee above that a plan waits for 备案 (once per plan revision)."""
    from notifications.models import ReminderKind
    from notifications.services import ReminderMessage, reminders_send

    plan = StudyPlan.objects.select_related("organization").get(pk=plan_id)
    title = _("%(org)s报送了%(year)d年度学习计划，请审核备案") % {"org": plan.organization.name, "year": plan.year}
    return reminders_send(
        messages=[
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.PLAN_SUBMITTED,
                object_key=f"plan:{plan.pk}",
                period=plan.submitted_at.strftime("%Y%m%d%H%M%S") if plan.submitted_at else str(plan.year),
                title=title,
                body=title,
                url=plan.get_absolute_url(),
            )
            for user_id in _officer_ids_above(plan.organization)
        ]
    )


def plan_decided_notify(*, plan_id: int) -> int:
    """Tell the branch's secretary and organiser that their plan was filed or returned."""
    from notifications.models import ReminderKind
    from notifications.services import ReminderMessage, reminders_send

    plan = StudyPlan.objects.select_related("organization").get(pk=plan_id)
    last = plan.history.order_by("-pk").first()
    if plan.status == PlanStatus.FILED:
        title = _("%(year)d年度学习计划已备案") % {"year": plan.year}
    else:
        title = _("%(year)d年度学习计划被退回，请按意见修改") % {"year": plan.year}
    return reminders_send(
        messages=[
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.PLAN_DECIDED,
                object_key=f"plan:{plan.pk}",
                period=f"{plan.status}:{last.pk if last else 0}",
                title=title,
                body=(last.comment if last and last.comment else title),
                url=plan.get_absolute_url(),
            )
            for user_id in _manager_ids_of(plan.organization)
        ]
    )
