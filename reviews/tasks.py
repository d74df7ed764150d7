"""Celery adapters: ids in, a service call, a small JSON-able result out."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from portal.taskkit import RETRY

# Compliance results and roll-ups ------------------------------------------------------------------------------


@shared_task(acks_late=True, **RETRY)
def compliance_refresh(*, organization_id: int, years: list[int]) -> int:
    """Re-judge one organisation after one of its meetings changed (idempotent: it recomputes, never adds)."""
    from reviews.compliance.services import organizations_recompute

    return sum(organizations_recompute(organization_ids=[organization_id], year=year) for year in sorted(set(years)))


@shared_task(acks_late=True)
def compliance_recompute_nightly(*, today: str | None = None) -> int:
    """The nightly full recompute of the current year (and of last year during January's grace window)."""
    from reviews.compliance.services import compliance_recompute

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    years = [day.year - 1, day.year] if day.month == 1 else [day.year]
    return sum(compliance_recompute(year=year, today=day) for year in years)


# Member rules (M1 flags) and rule changes (reviews/members/rules.py, reviews/compliance/rule_versions.py) ---


def _day(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True)
def member_flags_refresh_schedule(*, today: str | None = None) -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): fan out one member_flags_refresh per chunk of branches."""
    from reviews.members.rules import member_flags_refresh_schedule as service

    return service(today=_day(today))


@shared_task(acks_late=True, **RETRY)
def member_flags_refresh(*, organization_ids: list[int], today: str | None = None) -> int:
    """Recompute the M1 flags of a chunk of branches (idempotent: it recomputes, never adds)."""
    from reviews.members.rules import member_flags_refresh as service

    return service(organization_ids=organization_ids, today=_day(today))


@shared_task(acks_late=True)
def compliance_recompute_task(*, year: int) -> int:
    """Rebuild a year's results and roll-ups after an administrator changed a rule or a rule set."""
    from reviews.compliance.services import compliance_recompute

    return compliance_recompute(year=year)


# 述职评议考核 (reviews/duty_reports/) -----------------------------------------------------------------------------


@shared_task(acks_late=True, **RETRY)
def duty_rounds_remind(*, today: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): remind late 书记 and assessors of open rounds (idempotent: once a day each)."""
    from reviews.duty_reports.services import duty_rounds_remind as service

    return service(today=_day(today))


# 年度检查报告 (reviews/reports/): the chunks and the assembly of a request's job ---------------------------------


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def yearly_report_chunk(*, chunk_id: int) -> str:
    """Read one chunk of a yearly report (idempotent: a chunk already stored is not read again). Acknowledged
    late and re-queued if its worker is lost; a killed worker's job is also re-queued by the reaper."""
    from reviews.reports.services import yearly_report_chunk_run

    return yearly_report_chunk_run(chunk_id=chunk_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def yearly_report_assemble(*, job_id: int) -> str:
    """Print a yearly report from its stored chunks and end its job (idempotent: an ended job is left alone)."""
    from reviews.reports.services import yearly_report_assemble as service

    return service(job_id=job_id)


@shared_task(acks_late=True)
def yearly_reports_january(*, today: str | None = None) -> int:
    """Yearly on 2 January (CELERY_BEAT_SCHEDULE): request last year's report of every committee (idempotent)."""
    from reviews.reports.services import yearly_reports_request_all

    return yearly_reports_request_all(today=_day(today))


# 整改台账 (reviews/oversight/) ---------------------------------------------------------------------------------


@shared_task(acks_late=True, **RETRY)
def problem_reminders_send(*, today: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): deadlines in 7 days and problems just overdue (idempotent: once each)."""
    from reviews.oversight.reminders import problem_reminders_send as service

    return service(today=_day(today))


@shared_task(acks_late=True, **RETRY)
def problem_rollups_rebuild(*, today: str | None = None) -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): recount the problem roll-ups as of the new day (idempotent)."""
    from reviews.oversight.rollups import problem_rollups_rebuild as service

    return service(today=_day(today))


@shared_task(acks_late=True, **RETRY)
def problem_overdue_digests_send(*, today: str | None = None) -> int:
    """Weekly (CELERY_BEAT_SCHEDULE): the parents' digest of their children's overdue problems (once a week)."""
    from reviews.oversight.reminders import problem_overdue_digests_send as service

    return service(today=_day(today))


# 软弱涣散党支部 (reviews/weak_branches/) ---------------------------------------------------------------------------


@shared_task(acks_late=True)
def weak_suggestions_schedule(*, today: str | None = None) -> int:
    """Monthly (CELERY_BEAT_SCHEDULE): fan out one weak_suggestions_compute per chunk of branches."""
    from reviews.weak_branches.services import weak_suggestions_schedule as service

    return service(today=_day(today))


@shared_task(acks_late=True, **RETRY)
def weak_suggestions_compute(*, organization_ids: list[int], today: str | None = None) -> int:
    """This month's suggested weak branches of a chunk (idempotent: waiting ones are replaced, decided kept)."""
    from reviews.weak_branches.services import weak_suggestions_compute as service

    return service(organization_ids=organization_ids, today=_day(today))


@shared_task(acks_late=True, **RETRY)
def term_reminders_send(*, today: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): 换届 six months and 60 days ahead, and once when overdue (idempotent)."""
    from reviews.oversight.term_reminders import term_reminders_send as service

    return service(today=_day(today))
