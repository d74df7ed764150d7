"""The study demo's branch plans: which state each branch's plan is in (adopted, submitted, returned, filed…),
its items, and the rows `plan_adopt_template` … `plan_file` would write, in bulk."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from branches.models import (
    MANAGING_ROLE_KINDS,
    Member,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationKind,
    Role,
    RoleKind,
    User,
)
from demo.study.context import _at, _Branch, _Context, _Item, _Member, _month_end, _PlanRows
from demo.study.learning import _TaskMaker, _tasks_for
from demo.study.tables import (
    DEMO_BRANCH_CODE,
    DRAFT,
    FILE_COMMENTS,
    FILED,
    KEYWORDS,
    OWN_ITEM_DISTRICT,
    OWN_ITEM_THEME_DAY,
    OWN_KEYWORDS,
    PARTIAL,
    RETURN_COMMENTS,
    RETURNED,
    SHOWCASE_STATES,
    STATE_THRESHOLDS,
    SUBMITTED,
    TASK_BATCH_SIZE,
    _rng,
)
from notifications.models import Notification, ReminderKind
from notifications.services import notification_mark_read
from study.models import (
    Audience,
    PlanStatus,
    PlanStatusChange,
    StudyForm,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
)
from study.plans import services as services


def _state_of(branch: _Branch, seed: int) -> str:
    if branch.code == DEMO_BRANCH_CODE:
        return FILED
    if branch.code in SHOWCASE_STATES:
        return SHOWCASE_STATES[branch.code]
    roll = _rng(seed, "state", branch.code).random()
    if branch.is_weak:
        roll *= 0.35  # weak branches (软弱涣散) are behind more often
    return next((state for state, threshold in STATE_THRESHOLDS if roll < threshold), FILED)


def _branches_to_plan(*, city: Organization, year: int) -> list[_Branch]:
    """The branches under the 市委 with active members and no plan for the year yet, by code."""
    planned = StudyPlan.objects.filter(year=year, is_template=False).values("organization_id")
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return [
        _Branch(*row)
        for row in Organization.objects.filter(
            path__startswith=city.path, kind=OrganizationKind.BRANCH, pk__in=with_members
        )
        .exclude(pk__in=planned)
        .order_by("code")
        .values_list("pk", "code", "path", "category", "is_weak")
    ]


def _officers() -> dict[int, list[int]]:
    officers: dict[int, set[int]] = defaultdict(set)
    for organization_id, user_id in Role.objects.filter(
        kind__in=[RoleKind.OFFICER, RoleKind.ADMINISTRATOR], user__is_active=True
    ).values_list("organization_id", "user_id"):
        officers[organization_id].add(user_id)
    return {organization_id: sorted(user_ids) for organization_id, user_ids in officers.items()}


def _managers(branch_ids: Iterable[int]) -> dict[int, int]:
    """For each branch, its secretary's account (or another manager's): who adopts and submits the plan."""
    rank = {kind: number for number, kind in enumerate((RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY))}
    best: dict[int, tuple[int, int]] = {}
    ids = list(branch_ids)
    for start in range(0, len(ids), 1000):
        for organization_id, kind, user_id in Role.objects.filter(
            organization_id__in=ids[start : start + 1000], kind__in=MANAGING_ROLE_KINDS
        ).values_list("organization_id", "kind", "user_id"):
            key = (rank.get(kind, len(rank)), user_id)
            if organization_id not in best or key < best[organization_id]:
                best[organization_id] = key
    return {organization_id: user_id for organization_id, (_rank, user_id) in best.items()}


def _load_members(branches: list[_Branch]) -> None:
    """Each branch's active members, with the day they joined it (their open membership). Two queries."""
    by_pk = {branch.pk: branch for branch in branches}
    started = dict(
        Membership.objects.filter(organization_id__in=by_pk, ended_on__isnull=True).values_list(
            "member_id", "started_on"
        )
    )
    for pk, organization_id, cadre, membership_type, digest, username in (
        Member.objects.filter(organization_id__in=by_pk, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "pk")
        .values_list(
            "pk", "organization_id", "is_leading_cadre", "membership_type", "id_number_digest", "user__username"
        )
    ):
        by_pk[organization_id].members.append(
            _Member(
                pk=pk,
                is_leading_cadre=cadre,
                is_probationary=membership_type == MembershipType.PROBATIONARY,
                digest=digest,
                username=username,
                started_on=started.get(pk),
            )
        )


