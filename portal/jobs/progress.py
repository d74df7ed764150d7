"""Progress and heartbeat of a running job, visible to other connections while the runner works.

A runner that writes all-or-nothing does its writes inside one `transaction.atomic()` block. On PostgreSQL an
UPDATE of the job row made inside that block is invisible to the polling page and to the reaper until commit,
and it would hold the row's lock, so the reaper's own UPDATE would wait for the whole import. So progress and
the heartbeat go to the Django cache (Redis in production, shared by the web and worker processes; per-process
locmem without Redis, where the job runs in the same process anyway), keyed by job id and attempt. The job's
own columns (`progress_done`, `progress_total`, `message`, `heartbeat_at`) are also written, but only when the
reporter is called outside any atomic block (throttled), and always when the job is claimed and ended.
Readers (`portal.jobs.selectors`, `jobs_reap_stale`) take the cache first and fall back to the columns.
"""

import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal.jobs.models import Job, JobState

CACHE_TIMEOUT = 24 * 60 * 60  # seconds; an entry outlives any sane job
DB_WRITE_EVERY = datetime.timedelta(seconds=5)


def progress_cache_key(job_id: int) -> str:
    return f"portal:jobs:{job_id}:progress"


def progress_cached(job_id: int) -> dict[str, Any] | None:
    cached: dict[str, Any] | None = cache.get(progress_cache_key(job_id))
    return cached


def progress_cached_many(job_ids: list[int]) -> dict[int, dict[str, Any]]:
    found = cache.get_many([progress_cache_key(job_id) for job_id in job_ids])
    return {job_id: found[key] for job_id in job_ids if (key := progress_cache_key(job_id)) in found}


def progress_forget(job_id: int) -> None:
    cache.delete(progress_cache_key(job_id))


def cached_beat(entry: dict[str, Any] | None, *, attempt: int) -> datetime.datetime | None:
    """The heartbeat in a cache entry, if it belongs to this attempt of the job."""
    if not entry or entry.get("attempt") != attempt:
        return None
    return datetime.datetime.fromisoformat(entry["beat"])


class ProgressReporter:
    """Handed to a runner: `progress(done, total, message)` while it works; `progress.beat()` to say it lives.

    Safe to call from inside the runner's atomic block (the cache is not transactional). Call it at least once
    per `stale_after` of the kind, or the reaper takes the job for dead.
    """

    def __init__(self, job: Job, *, db_write_every: datetime.timedelta = DB_WRITE_EVERY) -> None:
        self.job_id = job.pk
        self.attempt = job.attempts
        self.done = job.progress_done
        self.total = job.progress_total
        self.message = job.message
        self._db_write_every = db_write_every
        self._db_written_at: datetime.datetime | None = None

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        if message is not None:
            self.message = str(message)
        self.beat()

    def beat(self) -> None:
        now = timezone.now()
        entry = {
            "attempt": self.attempt,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "beat": now.isoformat(),
        }
        cache.set(progress_cache_key(self.job_id), entry, CACHE_TIMEOUT)
        if connection.in_atomic_block:
            return  # invisible (and lock-holding) until the runner's commit: the cache carries it
        if self._db_written_at and now - self._db_written_at < self._db_write_every:
            return
        self._db_written_at = now
        self._write(now)

    def save(self) -> None:
        """Write the progress to the job's columns now (outside an atomic block), whatever the throttle."""
        now = timezone.now()
        self._db_written_at = now
        self._write(now)

    def _write(self, now: datetime.datetime) -> None:
        Job.objects.filter(pk=self.job_id, state=JobState.RUNNING, attempts=self.attempt).update(
            progress_done=self.done, progress_total=self.total, message=self.message, heartbeat_at=now
        )
