"""Writes of 软弱涣散党支部: the monthly suggestions, the committee's decisions, the rectification plans.

Every function is one transaction. The monthly job is idempotent: for a month and a chunk of branches it
replaces the suggestions still waiting for a decision and leaves decided ones alone, so a retry, a second beat
or a job started by hand changes nothing twice.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization, OrganizationKind, User
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobOutcome
from portal.taskkit import chunked, fan_out
from reviews.weak_branches.criteria import branch_weak_reasons, reason_text
from reviews.weak_branches.models import (
    PlanState,
    RectificationMeasure,
    RectificationPlan,
    RectificationUpdate,
    SuggestionState,
    WeakCriterion,
    WeakSuggestion,
)

CHUNK_SIZE = 500
WEAK_SUGGESTIONS = "reviews.weak_suggestions"
WEAK_SUGGESTIONS_TITLE = gettext_lazy("生成软弱涣散党支部建议名单")
WEAK_SUGGESTIONS_STALE_AFTER = datetime.timedelta(minutes=5)
WEAK_SUGGESTIONS_SOFT_TIME_LIMIT = 10 * 60


def _month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def weak_suggestions_compute(*, organization_ids: list[int], today: datetime.date) -> int:
    """Suggest the branches among `organization_ids` that meet a criterion today, for today's month.

    Waiting suggestions of the month for these branches are replaced by the fresh reading; confirmed or
    dismissed ones are kept as decided. Returns the number of suggestions waiting after the run. Nine queries
    whatever the chunk's size.
    """
    month = _month_of(today)
    reasons = branch_weak_reasons(branch_ids=organization_ids, today=today)
    WeakSuggestion.objects.filter(branch_id__in=organization_ids, month=month, state=SuggestionState.SUGGESTED).delete()
    WeakSuggestion.objects.bulk_create(
        [WeakSuggestion(branch_id=pk, month=month, reasons=found) for pk, found in sorted(reasons.items())],
        ignore_conflicts=True,
    )
    return WeakSuggestion.objects.filter(
        branch_id__in=organization_ids, month=month, state=SuggestionState.SUGGESTED
    ).count()


def weak_suggestions_schedule(*, today: datetime.date | None = None) -> int:
    """The monthly beat: one weak_suggestions_compute task per chunk of branches, enqueued on commit. One query;
    returns the number of chunks."""
    from reviews import tasks

    today = today or timezone.localdate()
    ids = Organization.objects.filter(kind=OrganizationKind.BRANCH).order_by("pk").values_list("pk", flat=True)
    return fan_out(tasks.weak_suggestions_compute, ids=ids, size=CHUNK_SIZE, today=today.isoformat())


def weak_suggestions_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """The job started by hand from the officers' page: this month's suggestions for the job's subtree, chunk by
    chunk with progress (each chunk is its own transaction and idempotent, so a re-run is safe)."""
    node = Organization.objects.get(pk=job.organization_id or 0)
    today = datetime.date.fromisoformat(job.params["today"])
    ids = list(
        Organization.objects.filter(path__startswith=node.path, kind=OrganizationKind.BRANCH)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = chunked(ids, CHUNK_SIZE)
    waiting = 0
    progress(0, len(ids), _("正在检查党支部……"))
    for index, chunk in enumerate(chunks):
        waiting += weak_suggestions_compute(organization_ids=chunk, today=today)
        progress(min(len(ids), (index + 1) * CHUNK_SIZE), len(ids))
    return JobOutcome(
        message=_("已检查%(branches)s个党支部，建议名单中待认定%(waiting)s个。")
        % {"branches": len(ids), "waiting": waiting},
        result={"branches": len(ids), "waiting": waiting},
    )


def _locked_suggestion(suggestion: WeakSuggestion) -> WeakSuggestion:
    locked = WeakSuggestion.objects.select_for_update().select_related("branch").get(pk=suggestion.pk)
    if locked.state != SuggestionState.SUGGESTED:
        raise ValidationError(_("该建议已处理，请刷新页面。"))
    return locked


@transaction.atomic
def weak_branch_confirm(*, suggestion: WeakSuggestion, by: User, reason: str = "") -> WeakSuggestion:
    """The committee confirms a suggested branch as 软弱涣散: the branch's flag is set from today, with the
    suggestion's reasons (and the committee's words) as the flag's reason."""
    suggestion = _locked_suggestion(suggestion)
    branch = Organization.objects.select_for_update().get(pk=suggestion.branch_id)
    if branch.is_weak:
        raise ValidationError(_("该党支部已被认定为软弱涣散党支部。"))
    today = timezone.localdate()
    texts = [reason_text(item) for item in suggestion.reasons]
    if reason.strip():
        texts.append(reason.strip())
    branch.is_weak = True
    branch.weak_since = today
    branch.weak_reason = "；".join(texts)
    branch.full_clean()
    branch.save(update_fields=["is_weak", "weak_since", "weak_reason", "updated_at"])
    suggestion.state = SuggestionState.CONFIRMED
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.decision_reason = reason.strip()
    suggestion.full_clean()
    suggestion.save()
    return suggestion


