"""Writes on `Job`: start, claim, finish, fail, cancel, and the reaper of jobs whose worker died."""

import datetime
import traceback
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.jobs.models import Job, JobState, job_params_key
from portal.jobs.progress import ProgressReporter, cached_beat, progress_cached_many, progress_forget
from portal.jobs.registry import DEFAULT_STALE_AFTER, JobOutcome, kind_get

MESSAGE_QUEUED = _("任务已提交，正在排队等待执行。")
MESSAGE_REQUEUED = _("任务执行中断，已重新排队。")
MESSAGE_INTERRUPTED = _("任务执行中断，请重新提交。")
MESSAGE_UNKNOWN_KIND = _("系统不认识这种任务，无法执行。请联系管理员。")
MESSAGE_CRASHED = _("任务执行出错，未保存任何更改。请稍后重新提交；如仍出错，请联系管理员。")
MESSAGE_TIME_LIMIT = _("任务执行超时，未保存任何更改。请缩小范围后重新提交。")
MESSAGE_CANCELLED = _("任务已取消。")
MESSAGE_DONE = _("任务已完成。")


def _enqueue(job: Job) -> None:
    """Send `job_run` once the current transaction commits (at once, in-process, without Redis)."""
    from portal.jobs.tasks import job_run

    job_kind = kind_get(job.kind)
    options = job_kind.task_options() if job_kind is not None else {}
    job_run.apply_async_on_commit(kwargs={"job_id": job.pk}, **options)  # type: ignore[attr-defined]  # Celery 5.4+, not in the stubs


