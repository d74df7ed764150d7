"""The reminder machinery: idempotent in-portal notifications and e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification, Reminder


@dataclass(frozen=True)
class ReminderMessage:
    recipient_id: int
    kind: str
    object_key: str
    period: str
    title: str
    body: str
    url: str = ""


def reminders_send(*, messages: list[ReminderMessage], email: bool = True) -> int:
    """Send each message once: returns how many were sent now.

    The reminder row is claimed with a conditional UPDATE inside a transaction together with the notification
    and the e-mail; if the e-mail fails, the claim rolls back and a retry sends it again. A message whose
    (recipient, kind, object, period) was already sent is skipped — by the database constraint, not by luck.
    """
    if not messages:
        return 0
    Reminder.objects.bulk_create(
        [
            Reminder(recipient_id=m.recipient_id, kind=m.kind, object_key=m.object_key, period=m.period)
            for m in messages
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    sent = 0
    pending = {
        (r.recipient_id, r.kind, r.object_key, r.period): r
        for r in Reminder.objects.filter(
            sent_at__isnull=True,
            recipient_id__in={m.recipient_id for m in messages},
            kind__in={m.kind for m in messages},
            object_key__in={m.object_key for m in messages},
            period__in={m.period for m in messages},
        ).select_related("recipient")
    }
    for message in messages:
        reminder = pending.get((message.recipient_id, message.kind, message.object_key, message.period))
        if reminder is None:
            continue
        with transaction.atomic():
            claimed = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=timezone.now())
            if claimed != 1:
                continue  # another worker sent it
            notification = Notification.objects.create(
                recipient_id=message.recipient_id, title=message.title, body=message.body, url=message.url
            )
            Reminder.objects.filter(pk=reminder.pk).update(notification=notification)
            if email and reminder.recipient.email:
                send_mail(message.title, message.body, None, [reminder.recipient.email], fail_silently=False)
            sent += 1
    return sent


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> None:
    """Mark one notification read (no-op when it already is)."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notifications_mark_all_read(*, user_id: int) -> int:
    """Mark every unread notification of a user read."""
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(read_at=timezone.now())
