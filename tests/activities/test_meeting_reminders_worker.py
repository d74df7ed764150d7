"""A real Celery worker against the Redis at REDIS_URL: the reminder to file a meeting, delivered twice, is sent
once. The worker helpers (and why the database is shared on SQLite) are those of the study reminders' test."""

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from activities.meetings import services
from activities.models import MeetingKind
from activities.tasks import meeting_unfiled_reminders_send
from notifications.models import Notification, Reminder, ReminderKind
from tests.factories import MemberFactory
from tests.study.test_reminders_worker import REDIS_URL, TIMEOUT, finished_tasks, real_worker

pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL, reason="needs Redis: set REDIS_URL (CI sets redis://127.0.0.1:6379/0) to run a real worker"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_it_reminds_to_file_once_when_a_real_worker_runs_the_task_twice(branch, secretary, member_user):
    MemberFactory(organization=branch, name="无账号党员")
    day = timezone.localdate() - datetime.timedelta(days=9)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GENERAL_MEETING,
        topic="第四季度支部党员大会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)
    mail.outbox.clear()
    queue = f"test-meeting-reminders-{uuid.uuid4().hex}"
    task_ids = {str(uuid.uuid4()), str(uuid.uuid4())}
    kwargs = {"organization_ids": [branch.pk], "today": timezone.localdate().isoformat()}

    with real_worker(queue), finished_tasks(task_ids) as (results, all_done):
        for task_id in task_ids:
            meeting_unfiled_reminders_send.apply_async(kwargs=kwargs, queue=queue, task_id=task_id)
        assert all_done.wait(TIMEOUT), f"the worker finished {len(results)} of 2 tasks in {TIMEOUT} s"

    assert {(state, in_worker) for state, _retval, in_worker in results.values()} == {("SUCCESS", True)}, results
    assert sum(retval for _state, retval, _in_worker in results.values()) == 1
    reminder = Reminder.objects.get(kind=ReminderKind.MEETING_UNFILED)
    assert (reminder.recipient, reminder.object_key) == (secretary, f"meeting:{meeting.pk}")
    assert reminder.sent_at is not None
    assert Notification.objects.filter(reminder__kind=ReminderKind.MEETING_UNFILED).count() == 1
    assert [message.to for message in mail.outbox if "尚未归档" in message.subject] == [[secretary.email]]
