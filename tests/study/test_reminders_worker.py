"""A real Celery worker against the Redis at REDIS_URL: a reminder task delivered twice sends once.

The rest of the suite runs tasks in-process (CELERY_TASK_ALWAYS_EAGER); this test switches that off for its
duration, starts celery's testing worker in a thread on a queue of its own, and publishes the same task twice
through Redis. The worker thread has its own database connection, so the data is committed
(transactional_db); it runs in this process, so the locmem e-mail outbox is shared.
"""

import contextlib
import datetime
import faulthandler
import os
import threading
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connection, connections

from notifications.models import Notification, Reminder, ReminderKind
from study.learning import services
from study.tasks import due_task_reminders_send
from tests.factories import MemberFactory
from tests.study.conftest import YEAR

REDIS_URL = os.environ.get("REDIS_URL", "")
TIMEOUT = 30  # seconds to wait for the two deliveries
WATCHDOG = 180  # a hung worker ends the test run with tracebacks instead of hanging CI

pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL, reason="needs Redis: set REDIS_URL (CI sets redis://127.0.0.1:6379/0) to run a real worker"
    ),
    pytest.mark.django_db(transaction=True),
]


@contextlib.contextmanager
def real_worker(queue: str):
    """celery's testing worker on the portal's app, consuming `queue` on REDIS_URL; settings restored after."""
    from portal.celery import app

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=5).ping()  # fail fast, not hang
    names = ("task_always_eager", "broker_url", "broker_connection_retry_on_startup", "worker_hijack_root_logger")
    previous = {name: app.conf[name] for name in names}
    app.conf.update(
        task_always_eager=False,
        broker_url=REDIS_URL,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    # On PostgreSQL two worker threads take the two deliveries at once (the claim must hold under a race).
    # SQLite's test database lives in memory: there one worker thread shares this thread's connection, as
    # Django's live server thread does, and runs the deliveries in turn.
    shared = connections[DEFAULT_DB_ALIAS] if connection.vendor == "sqlite" else None
    pool = {"pool": "solo"} if shared else {"pool": "threads", "concurrency": 2}

    def share_connection(**kwargs):
        connections[DEFAULT_DB_ALIAS] = shared

    if shared:
        shared.inc_thread_sharing()
        task_prerun.connect(share_connection, weak=False)
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    try:
        with start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=TIMEOUT, **pool):
            yield app
    finally:
        faulthandler.cancel_dump_traceback_later()
        if shared:
            task_prerun.disconnect(share_connection)
            shared.dec_thread_sharing()
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
        app.conf.update(previous)


@contextlib.contextmanager
def finished_tasks(task_ids: set[str]):
    """Collect (state, return value, ran in the worker: not eager, not this thread) of the given tasks."""
    results: dict[str, tuple[str, object, bool]] = {}
    all_done = threading.Event()

    def on_postrun(sender=None, task_id=None, retval=None, state=None, **kwargs):
        if task_id in task_ids:
            in_worker = not sender.request.is_eager and threading.current_thread() is not threading.main_thread()
            results[task_id] = (state, retval, in_worker)
            if len(results) == len(task_ids):
                all_done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        yield results, all_done
    finally:
        task_postrun.disconnect(on_postrun)


def test_it_sends_a_reminder_once_when_a_real_worker_runs_the_task_twice(
    filed_plan, branch, secretary, member_user, district_officer
):
    MemberFactory(organization=branch, name="无账号党员")
    services.tasks_sync_for_plan(plan=filed_plan)
    mail.outbox.clear()
    queue = f"test-reminders-{uuid.uuid4().hex}"
    task_ids = {str(uuid.uuid4()), str(uuid.uuid4())}
    kwargs = {"organization_ids": [branch.pk], "today": datetime.date(YEAR, 3, 23).isoformat()}

    with real_worker(queue), finished_tasks(task_ids) as (results, all_done):
        for task_id in task_ids:
            due_task_reminders_send.apply_async(kwargs=kwargs, queue=queue, task_id=task_id)
        assert all_done.wait(TIMEOUT), f"the worker finished {len(results)} of 2 tasks in {TIMEOUT} s"

    assert {(state, in_worker) for state, _retval, in_worker in results.values()} == {("SUCCESS", True)}, results
    # Two reminders sent in all: by one delivery, or split between two that ran at the same moment.
    assert sum(retval for _state, retval, _in_worker in results.values()) == 2
    due = Reminder.objects.filter(kind=ReminderKind.TASK_DUE_SOON)
    assert sorted(due.values_list("recipient", flat=True)) == sorted([secretary.pk, member_user.pk])
    assert due.filter(sent_at__isnull=True).count() == 0
    assert Notification.objects.filter(reminder__kind=ReminderKind.TASK_DUE_SOON).count() == 2
    mailed = sorted(message.to[0] for message in mail.outbox if message.subject.startswith("学习任务"))
    assert mailed == sorted([secretary.email, member_user.email])
