"""Celery adapters: ids in, a service call, a small JSON-able result out."""

from smtplib import SMTPException

from celery import shared_task

RETRY = {"autoretry_for": (SMTPException, ConnectionError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def plan_submitted_notify(*, plan_id: int) -> int:
    from study.services import plan_submitted_notify as service

    return service(plan_id=plan_id)


@shared_task(acks_late=True, **RETRY)
def plan_decided_notify(*, plan_id: int) -> int:
    from study.services import plan_decided_notify as service

    return service(plan_id=plan_id)


@shared_task(acks_late=True, **RETRY)
def member_tasks_sync(*, member_id: int) -> int:
    from study.services import member_tasks_sync as service

    return service(member_id=member_id)


@shared_task(acks_late=True, **RETRY)
def organization_tasks_sync(*, organization_id: int) -> int:
    from study.services import organization_tasks_sync as service

    return service(organization_id=organization_id)
