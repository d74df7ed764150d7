"""Celery adapters of `portal.jobs.services`: ids in, one service call, a short string or counts out."""

import datetime

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone


@shared_task(
    bind=True, acks_late=True, max_retries=3, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True
)
def job_run(self: Task, *, job_id: int) -> str:
    """Run one job. Idempotent: a duplicate or redelivered message finds the job no longer queued and does
    nothing; a worker that dies mid-run leaves the job running for `jobs_reap_stale` to take back."""
    from portal.jobs.services import job_run as service

    return service(job_id=job_id)


@shared_task(acks_late=True, max_retries=3)
def jobs_reap_stale(*, now: str | None = None) -> dict[str, int]:
    """Beat job (every minute): re-queue or fail the running jobs whose worker stopped beating."""
    from portal.jobs.services import jobs_reap_stale as service

    return service(now=datetime.datetime.fromisoformat(now) if now else timezone.now())
