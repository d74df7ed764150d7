"""The Celery app of the worker subprocess that tests/portal/test_jobs_worker.py starts (and kills):
the portal's own app, plus the test job kinds, routed to the test's queue (JOBS_TEST_QUEUE)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
django.setup()

from portal.celery import app  # noqa: E402
from tests.portal.job_kinds import register_test_kinds  # noqa: E402

register_test_kinds(queue=os.environ["JOBS_TEST_QUEUE"])

__all__ = ["app"]
