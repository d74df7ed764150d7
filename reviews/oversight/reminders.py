"""Reminders of the problem ledger (daily, CELERY_BEAT_SCHEDULE `reviews-problem-reminders`).

- 7 days before a problem's deadline, while it is not yet submitted for verification: to the organisation's
  书记, 副书记 and 组织委员 (the person responsible is a name, often without a login). Key: problem, deadline.
- Once when a problem becomes overdue (not closed after its deadline): to the same people and to the managers
  of the parent organisation that verifies it. Key: problem, "overdue", so a later run never sends it again; a
  problem overdue for more than `CATCH_UP_DAYS` when the job first sees it (the job was down) is left out.

A few queries for any number of problems: the problems due, their organisations' and parents' roles, and the
batched sends of notifications.services.reminders_send.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils.translation import gettext as _

from branches.models import Role, RoleKind
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send
from reviews.oversight.models import Problem, ProblemState
from reviews.oversight.permissions import RECTIFYING_ROLE_KINDS

DUE_SOON_DAYS = 7
CATCH_UP_DAYS = 7
VERIFYING_ROLE_KINDS = RECTIFYING_ROLE_KINDS | {RoleKind.OFFICER}


def problem_reminders_send(*, today: datetime.date) -> int:
    """Send the day's reminders; returns how many were sent now (0 for a second run of the day)."""
    due_soon = list(
        Problem.objects.filter(
            deadline=today + datetime.timedelta(days=DUE_SOON_DAYS),
            state__in=[ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.RETURNED],
        ).select_related("organization")
    )
    overdue = list(
        Problem.objects.filter(deadline__lt=today, deadline__gte=today - datetime.timedelta(days=CATCH_UP_DAYS))
        .exclude(state=ProblemState.CLOSED)
        .select_related("organization")
    )
    organization_ids = {p.organization_id for p in due_soon + overdue} | {
        p.organization.parent_id for p in overdue if p.organization.parent_id
    }
    holders: dict[int, set[int]] = defaultdict(set)
    verifiers: dict[int, set[int]] = defaultdict(set)
    roles = Role.objects.filter(organization_id__in=organization_ids, kind__in=VERIFYING_ROLE_KINDS)
    for organization_id, kind, user_id in roles.values_list("organization_id", "kind", "user_id"):
        verifiers[organization_id].add(user_id)
        if kind in RECTIFYING_ROLE_KINDS:
            holders[organization_id].add(user_id)
    messages: list[ReminderMessage] = []
    for problem in due_soon:
        title = _("整改问题将于%(due)s到期") % {"due": problem.deadline.isoformat()}
        body = _("%(organization)s：%(description)s（责任人：%(responsible)s）") % {
            "organization": problem.organization.name,
            "description": problem.description[:80],
            "responsible": problem.responsible,
        }
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.PROBLEM_DUE_SOON,
                object_key=f"problem:{problem.pk}",
                period=problem.deadline.isoformat(),
                title=str(title),
                body=str(body),
                url=problem.get_absolute_url(),
            )
            for user_id in sorted(holders[problem.organization_id])
        )
    for problem in overdue:
        title = _("整改问题已逾期：%(organization)s") % {"organization": problem.organization.name}
        body = _("整改时限%(due)s已过，问题尚未销号：%(description)s") % {
            "due": problem.deadline.isoformat(),
            "description": problem.description[:80],
        }
        recipients = holders[problem.organization_id] | verifiers.get(problem.organization.parent_id or 0, set())
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.PROBLEM_OVERDUE,
                object_key=f"problem:{problem.pk}",
                period="overdue",
                title=str(title),
                body=str(body),
                url=problem.get_absolute_url(),
            )
            for user_id in sorted(recipients)
        )
    return reminders_send(messages=messages)
