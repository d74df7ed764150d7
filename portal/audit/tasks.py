"""Celery adapters of `portal.audit.services`."""

from celery import shared_task


@shared_task(acks_late=True, max_retries=3)
def audit_prune() -> int:
    """Beat job (nightly): delete audit events past the retention period. Idempotent."""
    from portal.audit.services import audit_prune as service

    return service()
