"""批量备案 as a background job (portal/jobs): the request checks scope and the selection, the worker files the
plans a chunk at a time and reports progress after each. Idempotent: a plan already filed is skipped, so a
retried job (worker killed between chunks) files the rest and nothing twice."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, User
from branches.permissions import can_create_child_organization, organization_scope_q
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start
from study.models import PlanStatus, StudyPlan
from study.plans import services

PLANS_FILE = "study.plans_file"
PLANS_FILE_TITLE = _("批量备案学习计划")
PLANS_FILE_RESULT_TEMPLATE = "study/partials/_plans_file_result.html"
PLANS_FILE_SOFT_TIME_LIMIT = 15 * 60
PLANS_FILE_STALE_AFTER = datetime.timedelta(minutes=5)
PLANS_FILE_MAX_ATTEMPTS = 3  # idempotent: a re-run skips the plans already filed
CHUNK = 20  # plans filed per transaction (and per progress report)

MESSAGE_NO_SCOPE = _("您已不能在该党组织备案学习计划，未备案任何计划。")


def plans_file_start(*, organization: Organization, plan_ids: list[int], comment: str, by: User) -> Job:
    """Queue the 备案 of `plan_ids` (the caller checked that every one is in `by`'s scope under `organization`),
    or return the live job of the same user, committee and selection."""
    return job_start(
        kind=PLANS_FILE,
        owner=by,
        organization=organization,
        params={"plans": sorted(plan_ids), "comment": comment, "owner": by.pk},
    )


def plans_file_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `study.plans_file`: check the selection once, then file it chunk by chunk."""
    organization = job.organization
    owner = User.objects.filter(pk=job.owner_id).first()
    if organization is None or owner is None or not can_create_child_organization(owner, organization):
        raise JobError(MESSAGE_NO_SCOPE)
    ids = [int(pk) for pk in job.params["plans"]]
    # Only plans still in the owner's scope under the committee; others are never touched.
    plans = list(
        StudyPlan.objects.filter(
            organization_scope_q(owner), pk__in=ids, organization__path__startswith=organization.path
        )
        .select_related("organization")
        .order_by("pk")
    )
    if len(plans) != len(ids):
        raise JobError(MESSAGE_NO_SCOPE)
    not_waiting = [plan for plan in plans if plan.status not in (PlanStatus.SUBMITTED, PlanStatus.FILED)]
    if not_waiting:
        raise JobError(
            gettext("只有已报送的计划可以备案，未备案任何计划：%(names)s")
            % {"names": "、".join(plan.organization.name for plan in not_waiting[:5])}
        )
    total = len(plans)
    filed = skipped = 0
    progress(0, total, gettext("备案中"))
    for start in range(0, total, CHUNK):
        chunk = [plan.pk for plan in plans[start : start + CHUNK]]
        chunk_filed, chunk_skipped = services.plans_file_waiting(
            plan_ids=chunk, filed_by=owner, comment=job.params.get("comment", "")
        )
        filed, skipped = filed + chunk_filed, skipped + chunk_skipped
        progress(min(start + CHUNK, total), total, gettext("备案中"))
    message = gettext("已备案%(n)d份学习计划，学习任务已下发到党员。") % {"n": filed}
    if skipped:
        message += gettext("另有%(n)d份已备案或已不在待备案状态，已跳过。") % {"n": skipped}
    return JobOutcome(message=message, result={"filed": filed, "skipped": skipped})