def _items_for(context: _Context, branch: _Branch, state: str) -> list[_Item]:
    """What the branch's plan holds: the template's items (outside 东城, the same items with the materials that
    reach the branch), without the items nobody in the branch is addressed by (a branch deletes them before it
    can submit), without the months after this one for a plan that stops there; the demo branch adds two
    items of its own this month."""
    items = []
    for item in context.template_items:
        materials = tuple(
            material.pk
            for material in item.materials.all()
            if branch.path.startswith(context.material_paths.get(material.pk, "-"))
        )
        items.append(
            _Item(
                month=item.month,
                topic=item.topic,
                form=item.form,
                audience=item.audience,
                due_date=item.due_date,
                hours=item.hours,
                material_ids=materials,
                keyword=KEYWORDS.get(item.topic, "本月学习内容"),
            )
        )
    if branch.code == DEMO_BRANCH_CODE:
        items.extend(_own_items(context))
    if state == PARTIAL:
        items = [item for item in items if item.month <= context.today.month]
    if state != DRAFT:
        items = [item for item in items if any(member.addressed_by(item) for member in branch.members)]
    return items


def _own_items(context: _Context) -> list[_Item]:
    """The demo branch adapts the template: a 主题党日 due within three days and a district material, this month."""
    today = context.today
    month_end = _month_end(today.year, today.month)
    theme_day = min(today + datetime.timedelta(days=2), month_end)
    materials = context.materials
    return [
        _Item(
            month=today.month,
            topic=OWN_ITEM_THEME_DAY % {"month": today.month},
            form=StudyForm.COLLECTIVE,
            audience=Audience.ALL,
            due_date=theme_day,
            hours=Decimal(2),
            material_ids=(materials["charter_members"].pk,),
            keyword="入党誓词",
            own=True,
        ),
        _Item(
            month=today.month,
            topic=OWN_ITEM_DISTRICT,
            form=StudyForm.SELF_STUDY,
            audience=Audience.ALL,
            due_date=month_end,
            hours=Decimal(1),
            material_ids=(materials["district_arrangement"].pk,),
            keyword=OWN_KEYWORDS[OWN_ITEM_DISTRICT],
            own=True,
        ),
    ]


def _submit_note(items: Iterable[_Item]) -> str:
    """The comment `plan_submit` writes when some months have no item."""
    missing = sorted(set(range(1, 13)) - {item.month for item in items})
    return _("以下月份暂无学习安排：%(months)s") % {"months": "、".join(f"{m}月" for m in missing)} if missing else ""


def _plan_rows(context: _Context, branch: _Branch, state: str) -> _PlanRows:
    """The plan, its items and its history for one branch, with the dates of the story."""
    rng = _rng(context.seed, "plan", branch.code)
    cap = context.story_end
    manager = context.managers.get(branch.pk)
    officer = context.officer_above(branch)
    items = _items_for(context, branch, state)
    if state in (FILED, PARTIAL):  # adopted in December or early January, filed in January
        created = min(_at(context.template_published_at.date(), rng.randint(9, 16)) + _days(rng, 1, 20), cap)
    else:  # the branches that are behind started later
        latest = max(20, (context.today - context.template_published_at.date()).days - 3)
        created = min(_at(context.template_published_at.date(), rng.randint(9, 16)) + _days(rng, 20, latest), cap)
    submitted = min(created + _days(rng, 1, 10), cap)
    decided = min(submitted + _days(rng, 1, 6), cap)
    in_district = branch.path.startswith(context.district.path)
    status = {DRAFT: PlanStatus.DRAFT, SUBMITTED: PlanStatus.SUBMITTED, RETURNED: PlanStatus.RETURNED}.get(
        state, PlanStatus.FILED
    )
    plan = StudyPlan(
        organization_id=branch.pk,
        year=context.year,
        title=context.template.title,
        status=status,
        template=context.template if in_district else None,
        is_current=True,
        submitted_at=submitted if status != PlanStatus.DRAFT else None,
        filed_at=decided if status == PlanStatus.FILED else None,
    )
    history = [("", PlanStatus.DRAFT, manager, created, "")]
    if status != PlanStatus.DRAFT:
        history.append((PlanStatus.DRAFT, PlanStatus.SUBMITTED, manager, submitted, _submit_note(items)))
    if status == PlanStatus.FILED:
        history.append((PlanStatus.SUBMITTED, PlanStatus.FILED, officer, decided, rng.choice(FILE_COMMENTS)))
    elif status == PlanStatus.RETURNED:
        history.append((PlanStatus.SUBMITTED, PlanStatus.RETURNED, officer, decided, rng.choice(RETURN_COMMENTS)))
    return _PlanRows(branch=branch, state=state, plan=plan, items=items, history=history, rng=rng)


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high), minutes=rng.randint(0, 59))


