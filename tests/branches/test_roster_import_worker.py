"""A real Celery worker (subprocess) killed with SIGKILL in the middle of a 20 000-row roster import: nothing is
half-written, and the job ends failed with a message the page shows. Needs Redis and PostgreSQL, like
tests/portal/test_jobs_worker.py, whose worker helpers it uses."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import Member, Membership
from branches.roster import jobs as roster_jobs
from portal.jobs import services
from portal.jobs.models import JobState
from portal.jobs.progress import progress_cached
from portal.jobs.registry import register
from tests.branches.test_roster_import import HEADERS, roster_row
from tests.factories import new_id_number
from tests.portal.test_jobs_worker import Worker, publishing_to_redis, wait_for
from tests.portal.test_jobs_worker import pytestmark as worker_marks
from tests.portal.test_jobs_worker import queue as queue  # noqa: F401 - the fixture: a queue of the test's own

pytestmark = worker_marks
ROWS = 20_000
STALE_AFTER = datetime.timedelta(seconds=5)


def register_roster_kind(*, queue: str | None, stale_after: datetime.timedelta) -> None:
    register(
        roster_jobs.ROSTER_IMPORT,
        roster_jobs.roster_import_run,
        title=roster_jobs.ROSTER_IMPORT_TITLE,
        max_attempts=1,
        stale_after=stale_after,
        soft_time_limit=roster_jobs.ROSTER_IMPORT_SOFT_TIME_LIMIT,
        queue=queue,
        result_template=roster_jobs.ROSTER_IMPORT_RESULT_TEMPLATE,
    )


@pytest.fixture
def roster_queue(queue):
    """The roster kind sent to the test's queue (the worker subprocess consumes only that one)."""
    register_roster_kind(queue=queue, stale_after=STALE_AFTER)
    yield queue
    register_roster_kind(queue=None, stale_after=roster_jobs.ROSTER_IMPORT_STALE_AFTER)


def big_csv(rows: int) -> SimpleUploadedFile:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    template = roster_row(姓名="大批导入")
    for _ in range(rows):
        writer.writerow([new_id_number() if header == "身份证号" else template.get(header, "") for header in HEADERS])
    return SimpleUploadedFile("big.csv", text.getvalue().encode("utf-8-sig"), content_type="text/csv")


def test_a_worker_killed_mid_import_leaves_nothing_written_and_the_page_says_so(
    client, roster_queue, secretary, branch, tmp_path
):
    before = (Member.objects.count(), Membership.objects.count())
    with publishing_to_redis():
        job = roster_jobs.roster_import_start(organization=branch, upload=big_csv(ROWS), by=secretary)
        worker = Worker(roster_queue, tmp_path / "worker.log")
        try:
            # Inside the import's transaction: checking rows against the database, or writing them.
            wait_for(
                lambda: (e := progress_cached(job.pk)) and e["message"] in ("与已登记的党员核对中", "写入中"),
                what="the import's transaction",
                worker=worker,
                timeout=180,
            )
            worker.kill()
        finally:
            worker.stop()
        job.refresh_from_db()
        assert job.state == JobState.RUNNING
        assert (Member.objects.count(), Membership.objects.count()) == before  # nothing half-written

        reaped = services.jobs_reap_stale(now=job.heartbeat_at + STALE_AFTER + datetime.timedelta(minutes=10))
    assert reaped == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, "任务执行中断，请重新提交。")
    assert (Member.objects.count(), Membership.objects.count()) == before

    client.force_login(secretary)
    page = client.get(f"{reverse('branches:roster_import', args=[branch.pk])}?job={job.pk}").text
    assert "失败" in page and "任务执行中断，请重新提交。" in page
