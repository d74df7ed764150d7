"""The Celery settings that make a job task killed mid-run come back (issue 10, item 13)."""

from django.conf import settings

from portal.celery import app
from portal.jobs.tasks import job_run


def test_it_acknowledges_the_job_task_late_and_requeues_it_when_its_worker_is_lost():
    task = app.tasks[job_run.name]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_it_redelivers_an_unacknowledged_message_within_minutes_and_recycles_big_workers():
    assert 60 <= settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 15 * 60
    assert (
        app.conf.broker_transport_options["visibility_timeout"]
        == settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 400_000
