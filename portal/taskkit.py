"""What every Celery task of the portal shares: the retry defaults and the one fan-out of periodic jobs.

Tasks are thin adapters (ids in, a service call, a small JSON result out). A task whose service is idempotent
(a reminder's unique key, a recompute that overwrites) is declared `acks_late` with `RETRY`: a broken SMTP or
Redis connection is retried with backoff, five times at most. Periodic jobs (CELERY_BEAT_SCHEDULE) only scan and
fan out one task per chunk of ids with `fan_out`, after the scanning transaction commits.
"""

from collections.abc import Iterable
from smtplib import SMTPException
from typing import Any

# A task decorated @shared_task(acks_late=True, **RETRY) must be idempotent.
RETRY: dict[str, Any] = {"autoretry_for": (SMTPException, ConnectionError), "retry_backoff": True, "max_retries": 5}


def chunked(ids: Iterable[int], size: int) -> list[list[int]]:
    """The distinct ids in ascending order, cut into lists of at most `size`."""
    ordered = sorted(set(ids))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def fan_out(task: Any, *, ids: Iterable[int], size: int, argument: str = "organization_ids", **kwargs: Any) -> int:
    """Enqueue `task` once per chunk of `ids` (as `argument`, with `kwargs`) after the current transaction
    commits. Returns the number of chunks."""
    chunks = chunked(ids, size)
    for chunk in chunks:
        task.delay_on_commit(**{argument: chunk, **kwargs})
    return len(chunks)
