"""Celery adapters: ids in, a service call, a small JSON-able result out."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.taskkit import RETRY


@shared_task(acks_late=True, **RETRY)
def meeting_planned_notify(*, meeting_id: int) -> int:
    from activities.meetings.reminders import meeting_planned_notify as service

    return service(meeting_id=meeting_id)


# Scheduled reminder (activities/reminders.py): the *_schedule task runs from CELERY_BEAT_SCHEDULE and only scans
# and fans out one *_send task per chunk of organisation ids. The send is idempotent (the reminder key).


def _date(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True, **RETRY)
def meeting_unfiled_reminders_schedule(*, today: str | None = None) -> int:
    from activities.meetings.reminders import meeting_unfiled_reminders_schedule as service

    return service(today=_date(today))


@shared_task(acks_late=True, **RETRY)
def meeting_unfiled_reminders_send(*, organization_ids: list[int], today: str) -> int:
    from activities.meetings.reminders import meeting_unfiled_reminders_send as service

    return service(organization_ids=organization_ids, today=_date(today))


@shared_task(acks_late=True, **RETRY)
def dues_reminders_send(*, organization_id: int, month: str) -> int:
    from activities.dues.reminders import dues_reminders_send as service

    return service(organization_id=organization_id, month=datetime.date.fromisoformat(month))
