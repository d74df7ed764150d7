"""Celery adapters: ids in, a service call, a small JSON-able result out."""

import datetime

from celery import shared_task
from django.utils import timezone

# Compliance results and roll-ups ------------------------------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def compliance_refresh(*, organization_id: int, years: list[int]) -> int:
    """Re-judge one organisation after one of its meetings changed (idempotent: it recomputes, never adds)."""
    from reviews.services import organizations_recompute

    return sum(organizations_recompute(organization_ids=[organization_id], year=year) for year in sorted(set(years)))


@shared_task(acks_late=True)
def compliance_recompute_nightly(*, today: str | None = None) -> int:
    """The nightly full recompute of the current year (and of last year during January's grace window)."""
    from reviews.services import compliance_recompute

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    years = [day.year - 1, day.year] if day.month == 1 else [day.year]
    return sum(compliance_recompute(year=year, today=day) for year in years)
