"""A real Celery worker (subprocess, `celery -A tests.reviews.report_worker worker`) killed with SIGKILL in the
middle of a district's yearly report, after its first chunks are stored: the reaper re-queues the job, a second
worker reads only the chunks still missing and assembles the report; every chunk is stored exactly once, and the
files download. Needs Redis and PostgreSQL, like tests/portal/test_jobs_worker.py, whose helpers it uses."""

import contextlib
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization
from portal.jobs import services as job_services
from portal.jobs.models import JobState
from portal.jobs.registry import register
from reviews.models import YearlyReportChunk, YearlyReportFile
from reviews.reports import services
from tests.portal.test_jobs_worker import REDIS_URL, ROOT, Worker, _database_url, publishing_to_redis, wait_for
from tests.portal.test_jobs_worker import pytestmark as worker_marks
from tests.portal.test_jobs_worker import queue as queue  # noqa: F401 - the fixture: a queue of the test's own
from tests.reviews.test_dashboard import YEAR
from tests.reviews.test_reports import make_history

pytestmark = worker_marks
CHUNK_SECONDS = 1.0  # each chunk sleeps this long in the worker, so that the test can kill it between two
TIMEOUT = 120


def register_report_kind(*, queue: str | None) -> None:
    """The report's kind (as reviews/apps.py registers it) with its tasks sent to `queue`."""
    register(
        services.YEARLY_REPORT,
        services.yearly_report_run,
        title=services.YEARLY_REPORT_TITLE,
        max_attempts=3,
        stale_after=services.YEARLY_REPORT_STALE_AFTER,
        soft_time_limit=services.YEARLY_REPORT_SOFT_TIME_LIMIT,
        queue=queue,
        result_template="reviews/partials/_yearly_report_result.html",
    )


class ReportWorker(Worker):
    """`Worker` on the report's app module, with one organisation per chunk and slow chunks."""

    def __init__(self, queue: str, log: Path) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "JOBS_TEST_QUEUE": queue,
            "YEARLY_REPORT_CHUNK_SIZE": "1",
            "REPORT_CHUNK_SECONDS": str(CHUNK_SECONDS),
        }
        command = [sys.executable, "-m", "celery", "-A", "tests.reviews.report_worker", "worker", "-Q", queue]
        command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture
def report_queue(queue):
    register_report_kind(queue=queue)
    yield queue
    register_report_kind(queue=None)


def _done(job) -> list[YearlyReportChunk]:
    return list(YearlyReportChunk.objects.filter(job=job, done_at__isnull=False).order_by("index"))


def test_a_worker_killed_mid_report_loses_nothing_and_the_next_worker_finishes_it(
    client, report_queue, branch, sibling_branch, other_branch, secretary, district, district_officer, tmp_path
):
    make_history(branch, sibling_branch, other_branch, secretary)
    organizations = Organization.objects.filter(path__startswith=district.path).count()
    assert organizations >= 4  # the district, the committee, two branches: one chunk each
    with publishing_to_redis():
        job = services.yearly_report_request(organization=district, year=YEAR, by=district_officer)
        first = ReportWorker(report_queue, tmp_path / "first.log")
        try:
            wait_for(lambda: len(_done(job)) >= 1, what="the first chunk stored", worker=first, timeout=TIMEOUT)
            first.kill()  # kill -9 the worker's process group between two chunks
        finally:
            first.stop()
        before = {chunk.index: chunk.done_at for chunk in _done(job)}
        job.refresh_from_db()
        assert job.state == JobState.RUNNING and 1 <= len(before) < organizations
        assert YearlyReportChunk.objects.filter(job=job).count() == organizations

        later = timezone.now() + services.YEARLY_REPORT_STALE_AFTER + datetime.timedelta(minutes=1)
        assert job_services.jobs_reap_stale(now=later) == {"requeued": 1, "failed": 0}
        second = ReportWorker(report_queue, tmp_path / "second.log")
        try:
            wait_for(
                lambda: job.refresh_from_db() or job.state not in (JobState.QUEUED, JobState.RUNNING),
                what="the report to end",
                worker=second,
                timeout=TIMEOUT,
            )
        finally:
            second.stop()
    job.refresh_from_db()
    assert job.state == JobState.DONE, f"{job.message}\n{job.error}\n{second.output()}"
    assert job.attempts == 2 and (job.progress_done, job.progress_total) == (organizations, organizations)
    chunks = list(YearlyReportChunk.objects.filter(job=job).order_by("index"))
    assert [chunk.index for chunk in chunks] == list(range(organizations))  # every chunk once, none added
    assert all(chunk.done_at for chunk in chunks)
    assert {index: chunks[index].done_at for index in before} == before  # stored once: not read again
    report = YearlyReportFile.objects.get(pk=job.result["report_id"])
    assert YearlyReportFile.objects.filter(organization=district, year=YEAR).count() == 1

    client.force_login(district_officer)
    for kind, magic in (("pdf", b"%PDF-"), ("xlsx", b"PK")):
        response = client.get(reverse("reviews:yearly_report_download", args=[report.pk, kind]))
        assert response.status_code == 200
        with contextlib.closing(response):
            assert b"".join(response.streaming_content).startswith(magic)