@transaction.atomic
def job_start(
    *,
    kind: str,
    owner: AbstractBaseUser | None,
    organization: Model | None = None,
    params: dict,
    input_file: File | None = None,
) -> Job:
    """Create a queued job and run it after commit; or return the live job of the same kind and parameters.

    "The same" is kind + organisation + params (`Job.params_key`); the input file is not part of it, so a
    caller whose file matters puts its digest in `params`. The returned live job may belong to another user
    (who started the same job first); the caller should say so rather than link to a page that answers 404.
    Two concurrent starts cannot both create a job: a partial unique constraint allows one live job per key.
    """
    organization_id = organization.pk if organization is not None else None
    key = job_params_key(kind=kind, organization_id=organization_id, params=params)
    live = Job.objects.filter(kind=kind, params_key=key, state__in=Job.LIVE).first()
    if live is not None:
        return live
    job = Job(  # type: ignore[misc]  # portal sits below branches: any user and organisation model
        kind=kind,
        owner=owner,
        organization=organization,
        params=params,
        params_key=key,
        message=str(MESSAGE_QUEUED),
    )
    job.full_clean(exclude=["input_file"], validate_unique=False, validate_constraints=False)  # the save decides
    if input_file is not None:
        job.input_file.save(input_file.name or "input", input_file, save=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        if job.input_file:
            job.input_file.delete(save=False)
        return Job.objects.get(kind=kind, params_key=key, state__in=Job.LIVE)
    _enqueue(job)
    return job


def job_claim(*, job_id: int) -> Job | None:
    """Take a queued job for this worker (queued → running, one more attempt); None if another took it.

    One UPDATE, so a task delivered twice runs the job once.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now
    )
    if claimed != 1:
        return None
    progress_forget(job_id)
    return Job.objects.get(pk=job_id)


def _end(job: Job, **values: Any) -> bool:
    """End this attempt of a running job; False if the job was meanwhile re-queued or ended by the reaper."""
    values["finished_at"] = values["heartbeat_at"] = timezone.now()
    ended = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts).update(**values)
    if ended:
        progress_forget(job.pk)
        job.refresh_from_db()
    return bool(ended)


def job_finish(*, job: Job, outcome: JobOutcome, progress: ProgressReporter | None = None) -> bool:
    """Mark a running job done with its runner's outcome (message, small result, optional result file) and
    the progress it last reported."""
    values: dict = {
        "state": JobState.DONE,
        "message": str(outcome.message or MESSAGE_DONE),
        "result": outcome.result,
    }
    if progress is not None:
        values["progress_done"], values["progress_total"] = progress.done, progress.total
    if outcome.result_file is not None:
        name = outcome.result_file.name or "result"
        job.result_file.save(name.rsplit("/", 1)[-1], outcome.result_file, save=False)
        values["result_file"] = job.result_file.name
        values["result_name"] = name.rsplit("/", 1)[-1][:200]
    ended = _end(job, **values)
    if not ended and outcome.result_file is not None:
        job.result_file.delete(save=False)
    return ended


def job_fail(*, job: Job, message: str, error: str = "", result: Any = None) -> bool:
    """Mark a running job failed: `message` is shown to its owner, `error` (a traceback) only in the admin."""
    return _end(job, state=JobState.FAILED, message=str(message), error=error, result=result)


def job_fail_from_exception(*, job: Job, exception: BaseException) -> bool:
    from celery.exceptions import SoftTimeLimitExceeded

    from portal.jobs.registry import JobError

    result = None
    if isinstance(exception, JobError):
        message, result = exception.message, exception.result
    elif isinstance(exception, SoftTimeLimitExceeded):
        message = str(MESSAGE_TIME_LIMIT)
    else:
        message = str(MESSAGE_CRASHED)
    error = "".join(traceback.format_exception(exception))[-20000:]
    return job_fail(job=job, message=message, error=error, result=result)


@transaction.atomic
def job_cancel(*, job: Job, by: AbstractBaseUser) -> bool:
    """Cancel a job that is still queued, by its owner (or a superuser). A running job runs to its end."""
    if job.owner_id != by.pk and not getattr(by, "is_superuser", False):
        return False
    now = timezone.now()
    cancelled = Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED, message=str(MESSAGE_CANCELLED), finished_at=now
    )
    if cancelled:
        job.refresh_from_db()
    return bool(cancelled)


def jobs_reap_stale(*, now: datetime.datetime) -> dict[str, int]:
    """Running jobs whose last heartbeat (cache or column) is older than their kind's `stale_after`: their
    worker died (kill -9, OOM, lost node). Each is re-queued and sent again while it has attempts left
    (`max_attempts` of its kind), else failed with a message asking to submit it again. Never left running.

    Each job is taken with a conditional UPDATE, so two reapers, or a worker that comes back, cannot both win.
    """
    running = list(Job.objects.filter(state=JobState.RUNNING).only("pk", "kind", "attempts", "heartbeat_at"))
    cached = progress_cached_many([job.pk for job in running])
    requeued = failed = 0
    for job in running:
        job_kind = kind_get(job.kind)
        stale_after = job_kind.stale_after if job_kind else DEFAULT_STALE_AFTER
        beats = [beat for beat in (job.heartbeat_at, cached_beat(cached.get(job.pk), attempt=job.attempts)) if beat]
        last_beat = max(beats) if beats else None
        if last_beat is not None and now - last_beat <= stale_after:
            continue
        this_attempt = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)
        with transaction.atomic():
            if job_kind is not None and job.attempts < job_kind.max_attempts:
                if this_attempt.update(state=JobState.QUEUED, message=str(MESSAGE_REQUEUED), heartbeat_at=now):
                    requeued += 1
                    _enqueue(job)
            elif this_attempt.update(
                state=JobState.FAILED,
                message=str(MESSAGE_INTERRUPTED),
                error=f"no heartbeat since {last_beat.isoformat() if last_beat else '-'}",
                finished_at=now,
            ):
                failed += 1
        progress_forget(job.pk)
    return {"requeued": requeued, "failed": failed}


def job_run(*, job_id: int) -> str:
    """Claim the job, run its kind's runner, end it done or failed (or leave it running for the tasks the runner
    fanned out, `JobOutcome.pending`). What the Celery task calls."""
    job = job_claim(job_id=job_id)
    if job is None:
        return "not-claimed"
    job_kind = kind_get(job.kind)
    if job_kind is None:
        job_fail(job=job, message=str(MESSAGE_UNKNOWN_KIND), error=f"unknown job kind {job.kind!r}")
        return "failed"
    progress = ProgressReporter(job)
    try:
        outcome = job_kind.runner(job, progress)
    except Exception as exception:  # noqa: BLE001 - every failure ends the job with a message
        job_fail_from_exception(job=job, exception=exception)
        return "failed"
    if not isinstance(outcome, JobOutcome):
        outcome = JobOutcome()
    if outcome.pending:  # the tasks it fanned out end the job
        progress.save()
        return "pending"
    job_finish(job=job, outcome=outcome, progress=progress)
    return "done"
