"""The job kinds: which runner does the work of each `Job.kind`.

An app above `portal` registers its kinds in its `AppConfig.ready()`::

    from portal.jobs.registry import register
    register("branches.roster_import", roster_import_run, title=_("导入党员名册"),
             result_template="branches/partials/_roster_import_result.html")

Every kind is listed by grepping `register(`; a kind nobody registered fails its job with a clear message.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter


class JobError(Exception):
    """Raised by a runner to end its job failed with this message (a whole Chinese sentence) shown to the user,
    and optionally a small JSON `result` (e.g. per-row errors) that the kind's result template shows."""

    def __init__(self, message: str | Promise, *, result: Any = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.result = result


@dataclass(frozen=True)
class JobOutcome:
    """What a runner returns: the message shown, a small JSON result, an optional file to download."""

    message: str | Promise = ""
    result: Any = None
    result_file: File | None = None  # its `name` is the file name offered on download
    # The runner handed the rest of the work to further tasks (a fan-out), which end the job themselves with
    # `job_finish` or `job_fail`: the job stays running, and the reaper re-queues it if they stop beating.
    pending: bool = False


Runner = Callable[[Job, ProgressReporter], JobOutcome]


@dataclass(frozen=True)
class JobKind:
    name: str
    runner: Runner
    title: str | Promise
    max_attempts: int = 1
    stale_after: datetime.timedelta = datetime.timedelta(minutes=5)
    soft_time_limit: int | None = None  # seconds; the hard limit is one minute more
    queue: str | None = None  # None: Celery's default queue
    result_template: str | None = None  # included by templates/portal/partials/_job.html with `job` and `result`

    def task_options(self) -> dict[str, Any]:
        """The options its tasks are sent with (queue, time limits): `job_run`, and the tasks a runner fans out."""
        options: dict[str, Any] = {}
        if self.queue:
            options["queue"] = self.queue
        if self.soft_time_limit:
            options["soft_time_limit"] = self.soft_time_limit
            options["time_limit"] = self.soft_time_limit + 60
        return options


DEFAULT_STALE_AFTER: datetime.timedelta = JobKind.__dataclass_fields__["stale_after"].default  # type: ignore[assignment]  # the field has a default
UNKNOWN_KIND_TITLE = _("后台任务")

_kinds: dict[str, JobKind] = {}


def register(
    kind: str,
    runner: Runner,
    *,
    title: str | Promise,
    max_attempts: int = 1,
    stale_after: datetime.timedelta = DEFAULT_STALE_AFTER,
    soft_time_limit: int | None = None,
    queue: str | None = None,
    result_template: str | None = None,
) -> JobKind:
    """Declare a job kind. `max_attempts` > 1 only for runners that are safe to run again after a crash
    (all-or-nothing or idempotent); `stale_after` must be longer than the gap between two progress reports."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    job_kind = JobKind(
        name=kind,
        runner=runner,
        title=title,
        max_attempts=max_attempts,
        stale_after=stale_after,
        soft_time_limit=soft_time_limit,
        queue=queue,
        result_template=result_template,
    )
    existing = _kinds.get(kind)
    if existing is not None and existing.runner is not runner:
        raise ValueError(f"job kind {kind!r} is already registered")
    _kinds[kind] = job_kind
    return job_kind


def unregister(kind: str) -> None:
    """For tests that register a kind of their own."""
    _kinds.pop(kind, None)


def kind_get(kind: str) -> JobKind | None:
    return _kinds.get(kind)


def kind_title(kind: str) -> str | Promise:
    job_kind = _kinds.get(kind)
    return job_kind.title if job_kind else UNKNOWN_KIND_TITLE