def _write_plans(context: _Context, chunk: list[tuple[_Branch, str]]) -> None:
    """Plans, items, item materials, history and (for filed plans) tasks of a chunk of branches, in bulk."""
    rows = [_plan_rows(context, branch, state) for branch, state in chunk]
    StudyPlan.objects.bulk_create([row.plan for row in rows], batch_size=1000)
    for row in rows:
        row.item_rows = [
            StudyPlanItem(
                plan=row.plan,
                key=uuid.UUID(int=row.rng.getrandbits(128), version=4),
                month=item.month,
                topic=item.topic,
                form=item.form,
                audience=item.audience,
                due_date=item.due_date,
                hours=item.hours,
            )
            for item in row.items
        ]
    StudyPlanItem.objects.bulk_create([item for row in rows for item in row.item_rows], batch_size=2000)
    through = StudyPlanItem.materials.through
    through.objects.bulk_create(
        [
            through(studyplanitem_id=item_row.pk, studymaterial_id=material_id)
            for row in rows
            for item, item_row in zip(row.items, row.item_rows, strict=True)
            for material_id in item.material_ids
        ],
        batch_size=2000,
    )
    changes = [
        PlanStatusChange(plan=row.plan, from_status=old, to_status=new, changed_by_id=by, comment=comment)
        for row in rows
        for old, new, by, _at_, comment in row.history
    ]
    PlanStatusChange.objects.bulk_create(changes, batch_size=2000)
    # changed_at is auto_now_add: bulk_create stamps "now", the story's dates come after.
    moments = [at for row in rows for _old, _new, _by, at, _comment in row.history]
    for change, moment in zip(changes, moments, strict=True):
        change.changed_at = moment
    PlanStatusChange.objects.bulk_update(changes, ["changed_at"], batch_size=1000)
    context.result.plans_created += len(rows)

    maker = _TaskMaker()
    tasks = [task for row in rows if row.plan.status == PlanStatus.FILED for task in _tasks_for(context, row, maker)]
    StudyTask.objects.bulk_create(tasks, batch_size=TASK_BATCH_SIZE)
    context.result.tasks_created += len(tasks)


def _showcase_plan(context: _Context, branch: _Branch, state: str) -> None:
    """Draft, submitted or returned, now, through the services (which notify the officers and the branch)."""
    manager = User.objects.filter(pk=context.managers.get(branch.pk)).first()
    organization = Organization.objects.get(pk=branch.pk)
    plan = services.plan_adopt_template(template=context.template, organization=organization, adopted_by=manager)
    context.result.plans_created += 1
    if state == DRAFT:
        return
    members = Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
    for item in plan.items.all():
        if not members.filter(services.audience_members(organization=organization, item=item)).exists():
            services.plan_item_delete(item=item)
    plan = services.plan_submit(plan=plan, submitted_by=manager)
    if state != RETURNED:
        return
    officer = User.objects.filter(pk=context.officer_above(branch)).first()
    comment = _rng(context.seed, "return", branch.code).choice(RETURN_COMMENTS)
    services.plan_return(plan=plan, returned_by=officer, comment=comment)
    # The officer read the plan before returning it: the "please file" notification is no longer news.
    for notification in Notification.objects.filter(
        reminder__kind=ReminderKind.PLAN_SUBMITTED, reminder__object_key=f"plan:{plan.pk}"
    ):
        notification_mark_read(notification=notification)
