"""Meeting messages: the reminder to file a meeting held 7 days ago (once only) and the notice of a planned one."""

import datetime
from smtplib import SMTPException

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from activities import tasks
from activities.meetings import reminders
from activities.meetings import services as services
from activities.models import Meeting, MeetingKind
from activities.records import services as records_services
from branches.models import RoleKind
from notifications.models import Notification, Reminder, ReminderKind
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


def held(organization, user, *, days_ago: int, topic: str = "学习党章", kind: str = MeetingKind.PARTY_LECTURE):
    """A meeting held `days_ago` days ago (10:00 local), attendance recorded: 已召开."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    meeting = services.meeting_create(
        organization=organization,
        created_by=user,
        kind=kind,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    return services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=user)


def unfiled_reminders(user=None):
    qs = Reminder.objects.filter(kind=ReminderKind.MEETING_UNFILED)
    return qs.filter(recipient=user) if user else qs


def send(organization, today=None) -> int:
    return reminders.meeting_unfiled_reminders_send(
        organization_ids=[organization.pk], today=today or timezone.localdate()
    )


# Held but not filed within 7 days ------------------------------------------------------------------------------


def test_it_reminds_the_secretary_of_a_meeting_held_ten_days_ago_once_only(
    branch, secretary, member_user, branch_members, mailoutbox
):
    meeting = held(branch, secretary, days_ago=10, topic="党课：党的历史")

    first = send(branch)
    again = send(branch)
    next_day = send(branch, timezone.localdate() + datetime.timedelta(days=1))

    assert (first, again, next_day) == (1, 0, 0)
    reminder = unfiled_reminders().get()
    assert (reminder.recipient, reminder.object_key, reminder.period) == (secretary, f"meeting:{meeting.pk}", "unfiled")
    notification = reminder.notification
    assert notification.title.endswith("党课“党课：党的历史”尚未归档")
    assert branch.name in notification.body and "已10天" in notification.body
    assert notification.url == meeting.get_absolute_url()
    assert [message.to for message in mailoutbox] == [[secretary.email]]


def test_it_does_not_remind_of_filed_recent_or_unrecorded_meetings(branch, secretary, branch_members):
    filed = held(branch, secretary, days_ago=12, topic="已归档")
    records_services.meeting_file(meeting=filed, version=filed.version, filed_by=secretary)
    held(branch, secretary, days_ago=6, topic="6天前")
    starts = timezone.now() - datetime.timedelta(days=14)
    services.meeting_create(  # planned, never recorded: not "held"
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="未登记出勤",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )

    assert send(branch) == 0
    assert not unfiled_reminders().exists()


def test_it_reminds_from_the_seventh_day_after_the_meeting(branch, secretary, branch_members):
    meeting = held(branch, secretary, days_ago=2)

    assert send(branch, meeting.held_on + datetime.timedelta(days=6)) == 0
    assert send(branch, meeting.held_on + datetime.timedelta(days=7)) == 1


def test_a_meeting_filed_after_the_reminder_is_not_reminded_again_nor_is_a_second_one_skipped(
    branch, secretary, branch_members
):
    first = held(branch, secretary, days_ago=9, topic="第一次")
    assert send(branch) == 1
    records_services.meeting_file(meeting=first, version=first.version, filed_by=secretary)
    second = held(branch, secretary, days_ago=8, topic="第二次")

    assert send(branch) == 1
    assert sorted(unfiled_reminders().values_list("object_key", flat=True)) == sorted(
        [f"meeting:{first.pk}", f"meeting:{second.pk}"]
    )


def test_only_active_managers_of_the_meetings_organisation_are_reminded(
    branch, secretary, member_user, branch_members, district_officer
):
    deputy, organizer, propaganda, gone = (UserFactory() for _ in range(4))
    give_role(deputy, branch, RoleKind.DEPUTY_SECRETARY)
    give_role(organizer, branch, RoleKind.ORGANIZER)
    give_role(propaganda, branch, RoleKind.PROPAGANDA)  # on the committee, but does not manage the records
    give_role(gone, branch, RoleKind.SECRETARY)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    held(branch, secretary, days_ago=10)

    assert send(branch) == 3
    assert set(unfiled_reminders().values_list("recipient", flat=True)) == {secretary.pk, deputy.pk, organizer.pk}


def test_a_group_meeting_names_the_group_and_reminds_the_branch(branch, secretary, branch_members):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    for member in branch_members[:3]:
        member.group = group
        member.save(update_fields=["group"])
    day = timezone.localdate() - datetime.timedelta(days=8)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(19)))
    meeting = services.meeting_create(
        organization=branch,
        group=group,
        created_by=secretary,
        kind=MeetingKind.GROUP_MEETING,
        topic="党小组学习",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)

    assert send(branch) == 1
    assert f"{branch.name} 第一党小组" in unfiled_reminders(secretary).get().notification.body


def test_it_reminds_only_the_organisations_of_the_chunk(
    branch, secretary, branch_members, other_branch, other_branch_secretary
):
    MemberFactory(organization=other_branch)
    held(other_branch, other_branch_secretary, days_ago=10)

    assert send(branch) == 0
    assert send(other_branch) == 1
    assert unfiled_reminders().get().recipient == other_branch_secretary


def test_building_the_messages_costs_two_queries_whatever_the_number_of_meetings(
    branch, secretary, branch_members, monkeypatch, django_assert_num_queries
):
    built = []
    monkeypatch.setattr(reminders, "reminders_send", lambda *, messages, email=True: built.append(messages) or 0)
    held(branch, secretary, days_ago=10)
    with django_assert_num_queries(2):
        send(branch)

    for day in range(8, 14):
        held(branch, secretary, days_ago=day, topic=f"第{day}次")
    for _ in range(3):
        give_role(UserFactory(), branch, RoleKind.ORGANIZER)
    with django_assert_num_queries(2):
        send(branch)

    assert [len(messages) for messages in built] == [1, 7 * 4]


def test_the_scan_fans_out_chunks_of_organisations_and_sends_once(
    branch,
    secretary,
    branch_members,
    other_branch,
    other_branch_secretary,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    MemberFactory(organization=other_branch)
    held(branch, secretary, days_ago=10)
    held(other_branch, other_branch_secretary, days_ago=7)
    held(other_branch, other_branch_secretary, days_ago=3)  # not yet
    monkeypatch.setattr(reminders, "REMINDER_CHUNK_SIZE", 1)
    today = timezone.localdate().isoformat()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        chunks = tasks.meeting_unfiled_reminders_schedule.apply(kwargs={"today": today}).get()
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.meeting_unfiled_reminders_schedule.apply(kwargs={"today": today}).get()

    assert (chunks, again, len(callbacks)) == (2, 2, 2)
    assert set(unfiled_reminders().values_list("recipient", flat=True)) == {secretary.pk, other_branch_secretary.pk}
    assert Notification.objects.filter(reminder__kind=ReminderKind.MEETING_UNFILED).count() == 2


def test_the_scan_costs_one_query_and_skips_organisations_nobody_can_file_for(
    branch, secretary, branch_members, sibling_branch, django_assert_num_queries
):
    MemberFactory(organization=sibling_branch)
    held(sibling_branch, None, days_ago=10)  # no secretary with a login
    with django_assert_num_queries(1):
        assert reminders.meeting_unfiled_reminders_schedule(today=timezone.localdate()) == 0

    for day in range(7, 12):
        held(branch, secretary, days_ago=day)
    with django_assert_num_queries(1):
        assert reminders.meeting_unfiled_reminders_schedule(today=timezone.localdate()) == 1


def test_the_unfiled_job_runs_daily_at_half_past_eight():
    from portal.celery import app

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "activities.tasks.meeting_unfiled_reminders_schedule"
    ]

    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute, len(schedule.day_of_week), len(schedule.day_of_month)) == (
        {8},
        {30},
        7,
        31,
    )
    assert entries[0]["task"] in app.tasks


@pytest.mark.parametrize(
    "name", ["meeting_unfiled_reminders_schedule", "meeting_unfiled_reminders_send", "meeting_planned_notify"]
)
def test_the_meeting_tasks_retry_transient_errors_with_backoff(name):
    task = getattr(tasks, name)

    assert task.name == f"activities.tasks.{name}"
    assert set(task.autoretry_for) == {SMTPException, ConnectionError}
    assert (task.retry_backoff, task.max_retries, task.acks_late) == (True, 5, True)


# The notice of a planned meeting -------------------------------------------------------------------------------


def plan(branch, secretary, *, days_ahead: int = 5, **fields) -> Meeting:
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=days_ahead)
    values = {
        "kind": MeetingKind.THEME_DAY,
        "topic": "重温入党誓词",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "location": "三楼会议室",
    }
    values.update(fields)
    return services.meeting_create(organization=branch, created_by=secretary, **values)


def planned_notices(user=None):
    qs = Reminder.objects.filter(kind=ReminderKind.MEETING_PLANNED)
    return qs.filter(recipient=user) if user else qs


def test_scheduling_a_meeting_notifies_the_expected_attendees_with_logins_once(
    branch, secretary, member_user, branch_members, sibling_branch, django_capture_on_commit_callbacks, mailoutbox
):
    gone = MemberFactory(organization=branch, name="停用账号", user=UserFactory(is_active=False))
    MemberFactory(organization=sibling_branch, name="兄弟支部党员", user=UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(branch, secretary)

    recipients = set(planned_notices().values_list("recipient", flat=True))
    assert recipients == {secretary.pk, member_user.pk}  # the other three members have no login
    assert gone.user_id not in recipients
    notice = planned_notices(member_user).get().notification
    assert "主题党日：重温入党誓词" in notice.title
    assert "三楼会议室" in notice.body and branch.name in notice.body
    assert notice.url == meeting.get_absolute_url()
    assert sorted(message.to[0] for message in mailoutbox) == sorted([secretary.email, member_user.email])

    assert reminders.meeting_planned_notify(meeting_id=meeting.pk) == 0
    assert planned_notices().count() == 2


def test_a_group_meeting_notifies_only_the_groups_members(
    branch, secretary, member_user, branch_members, django_capture_on_commit_callbacks
):
    group = PartyGroupFactory(organization=branch, name="第二党小组")
    member = member_user.member
    member.group = group
    member.save(update_fields=["group"])

    with django_capture_on_commit_callbacks(execute=True):
        plan(branch, secretary, kind=MeetingKind.GROUP_MEETING, group=group, topic="党小组会")

    assert list(planned_notices().values_list("recipient", flat=True)) == [member_user.pk]


def test_a_moved_meeting_is_announced_again_and_a_held_one_not_at_all(
    branch, secretary, member_user, branch_members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(branch, secretary)
    moved = services.meeting_update(
        meeting=meeting,
        version=meeting.version,
        updated_by=secretary,
        starts_at=meeting.starts_at + datetime.timedelta(days=1),
        ends_at=meeting.ends_at + datetime.timedelta(days=1),
    )

    assert reminders.meeting_planned_notify(meeting_id=moved.pk) == 2
    assert planned_notices(member_user).count() == 2

    past = held(branch, secretary, days_ago=1)
    assert reminders.meeting_planned_notify(meeting_id=past.pk) == 0
    assert reminders.meeting_planned_notify(meeting_id=999999) == 0


def test_a_meeting_entered_after_it_took_place_notifies_nobody(
    branch, secretary, branch_members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan(branch, secretary, days_ahead=-3)

    assert callbacks == []
    assert not planned_notices().exists()