@transaction.atomic
def weak_suggestion_dismiss(*, suggestion: WeakSuggestion, by: User, reason: str) -> WeakSuggestion:
    """The committee dismisses a suggestion, saying why (required)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予认定的理由。")})
    suggestion = _locked_suggestion(suggestion)
    suggestion.state = SuggestionState.DISMISSED
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.decision_reason = reason.strip()
    suggestion.full_clean()
    suggestion.save()
    return suggestion


@transaction.atomic
def rectification_plan_create(
    *,
    branch: Organization,
    responsible: User,
    goal: str,
    by: User,
    measures: list[tuple[str, datetime.date]] | None = None,
) -> RectificationPlan:
    """Draw up the rectification plan of a branch confirmed weak: the 包联 committee member, the goal and the
    first measures with their milestone dates. One open plan per branch."""
    branch = Organization.objects.select_for_update().get(pk=branch.pk)
    if not branch.is_weak or branch.weak_since is None:
        raise ValidationError(_("只有已认定为软弱涣散的党支部才能制定整顿方案。"))
    if RectificationPlan.objects.filter(branch=branch, state=PlanState.RECTIFYING).exists():
        raise ValidationError(_("该党支部已有正在进行的整顿方案。"))
    suggestion = (
        WeakSuggestion.objects.filter(branch=branch, state=SuggestionState.CONFIRMED, plan__isnull=True)
        .order_by("-month")
        .first()
    )
    plan = RectificationPlan(
        branch=branch,
        suggestion=suggestion,
        responsible=responsible,
        goal=goal.strip(),
        weak_since=branch.weak_since,
        weak_reason=branch.weak_reason,
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    for title, due_on in measures or []:
        _measure_add(plan=plan, title=title, due_on=due_on)
    return plan


def _measure_add(*, plan: RectificationPlan, title: str, due_on: datetime.date) -> RectificationMeasure:
    measure = RectificationMeasure(plan=plan, title=title.strip(), due_on=due_on)
    measure.full_clean()
    measure.save()
    return measure


def _open_plan(plan: RectificationPlan) -> RectificationPlan:
    locked = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.state != PlanState.RECTIFYING:
        raise ValidationError(_("该整顿方案已摘帽，不能再修改。"))
    return locked


@transaction.atomic
def rectification_measure_add(*, plan: RectificationPlan, title: str, due_on: datetime.date) -> RectificationMeasure:
    """Add a measure with its milestone date to an open plan."""
    plan = _open_plan(plan)
    return _measure_add(plan=plan, title=title, due_on=due_on)


@transaction.atomic
def rectification_update_add(
    *,
    plan: RectificationPlan,
    by: User,
    text: str,
    measure: RectificationMeasure | None = None,
    measure_done: bool = False,
) -> RectificationUpdate:
    """Record progress on an open plan; with `measure_done` the measure is marked done today."""
    plan = _open_plan(plan)
    if measure is not None and measure.plan_id != plan.pk:
        raise ValidationError({"measure": _("所选措施不属于该整顿方案。")})
    if measure_done and measure is None:
        raise ValidationError({"measure": _("请选择已完成的措施。")})
    update = RectificationUpdate(plan=plan, by=by, text=text.strip(), measure=measure, measure_done=measure_done)
    update.full_clean()
    update.save()
    if measure is not None and measure_done and measure.done_on is None:
        measure.done_on = timezone.localdate()
        measure.save(update_fields=["done_on"])
    return update


@transaction.atomic
def weak_branch_lift(*, plan: RectificationPlan, by: User, evidence: str, reason: str) -> RectificationPlan:
    """The committee verified the rectification: the flag is lifted (摘帽), recording who, when, why and on what
    evidence. Every measure must be done first."""
    plan = _open_plan(plan)
    errors = {}
    if not evidence.strip():
        errors["evidence"] = _("请填写验收佐证材料。")
    if not reason.strip():
        errors["reason"] = _("请填写验收意见。")
    if errors:
        raise ValidationError(errors)
    if plan.measures.filter(done_on__isnull=True).exists():
        raise ValidationError(_("还有整顿措施未完成，不能摘帽。"))
    branch = Organization.objects.select_for_update().get(pk=plan.branch_id)
    branch.is_weak = False
    branch.weak_since = None
    branch.weak_reason = ""
    branch.save(update_fields=["is_weak", "weak_since", "weak_reason", "updated_at"])
    plan.state = PlanState.LIFTED
    plan.lifted_on = timezone.localdate()
    plan.lifted_by = by
    plan.lift_evidence = evidence.strip()
    plan.lift_reason = reason.strip()
    plan.full_clean()
    plan.save()
    return plan


def weak_suggestions_request(*, node: Organization, by: User, today: datetime.date) -> Job:
    """Start this month's suggestions for a subtree by hand (or return the same job already running)."""
    from portal.jobs.services import job_start

    return job_start(kind=WEAK_SUGGESTIONS, owner=by, organization=node, params={"today": today.isoformat()})


@transaction.atomic
def weak_criterion_add_version(*, criterion: WeakCriterion) -> WeakCriterion:
    """Save a new version of a criterion (an administrator's change): it takes effect from its date, which must
    be after today, and the version of the same code in force then ends the day before. A version not yet in
    force is replaced in place by saving it again."""
    today = timezone.localdate()
    if criterion.effective_from is None or criterion.effective_from <= today:
        raise ValidationError({"effective_from": _("新版本的生效日期应晚于今天。")})
    if criterion.pk is None:
        current = (
            WeakCriterion.objects.select_for_update(of=("self",))
            .filter(code=criterion.code, effective_from__lt=criterion.effective_from, next__isnull=True)
            .order_by("-effective_from")
            .first()
        )
        if current is not None:
            if WeakCriterion.objects.filter(code=criterion.code, effective_from__gte=criterion.effective_from).exists():
                raise ValidationError({"effective_from": _("该条件已有更晚生效的版本。")})
            current.effective_to = criterion.effective_from - datetime.timedelta(days=1)
            current.full_clean()
            current.save(update_fields=["effective_to", "updated_at"])
            criterion.previous = current
    criterion.full_clean()
    criterion.save()
    return criterion
