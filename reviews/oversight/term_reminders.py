"""换届 reminders (daily, CELERY_BEAT_SCHEDULE `reviews-term-reminders`).

An organisation's committee term (branches.terms: `Organization.term_ends_on`) is reminded three times: about six
months before it ends, 60 days before, and once when it is over without a new election. Each goes to the
organisation's 书记 and to the 党委工作人员 of its parent organisation, once: the key is (organisation, the step and
the term's end), so a second run of the day, a retry or the next day's run sends nothing again, and a new term
(a new end date) is reminded afresh. A step is sent on its day or, if the job was down, within `CATCH_UP_DAYS`
after it; later it is left out (the officers' page 换届提醒 lists every term due all the same).

Lives here, above notifications, because branches (where the terms are) sits below the inbox. A few queries for
any number of organisations: the terms at each step, their organisations' and parents' roles, the batched sends.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from branches.models import Organization, Role, RoleKind
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send

SIX_MONTHS_DAYS = 183
SIXTY_DAYS = 60
CATCH_UP_DAYS = 7


def _window(today: datetime.date, days_before: int) -> tuple[datetime.date, datetime.date]:
    """Terms ending `days_before` days from today, or up to CATCH_UP_DAYS earlier (a missed run)."""
    last = today + datetime.timedelta(days=days_before)
    return last - datetime.timedelta(days=CATCH_UP_DAYS), last


def term_reminders_send(*, today: datetime.date) -> int:
    """Send the day's 换届 reminders; returns how many were sent now (0 for a second run of the day)."""
    six_start, six_end = _window(today, SIX_MONTHS_DAYS)
    sixty_start, sixty_end = _window(today, SIXTY_DAYS)
    overdue_start, overdue_end = _window(today, -1)
    organizations = list(
        Organization.objects.filter(
            Q(term_ends_on__range=(six_start, six_end))
            | Q(term_ends_on__range=(sixty_start, sixty_end))
            | Q(term_ends_on__range=(overdue_start, overdue_end))
        )
        .only("pk", "name", "parent_id", "term_ends_on", "path", "kind")
        .order_by("pk")
    )
    ids = {o.pk for o in organizations} | {o.parent_id for o in organizations if o.parent_id}
    secretaries: dict[int, set[int]] = defaultdict(set)
    officers: dict[int, set[int]] = defaultdict(set)
    for organization_id, kind, user_id in Role.objects.filter(
        organization_id__in=ids, kind__in=[RoleKind.SECRETARY, RoleKind.OFFICER], user__is_active=True
    ).values_list("organization_id", "kind", "user_id"):
        (secretaries if kind == RoleKind.SECRETARY else officers)[organization_id].add(user_id)
    messages: list[ReminderMessage] = []
    for organization in organizations:
        ends_on = organization.term_ends_on
        assert ends_on is not None  # noqa: S101  # filtered on it
        days_left = (ends_on - today).days
        if days_left < 0:
            kind, step = ReminderKind.TERM_OVERDUE, "overdue"
            title = _("委员会任期已届满，应及时换届：%(organization)s") % {"organization": organization.name}
        else:
            kind, step = ReminderKind.TERM_DUE_SOON, "6m" if days_left > SIXTY_DAYS else "60d"
            title = _("委员会任期将于%(date)s届满：%(organization)s") % {
                "date": ends_on.isoformat(),
                "organization": organization.name,
            }
        body = _("%(organization)s本届委员会任期%(date)s届满，请按期做好换届选举准备并报上级党组织。") % {
            "organization": organization.name,
            "date": ends_on.isoformat(),
        }
        recipients = secretaries[organization.pk] | officers.get(organization.parent_id or 0, set())
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=kind,
                object_key=f"organization:{organization.pk}",
                period=f"{step}:{ends_on.isoformat()}",
                title=str(title),
                body=str(body),
                url=organization.get_absolute_url(),
            )
            for user_id in sorted(recipients)
        )
    return reminders_send(messages=messages)
