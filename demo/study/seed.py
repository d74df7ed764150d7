"""Study demo data (学习演示数据) for `manage.py seed_demo`: materials, template plans, branch plans, tasks,
cadre self-study plans and a few reminders, on top of the demo tree of `demo.tree`.

The data tells one story, with dates relative to `today` (year Y = today's year):

* 北京市委 publishes materials in every category (党章, 党规党纪, 系列讲话, 视察北京重要讲话, 党史, 先进典型,
  警示教育, 最新精神) and 东城区委 two of its own.
* 东城区委 published its template plan for year Y on 15 December of Y-1 (12 monthly items, one more for leading
  cadres and one for probationary members, each due on the 25th of its month as the plan form proposes;
  source: the seed document §二.1), and publishes the template for
  Y+1 now, so that the demo secretary can adopt it and submit next year's plan.
* Most branches adopted the template in December or January (branches outside 东城 made an equivalent plan of
  their own), dropped the items whose audience they do not have (as they must before `plan_submit` accepts the
  plan), submitted it and had it filed (备案) in January by the nearest committee officer above. Their members'
  tasks follow: past months mostly done with a short 心得, this month partly done, a few overdue.
* Some branches are behind, so that the committees' filing-status pages show problems: no plan at all, a
  draft, submitted and waiting, returned with a comment, or filed with nothing planned after this month. In
  东城 the first branch of several kinds always shows one of them (`SHOWCASE_STATES`); elsewhere a branch's
  state is drawn from its own random generator.
* The demo branch (logins `secretary` and `member`) has a filed plan for Y, adapted with two items of its own
  this month, so that `member` always has open tasks this month (one due within three days), some done and
  some overdue; it has no plan for Y+1.

How it is written:

* What happened in the past is written in bulk (`bulk_create`), producing the rows the services produce:
  `plan_adopt_template` / `plan_create` + `plan_item_save` (plan, items with new keys, item materials, the
  "created" history row), `plan_item_delete`, `plan_submit` (status, `submitted_at`, history row with the note
  about months without items), `plan_return`, `plan_file` (status, `filed_at`, history row) and
  `tasks_sync_for_plan` (one task per active member in each item's audience; members who joined the branch
  after the filing only get the items due from their joining day on, as `member_tasks_sync` gives them), then
  `task_complete` (status, 心得, `completed_at`). The notifications those past steps sent are not replayed.
* What is happening now goes through the real services: the templates (`plan_create`, `plan_item_save`,
  `template_publish`; the current year's template is then dated back to its story date), the live states of
  the 东城 showcase branches (`plan_adopt_template`, `plan_item_delete`, `plan_submit`, `plan_return`, which
  notify the officers and the branch), the cadres' 个人自学计划 (`cadre_item_save`) and the reminders of
  `study.reminders` for the demo branch and the demo committees (idempotent by their reminder key).

Idempotent: materials are found by (organisation, title), templates by (organisation, year), a branch that has
a plan for Y is left alone, a cadre who has a self-study plan for Y is left alone, and every reminder has its
unique key. Deterministic: every branch and member draws from its own generator seeded with the seed and its
code or ID-number digest, so the same seed and day give the same data."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from branches.models import (
    Organization,
    OrganizationKind,
    User,
)
from demo.study.context import StudyDemoResult, _Context, template_published_at
from demo.study.learning import _cadre_plans_ensure, _reminders_send
from demo.study.plans import (
    _branches_to_plan,
    _load_members,
    _managers,
    _officers,
    _showcase_plan,
    _state_of,
    _write_plans,
)
from demo.study.tables import (
    BRANCH_CHUNK,
    CITY,
    CITY_CODE,
    DISTRICT,
    DISTRICT_CODE,
    LIVE_STATES,
    MATERIALS,
    NEXT_YEAR_ITEMS,
    NONE,
    SHOWCASE_STATES,
    TEMPLATE_ITEMS,
    ItemSpec,
)
from demo.tree import seed as tree_demo
from demo.tree import tables as tree_tables
from notifications.models import Notification
from study.materials import services as materials_services
from study.models import (
    CadreStudyPlan,
    PlanStatus,
    PlanStatusChange,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)
from study.plans import services as services
from study.plans.forms import default_due_date


@dataclass
class StudyDemoSummary:
    year: int
    materials: int
    required_materials: int
    categories: int
    templates: int
    branches: int
    plans_by_status: dict[str, int]
    branches_without_plan: int
    tasks: int
    done_tasks: int
    overdue_tasks: int
    cadre_plans: int
    demo_notifications: dict[str, int] = field(default_factory=dict)


def study_demo_summary(*, today: datetime.date) -> StudyDemoSummary:
    """Counts of the study demo under the 市委 for today's year, in a fixed number of queries (eight)."""
    city = Organization.objects.filter(code=CITY_CODE).first()
    prefix = city.path if city else "-"  # no path starts with "-": an empty summary
    year = today.year
    materials = StudyMaterial.objects.filter(organization__path__startswith=prefix).aggregate(
        total=Count("pk"), required=Count("pk", filter=Q(is_required=True)), categories=Count("category", distinct=True)
    )
    plans = StudyPlan.objects.filter(organization__path__startswith=prefix, year=year, is_current=True)
    by_status = dict(plans.filter(is_template=False).values_list("status").annotate(n=Count("pk")).order_by("status"))
    branches = Organization.objects.filter(path__startswith=prefix, kind=OrganizationKind.BRANCH).aggregate(
        total=Count("pk"),
        without=Count("pk", filter=~Q(pk__in=plans.filter(is_template=False).values("organization_id"))),
    )
    tasks = StudyTask.objects.filter(organization__path__startswith=prefix, item__plan__year=year).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_date__lt=today)),
    )
    notifications = dict(
        Notification.objects.filter(recipient__username__in=tree_tables.DEMO_LOGINS_BY_USERNAME)
        .values_list("recipient__username")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return StudyDemoSummary(
        year=year,
        materials=materials["total"],
        required_materials=materials["required"],
        categories=materials["categories"],
        templates=StudyPlan.objects.filter(
            organization__path__startswith=prefix, is_template=True, published_at__isnull=False
        ).count(),
        branches=branches["total"],
        plans_by_status={status: by_status.get(status, 0) for status in PlanStatus.values},
        branches_without_plan=branches["without"],
        tasks=tasks["total"],
        done_tasks=tasks["done"],
        overdue_tasks=tasks["overdue"],
        cadre_plans=CadreStudyPlan.objects.filter(member__organization__path__startswith=prefix, year=year).count(),
        demo_notifications={
            username: notifications.get(username, 0) for username in tree_tables.DEMO_LOGINS_BY_USERNAME
        },
    )


def study_demo_seed(
    *,
    seed: int = tree_demo.DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> StudyDemoResult:
    """Create what is missing of the study demo for the demo tree under 北京市委 (see the module docstring).

    Needs the tree and the demo logins of `demo.tree.demo_seed`. Safe to run again: nothing that exists is
    written twice, and reminders already sent are not sent again.
    """
    started = time.perf_counter()
    result = StudyDemoResult(year=today.year)
    city = Organization.objects.filter(code=CITY_CODE).first()
    district = Organization.objects.filter(code=DISTRICT_CODE).first()
    if city is None or district is None:
        result.seconds = time.perf_counter() - started
        return result
    users = {
        username: User.objects.filter(username=username).first() for username in tree_tables.DEMO_LOGINS_BY_USERNAME
    }
    materials = _materials_ensure(city=city, district=district, users=users, today=today, result=result)
    template = _template_ensure(
        district=district,
        year=today.year,
        specs=TEMPLATE_ITEMS,
        materials=materials,
        by=users["district"],
        published_at=template_published_at(today.year),
        result=result,
    )
    _template_ensure(
        district=district,
        year=today.year + 1,
        specs=NEXT_YEAR_ITEMS,
        materials=materials,
        by=users["district"],
        published_at=None,
        result=result,
    )
    template_items = list(template.items.prefetch_related("materials").order_by("month", "due_date", "pk"))
    context = _Context(
        seed=seed,
        today=today,
        year=today.year,
        district=district,
        template=template,
        template_items=template_items,
        material_paths=dict(
            StudyMaterial.objects.filter(
                pk__in={m.pk for item in template_items for m in item.materials.all()}
                | {m.pk for m in materials.values()}
            ).values_list("pk", "organization__path")
        ),
        materials=materials,
        officers=_officers(),
        managers={},
        result=result,
    )
    branches = _branches_to_plan(city=city, year=today.year)
    context.managers = _managers(branch.pk for branch in branches)
    bulk = []
    for branch in branches:
        state = _state_of(branch, seed)
        if state == NONE:
            continue
        if branch.code in SHOWCASE_STATES and state in LIVE_STATES:
            _showcase_plan(context, branch, state)
        else:
            bulk.append((branch, state))
    bulk_started = time.perf_counter()
    tasks_before = result.tasks_created
    for start in range(0, len(bulk), BRANCH_CHUNK):
        chunk = bulk[start : start + BRANCH_CHUNK]
        _load_members([branch for branch, _state in chunk])
        with transaction.atomic():
            _write_plans(context, chunk)
    if bulk:
        _analyze_tables()
        if log:
            log(
                _("学习计划：新增%(plans)d份（批量写入），学习任务%(tasks)d项，用时%(seconds).1f秒。")
                % {
                    "plans": len(bulk),
                    "tasks": result.tasks_created - tasks_before,
                    "seconds": time.perf_counter() - bulk_started,
                }
            )
    _cadre_plans_ensure(context)
    result.reminders_sent += _reminders_send(context)
    result.seconds = time.perf_counter() - started
    return result


def _materials_ensure(
    *,
    city: Organization,
    district: Organization,
    users: dict[str, User | None],
    today: datetime.date,
    result: StudyDemoResult,
) -> dict[str, StudyMaterial]:
    """The materials of MATERIALS, published through `material_publish` when missing (by organisation and title)."""
    publishers = {CITY: (city, users["admin"]), DISTRICT: (district, users["district"])}
    existing = {
        (material.organization_id, material.title): material
        for material in StudyMaterial.objects.filter(organization__in=[city, district])
    }
    found = {}
    for spec in MATERIALS:
        organization, user = publishers[spec.publisher]
        material = existing.get((organization.pk, spec.title))
        if material is None:
            material = materials_services.material_publish(
                organization=organization,
                published_by=user,
                title=spec.title,
                category=spec.category,
                body=spec.body,
                is_required=spec.is_required,
                published_on=today - datetime.timedelta(days=spec.age_days),
            )
            result.materials_created += 1
        found[spec.key] = material
    return found


@transaction.atomic
def _template_ensure(
    *,
    district: Organization,
    year: int,
    specs: Sequence[ItemSpec],
    materials: dict[str, StudyMaterial],
    by: User | None,
    published_at: datetime.datetime | None,
    result: StudyDemoResult,
) -> StudyPlan:
    """The district's template for the year, made and published through the services when missing.

    With `published_at`, the template (and its history) is dated back to that moment: it was published before
    the year began, and the branches' plans were adopted from it.
    """
    template = StudyPlan.objects.filter(organization=district, year=year, is_template=True, is_current=True).first()
    if template is not None:
        return template
    template = services.plan_create(
        organization=district,
        year=year,
        title=f"{year}年度“两学一做”学习计划",
        created_by=by,
        is_template=True,
    )
    for spec in specs:
        services.plan_item_save(
            plan=template,
            materials=[materials[key] for key in spec.materials],
            month=spec.month,
            topic=spec.topic,
            form=spec.form,
            audience=spec.audience,
            due_date=default_due_date(year, spec.month),
            hours=Decimal(spec.hours),
        )
    services.template_publish(plan=template, published_by=by)
    if published_at is not None:
        StudyPlan.objects.filter(pk=template.pk).update(published_at=published_at)
        history = list(template.history.order_by("pk"))
        for step, change in enumerate(history):
            change.changed_at = published_at - datetime.timedelta(days=len(history) - 1 - step)
        PlanStatusChange.objects.bulk_update(history, ["changed_at"])
        template.refresh_from_db()
    result.templates_created += 1
    return template


def _analyze_tables() -> None:
    """Fresh planner statistics after the bulk load (as `demo.tree` does for the tree)."""
    models = (StudyPlan, StudyPlanItem, StudyPlanItem.materials.through, PlanStatusChange, StudyTask)
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - table names from the models
