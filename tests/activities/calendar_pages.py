"""Helpers shared by the month view and attendance page tests."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as services
from activities.models import MeetingKind
from activities.records import services as records_services

LAST_YEAR = timezone.localdate().year - 1


def meeting(
    organization,
    starts_at,
    *,
    by,
    kind=MeetingKind.THEME_DAY,
    topic=None,
    group=None,
    counts_as=(),
    entries=None,
    file=False,
    hours=2,
    location="",
):
    """A meeting through the services: scheduled, and with `entries` (a dict, {} = all present) recorded."""
    created = services.meeting_create(
        organization=organization,
        created_by=by,
        group=group,
        counts_as=counts_as,
        kind=kind,
        topic=topic or f"{MeetingKind(kind).label} {starts_at:%m-%d %H:%M}",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        location=location,
    )
    if entries is not None:
        created = services.attendance_record(meeting=created, version=created.version, entries=entries, recorded_by=by)
    if file:
        created = records_services.meeting_file(meeting=created, version=created.version, filed_by=by)
    return created


def month_url(organization, month=None):
    url = reverse("activities:month", args=[organization.pk])
    return f"{url}?month={month}" if month else url


def todo_url(organization, month=None):
    """The month view's to-do, which the page loads by htmx from reviews."""
    url = reverse("reviews:month_obligations", args=[organization.pk])
    return f"{url}?month={month}" if month else url


def find(obligations, code, period="month"):
    """The obligations of one rule code in one block of the to-do."""
    return [o for o in getattr(obligations, period) if o.result.rule.code == code]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
