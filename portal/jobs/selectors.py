"""Reads on `Job`."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from portal.jobs.models import Job, JobState
from portal.jobs.progress import progress_cached


def jobs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Job]:
    """The jobs `user` may see: a job is visible to its owner only, and to superusers.

    Nobody else sees it, not even an officer whose scope covers the job's organisation: a job's page shows
    its input and result files, which are the owner's work. Every job view looks the job up through this
    queryset, so any other job id answers 404, for GET and POST alike (never 403, never 405 first).
    """
    if not user.is_authenticated:
        return Job.objects.none()
    if getattr(user, "is_superuser", False):
        return Job.objects.all()
    return Job.objects.filter(owner_id=user.pk)


def job_with_live_progress(job: Job) -> Job:
    """The job with the progress its runner last reported (cache), over the columns; no query.

    Only a running job's cache entry of the same attempt counts: the columns are authoritative once it ended.
    """
    if job.state != JobState.RUNNING:
        return job
    entry = progress_cached(job.pk)
    if entry and entry.get("attempt") == job.attempts:
        job.progress_done = entry["done"]
        job.progress_total = entry["total"]
        job.message = entry["message"] or job.message
    return job
