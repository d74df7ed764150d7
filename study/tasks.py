"""Celery adapters: ids in, a service call, a small JSON-able result out."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.taskkit import RETRY


@shared_task(acks_late=True, **RETRY)
def plan_submitted_notify(*, plan_id: int) -> int:
    from study.plans.services import plan_submitted_notify as service

    return service(plan_id=plan_id)


@shared_task(acks_late=True, **RETRY)
def plan_decided_notify(*, plan_id: int) -> int:
    from study.plans.services import plan_decided_notify as service

    return service(plan_id=plan_id)


@shared_task(acks_late=True, **RETRY)
def member_tasks_sync(*, member_id: int) -> int:
    from study.learning.services import member_tasks_sync as service

    return service(member_id=member_id)


@shared_task(acks_late=True, **RETRY)
def organization_tasks_sync(*, organization_id: int) -> int:
    from study.learning.services import organization_tasks_sync as service

    return service(organization_id=organization_id)


# Scheduled reminders (study/reminders.py). The *_schedule tasks run from CELERY_BEAT_SCHEDULE: they only scan
# and fan out one *_send task per chunk of ids. Every send is idempotent (the reminder key), hence acks_late.


def _date(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True, **RETRY)
def due_task_reminders_schedule(*, today: str | None = None) -> int:
    from study.reminders import due_task_reminders_schedule as service

    return service(today=_date(today))


@shared_task(acks_late=True, **RETRY)
def due_task_reminders_send(*, organization_ids: list[int], today: str) -> int:
    from study.reminders import due_task_reminders_send as service

    return service(organization_ids=organization_ids, today=_date(today))


@shared_task(acks_late=True, **RETRY)
def overdue_task_digests_schedule(*, today: str | None = None) -> int:
    from study.reminders import overdue_task_digests_schedule as service

    return service(today=_date(today))


@shared_task(acks_late=True, **RETRY)
def overdue_task_digests_send(*, organization_ids: list[int], today: str) -> int:
    from study.reminders import overdue_task_digests_send as service

    return service(organization_ids=organization_ids, today=_date(today))


@shared_task(acks_late=True, **RETRY)
def monthly_plan_reminders_schedule(*, today: str | None = None) -> int:
    from study.reminders import monthly_plan_reminders_schedule as service

    return service(today=_date(today))


@shared_task(acks_late=True, **RETRY)
def monthly_plan_reminders_send(*, organization_ids: list[int], today: str) -> int:
    from study.reminders import monthly_plan_reminders_send as service

    return service(organization_ids=organization_ids, today=_date(today))


@shared_task(acks_late=True, **RETRY)
def annual_plan_reminders_schedule(*, today: str | None = None) -> int:
    from study.reminders import annual_plan_reminders_schedule as service

    return service(today=_date(today))


@shared_task(acks_late=True, **RETRY)
def annual_plan_reminders_send(*, organization_ids: list[int], today: str) -> int:
    from study.reminders import annual_plan_reminders_send as service

    return service(organization_ids=organization_ids, today=_date(today))


@shared_task(acks_late=True, **RETRY)
def annual_plan_officer_digests_send(*, committee_ids: list[int], today: str) -> int:
    from study.reminders import annual_plan_officer_digests_send as service

    return service(committee_ids=committee_ids, today=_date(today))
