"""Messages about meetings: the notice to expected attendees, and the reminder to file a held meeting.

Both go through notifications.services.reminders_send, so each is sent once per key (recipient, kind, object,
period) whatever the number of retries or beats.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Meeting, MeetingStatus
from activities.services import expected_attendees_q
from branches.models import Member
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send


def meeting_planned_notify(*, meeting_id: int) -> int:
    """Tell the expected attendees who have a login about a scheduled meeting (again only if it moves)."""
    meeting = Meeting.objects.select_related("organization", "group").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != MeetingStatus.PLANNED:
        return 0
    when = timezone.localtime(meeting.starts_at)
    title = _("%(date)s %(kind)s：%(topic)s") % {
        "date": when.strftime("%m-%d %H:%M"),
        "kind": meeting.get_kind_display(),
        "topic": meeting.topic,
    }
    body = _("%(holder)s定于%(when)s在%(place)s召开%(kind)s，主题：%(topic)s。如不能参加，请向支部请假。") % {
        "holder": meeting.holder_name,
        "when": when.strftime("%Y-%m-%d %H:%M"),
        "place": meeting.location or _("（地点另行通知）"),
        "kind": meeting.get_kind_display(),
        "topic": meeting.topic,
    }
    user_ids = Member.objects.filter(
        expected_attendees_q(meeting), user__isnull=False, user__is_active=True
    ).values_list("user_id", flat=True)
    return reminders_send(
        messages=[
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.MEETING_PLANNED,
                object_key=f"meeting:{meeting.pk}",
                period=when.strftime("%Y%m%d%H%M"),
                title=title,
                body=body,
                url=meeting.get_absolute_url(),
            )
            for user_id in user_ids
        ]
    )
