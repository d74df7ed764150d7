"""Messages about meetings: the notice to expected attendees, and the reminder to file a held meeting.

Both go through notifications.services.reminders_send, so each is sent once per key (recipient, kind, object,
period) whatever the number of retries or beats.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import expected_attendees_q
from activities.models import Meeting, MeetingKind, MeetingStatus
from branches.models import MANAGING_ROLE_KINDS, Member, Role
from branches.selectors import manager_user_ids
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send
from portal.taskkit import fan_out


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


# Held but not filed within 7 days (daily) -------------------------------------------------------------------

UNFILED_AFTER_DAYS = 7
REMINDER_CHUNK_SIZE = 50  # organisations per fan-out task, as for the study reminders


def _unfiled_meetings(today: datetime.date) -> QuerySet[Meeting]:
    """Meetings recorded as held at least UNFILED_AFTER_DAYS days ago and still not filed, at organisations
    where someone with an active login may file them (书记, 副书记, 组织委员, officers, administrators)."""
    managed = Role.objects.filter(kind__in=MANAGING_ROLE_KINDS, user__is_active=True).values("organization_id")
    return Meeting.objects.filter(
        status=MeetingStatus.HELD,
        held_on__lte=today - datetime.timedelta(days=UNFILED_AFTER_DAYS),
        organization_id__in=managed,
    )


def meeting_unfiled_reminders_schedule(*, today: datetime.date) -> int:
    """Fan out the reminders to file: one task per chunk of organisations with a meeting held ≥ 7 days ago and
    not filed, enqueued on commit. One query. Returns the number of chunks."""
    from activities.tasks import meeting_unfiled_reminders_send

    organization_ids = _unfiled_meetings(today).values_list("organization_id", flat=True).order_by().distinct()
    return fan_out(
        meeting_unfiled_reminders_send, ids=organization_ids, size=REMINDER_CHUNK_SIZE, today=today.isoformat()
    )


def meeting_unfiled_reminders_send(*, organization_ids: list[int], today: datetime.date, email: bool = True) -> int:
    """Remind the managers of each organisation (among `organization_ids`) of every meeting it held at least
    7 days ago that is still not filed: once per meeting and recipient, whatever the number of runs (period
    "unfiled"). Two queries to build the messages, whatever the number of meetings and managers."""
    meetings = list(
        _unfiled_meetings(today)
        .filter(organization_id__in=organization_ids)
        .values_list("pk", "organization_id", "organization__name", "group__name", "kind", "topic", "held_on")
        .order_by("held_on", "pk")
    )
    managers = manager_user_ids(organization_ids={row[1] for row in meetings})
    messages = []
    for pk, organization_id, organization_name, group_name, kind, topic, held_on in meetings:
        holder = f"{organization_name} {group_name}" if group_name else organization_name
        values = {
            "holder": holder,
            "date": _("%(month)d月%(day)d日") % {"month": held_on.month, "day": held_on.day},
            "kind": MeetingKind(kind).label,
            "topic": topic,
            "days": (today - held_on).days,
        }
        title = _("%(date)s的%(kind)s“%(topic)s”尚未归档") % values
        body = (
            _(
                "%(holder)s于%(date)s召开的%(kind)s“%(topic)s”已登记出勤，召开至今已%(days)d天，仍未归档。"
                "请核对会议纪要和出勤记录后归档；归档后记录锁定，如需更正须写明原因。"
            )
            % values
        )
        url = reverse("activities:meeting_detail", args=[pk])
        messages.extend(
            ReminderMessage(
                recipient_id=user_id,
                kind=ReminderKind.MEETING_UNFILED,
                object_key=f"meeting:{pk}",
                period="unfiled",
                title=title,
                body=body,
                url=url,
            )
            for user_id in managers.get(organization_id, [])
        )
    return reminders_send(messages=messages, email=email)
