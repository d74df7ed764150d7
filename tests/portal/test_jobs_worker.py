"""Real Celery workers (subprocesses, `celery -A tests.portal.job_worker worker`) killed with SIGKILL mid-job.

Needs Redis (REDIS_URL) and PostgreSQL: the worker is another process, so it must reach the test database
(an in-memory SQLite one it cannot). The workers consume a queue of their own; this process publishes to it.
Progress comes back through the cache (Redis), as it does to the polling page in production.
"""

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from portal.jobs import services
from portal.jobs.models import Job, JobState
from portal.jobs.progress import progress_cached
from tests.factories import UserFactory
from tests.portal.job_kinds import ALL_OR_NOTHING, SLOW_STEPS, WRITTEN_ROW, register_test_kinds, unregister_test_kinds

REDIS_URL = os.environ.get("REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds for a worker to start and reach a step (the machine is shared)
STALE_AFTER = datetime.timedelta(seconds=5)

pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL, reason="needs Redis: set REDIS_URL (CI sets redis://127.0.0.1:6379/0) to run a real worker"
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process cannot reach the in-memory SQLite test database"
    ),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    """The URL of the test database this process uses (test_<name>), for the worker subprocess."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def publishing_to_redis():
    """Switch this process from in-process (eager) tasks to publishing through Redis; restored after."""
    from portal.celery import app

    names = ("task_always_eager", "broker_url", "broker_connection_retry_on_startup")
    previous = {name: app.conf[name] for name in names}
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, broker_connection_retry_on_startup=True)
    try:
        yield app
    finally:
        app.conf.update(previous)


class Worker:
    """`celery worker` as a subprocess in its own process group, so that kill -9 takes the whole group."""

    def __init__(self, queue: str, log: Path) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "JOBS_TEST_QUEUE": queue,
        }
        command = [sys.executable, "-m", "celery", "-A", "tests.portal.job_worker", "worker", "-Q", queue]
        command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(condition, *, what: str, worker: Worker, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert worker.process.poll() is None, f"the worker exited while waiting for {what}:\n{worker.output()}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{worker.output()}")


@pytest.fixture
def queue(tmp_path):
    name = f"test-jobs-{uuid.uuid4().hex}"
    register_test_kinds(queue=name, stale_after=STALE_AFTER)
    yield name
    unregister_test_kinds()
    from portal.celery import app

    with publishing_to_redis(), app.connection_for_write() as broker:
        broker.default_channel.queue_delete(name)


@pytest.fixture
def owner(db):
    return UserFactory(username="job_owner")


def _state(job: Job) -> str:
    job.refresh_from_db()
    return job.state


def _reap_when_stale(job: Job) -> dict[str, int]:
    """Run the reaper as beat would, once the killed job's heartbeat is older than its kind's stale_after."""
    return services.jobs_reap_stale(now=timezone.now() + STALE_AFTER + datetime.timedelta(seconds=1))


def test_it_requeues_a_job_whose_worker_was_killed_and_a_second_worker_finishes_it(queue, owner, tmp_path):
    with publishing_to_redis():
        job = services.job_start(kind=SLOW_STEPS, owner=owner, params={"steps": 6, "seconds": 0.5})
        first = Worker(queue, tmp_path / "first.log")
        try:
            entry = wait_for(
                lambda: (e := progress_cached(job.pk)) and e["done"] >= 2 and e, what="step 2", worker=first
            )
            assert entry["attempt"] == 1
            first.kill()  # kill -9 the worker's process group mid-job
        finally:
            first.stop()
        assert _state(job) == JobState.RUNNING and job.progress_done < 6  # nobody will end it but the reaper

        assert _reap_when_stale(job) == {"requeued": 1, "failed": 0}
        assert (_state(job), job.attempts) == (JobState.QUEUED, 1)
        second = Worker(queue, tmp_path / "second.log")
        try:
            wait_for(lambda: _state(job) == JobState.DONE, what="the job to end", worker=second)
        finally:
            second.stop()
    job.refresh_from_db()
    assert (job.attempts, job.message, job.result) == (2, "全部完成", {"steps": 6, "attempt": 2})
    assert (job.progress_done, job.progress_total, job.percent) == (6, 6, 100)


def test_it_leaves_nothing_written_when_an_all_or_nothing_runner_is_killed_mid_write(queue, owner, tmp_path):
    with publishing_to_redis():
        job = services.job_start(kind=ALL_OR_NOTHING, owner=owner, params={"rows": 10, "seconds": 0.5})
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            wait_for(
                lambda: (e := progress_cached(job.pk)) and e["done"] >= 3, what="three rows written", worker=worker
            )
            # Progress is visible from here while the rows are not: they sit in the runner's open transaction.
            assert Job.objects.filter(kind=WRITTEN_ROW).count() == 0
            worker.kill()
        finally:
            worker.stop()

        assert _reap_when_stale(job) == {"requeued": 0, "failed": 1}  # one attempt: it is not run again
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, "任务执行中断，请重新提交。")
    assert Job.objects.filter(kind=WRITTEN_ROW).count() == 0
