"""Celery adapters: ids in, a service call, a small JSON-able result out."""

from smtplib import SMTPException

from celery import shared_task

RETRY = {"autoretry_for": (SMTPException, ConnectionError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def meeting_planned_notify(*, meeting_id: int) -> int:
    from activities.reminders import meeting_planned_notify as service

    return service(meeting_id=meeting_id)
