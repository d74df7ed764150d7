"""党费 reminders once a month is closed (结账): each member with a login who did not pay in full that month, and
the branch's 书记 and 组织委员 about members with three or more consecutive months unpaid. Idempotent: the key
(recipient, kind, object, month) is sent once, so a retry or a second close sends nothing again."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from activities.dues.models import DuesPayment
from activities.dues.selectors import OWED_STATUSES, arrears_by_member
from branches.models import Member, Organization, Role, RoleKind
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send

ARREARS_REMINDER_MONTHS = 3
SECRETARY_KINDS = (RoleKind.SECRETARY, RoleKind.ORGANIZER)


def dues_reminders_send(*, organization_id: int, month: datetime.date) -> int:
    """Send the closed month's reminders for one branch; returns how many were sent now."""
    organization = Organization.objects.get(pk=organization_id)
    period = f"{month:%Y-%m}"
    owed = (
        DuesPayment.objects.filter(organization=organization, month=month, status__in=OWED_STATUSES)
        .exclude(member__user=None)
        .select_related("member")
    )
    messages = [
        ReminderMessage(
            recipient_id=payment.member.user_id,  # type: ignore[arg-type]  # excluded None above
            kind=ReminderKind.DUES_UNPAID,
            object_key=f"dues:{payment.member_id}",
            period=period,
            title=_("%(month)s党费未交足") % {"month": period},
            body=_("您%(month)s应交党费%(due)s元，实交%(paid)s元。请按时足额交纳党费。")
            % {"month": period, "due": payment.amount_due, "paid": payment.amount_paid},
            url=reverse("activities:dues_mine"),
        )
        for payment in owed
    ]
    arrears = arrears_by_member(organization_ids=[organization.pk], today=month)
    behind = {pk: a.months for pk, a in arrears.items() if a.months >= ARREARS_REMINDER_MONTHS}
    if behind:
        names = dict(Member.objects.filter(pk__in=behind).values_list("pk", "name"))
        listing = "、".join(
            _("%(name)s（%(n)d个月）") % {"name": names[pk], "n": months}
            for pk, months in sorted(behind.items(), key=lambda item: (-item[1], names[item[0]]))
        )
        recipients = Role.objects.filter(organization=organization, kind__in=SECRETARY_KINDS).values_list(
            "user_id", flat=True
        )
        messages += [
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.DUES_ARREARS,
                object_key=f"dues-arrears:{organization.pk}",
                period=period,
                title=_("%(count)d名党员连续3个月以上未交足党费") % {"count": len(behind)},
                body=_("%(branch)s：%(names)s。") % {"branch": organization.name, "names": listing},
                url=f"{reverse('activities:dues_collection', args=[organization.pk])}?month={period}",
            )
            for user_id in sorted(set(recipients))
        ]
    return reminders_send(messages=messages)
