"""Reminders of the problem ledger (daily, CELERY_BEAT_SCHEDULE `reviews-problem-reminders`).

- 7 days before a problem's deadline, while it is not yet submitted for verification: to the organisation's
  书记, 副书记 and 组织委员 (the person responsible is a name, often without a login). Key: problem, deadline.
- Once when a problem becomes overdue (not closed after its deadline): to the same people and to the managers
  of the parent organisation that verifies it. Key: problem, "overdue", so a later run never sends it again; a
  problem overdue for more than `CATCH_UP_DAYS` when the job first sees it (the job was down) is left out.

- Weekly (CELERY_BEAT_SCHEDULE `reviews-problem-overdue-digests`, Mondays): one digest per parent organisation
  of the problems of its children that are overdue, to the parent's managers who verify them (书记, 副书记,
  组织委员, 干事). Key: parent, ISO week, so a second run of the week sends nothing.

A few queries for any number of problems: the problems due, their organisations' and parents' roles, and the
batched sends of notifications.services.reminders_send.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from branches.models import Organization, Role, RoleKind
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


DIGEST_LINES = 10  # organisations named in a digest; the rest are counted


def iso_week(day: datetime.date) -> str:
    """The ISO week of a day, e.g. "2026-W50" (the digest's period)."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def problem_overdue_digests_send(*, today: datetime.date) -> int:
    """Send the week's digests of overdue problems to the parents' managers; returns how many were sent now (0 for
    a second run of the week). Queries: the overdue problems counted per organisation, the parents' roles, the
    parents' names, and the batched sends."""
    rows = list(
        Problem.objects.filter(deadline__lt=today, organization__parent__isnull=False)
        .exclude(state=ProblemState.CLOSED)
        .values("organization__parent_id", "organization_id", "organization__name")
        .annotate(n=Count("pk"), oldest=Min("deadline"))
        .order_by("organization__parent_id", "-n", "organization__name")
    )
    per_parent: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        per_parent[row["organization__parent_id"] or 0].append(dict(row))
    recipients: dict[int, set[int]] = defaultdict(set)
    roles = Role.objects.filter(organization_id__in=per_parent, kind__in=VERIFYING_ROLE_KINDS)
    for organization_id, user_id in roles.values_list("organization_id", "user_id"):
        recipients[organization_id].add(user_id)
    names = dict(
        Organization.objects.filter(pk__in=[pk for pk in per_parent if recipients[pk]]).values_list("pk", "name")
    )
    week = iso_week(today)
    messages: list[ReminderMessage] = []
    for parent_id, children in sorted(per_parent.items()):
        if not recipients[parent_id]:
            continue
        total = sum(row["n"] for row in children)
        title = _("本周下级逾期未销号的整改问题：%(n)s个") % {"n": total}
        lines = [
            _("%(organization)s：%(n)s个，最早时限%(due)s")
            % {"organization": row["organization__name"], "n": row["n"], "due": row["oldest"].isoformat()}
            for row in children[:DIGEST_LINES]
        ]
        if len(children) > DIGEST_LINES:
            lines.append(_("另有%(n)s个下级党组织有逾期问题。") % {"n": len(children) - DIGEST_LINES})
        body = _("%(parent)s下级党组织截至%(today)s逾期未销号的整改问题：") % {
            "parent": names[parent_id],
            "today": today.isoformat(),
        }
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.PROBLEM_OVERDUE_DIGEST,
                object_key=f"organization:{parent_id}",
                period=week,
                title=str(title),
                body="\n".join([str(body), *map(str, lines)]),
                url=reverse("reviews:problem_ledger", args=[parent_id]),
            )
            for user_id in sorted(recipients[parent_id])
        )
    return reminders_send(messages=messages)
