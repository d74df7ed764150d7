"""Job kinds that only the tests register: in the test process, and in the worker subprocess (job_worker.py)."""

import time

from django.db import transaction
from django.utils import timezone

from portal.jobs.models import Job, JobState
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobOutcome, register, unregister

SLOW_STEPS = "tests.slow_steps"
ALL_OR_NOTHING = "tests.all_or_nothing"
WRITTEN_ROW = "tests.written_row"  # the rows the all-or-nothing runner writes (Job rows: no other app needed)


def slow_steps_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """`steps` steps of `seconds` each, reporting after each; writes nothing, so safe to run again."""
    steps, seconds = job.params["steps"], job.params["seconds"]
    progress(0, steps, "开始")
    for step in range(1, steps + 1):
        time.sleep(seconds)
        progress(step, steps, f"第 {step} 步")
    return JobOutcome(message="全部完成", result={"steps": steps, "attempt": job.attempts})


def all_or_nothing_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Writes `rows` rows in one transaction, reporting progress from inside it, `seconds` apart."""
    rows, seconds = job.params["rows"], job.params["seconds"]
    with transaction.atomic():
        for row in range(1, rows + 1):
            Job.objects.create(
                kind=WRITTEN_ROW,
                params={"job": job.pk, "row": row},
                params_key=f"{job.pk}-{row}",
                state=JobState.DONE,
                finished_at=timezone.now(),
            )
            progress(row, rows, f"已写入 {row} 行")
            time.sleep(seconds)
    return JobOutcome(message=f"已写入 {rows} 行", result={"rows": rows})


def register_test_kinds(*, queue: str | None = None, max_attempts: int = 2, stale_after=None) -> None:
    import datetime

    stale = stale_after or datetime.timedelta(seconds=5)
    register(
        SLOW_STEPS, slow_steps_run, title="测试：慢任务", max_attempts=max_attempts, stale_after=stale, queue=queue
    )
    register(ALL_OR_NOTHING, all_or_nothing_run, title="测试：全部或全不", stale_after=stale, queue=queue)


def unregister_test_kinds() -> None:
    unregister(SLOW_STEPS)
    unregister(ALL_OR_NOTHING)
