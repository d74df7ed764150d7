"""The Celery app of the worker subprocess that tests/reviews/test_report_worker.py starts (and kills): the
portal's own app, with the yearly report's tasks sent to the test's queue (JOBS_TEST_QUEUE), and each chunk
slowed down (REPORT_CHUNK_SECONDS) so that the test can kill the worker between two chunks."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
django.setup()

from portal.celery import app  # noqa: E402
from reviews.reports import services  # noqa: E402
from tests.reviews.test_report_worker import register_report_kind  # noqa: E402

register_report_kind(queue=os.environ["JOBS_TEST_QUEUE"])
_read_chunk = services.report_chunk
_seconds = float(os.environ.get("REPORT_CHUNK_SECONDS", "0"))


def _slow_chunk(**kwargs):
    time.sleep(_seconds)
    return _read_chunk(**kwargs)


services.report_chunk = _slow_chunk  # type: ignore[assignment]  # the test's slow-down

__all__ = ["app"]
