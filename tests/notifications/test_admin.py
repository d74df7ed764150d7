"""Notifications and reminders in the Django admin: scoped like every admin list, and read-only."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from branches.models import RoleKind
from notifications.models import Notification, Reminder, ReminderKind
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_administrator(district):
    """An administrator of one district (东城区委) who may view notifications and reminders."""
    user = UserFactory(username="district_admin", first_name="区管理员", is_staff=True)
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notifications", codename__in=["view_notification", "view_reminder"]
        )
    )
    return user


def remind(user, title):
    notification = Notification.objects.create(recipient=user, title=title)
    Reminder.objects.create(
        recipient=user,
        kind=ReminderKind.TASK_DUE_SOON,
        object_key=f"task:{notification.pk}",
        period="2026-03-25",
        notification=notification,
    )
    return notification


def test_it_lists_only_the_notifications_of_recipients_in_scope(
    client, district_administrator, member_user, district_officer, other_branch_secretary
):
    remind(member_user, "东城党员的提醒")
    remind(district_officer, "区委干事的提醒")
    remind(other_branch_secretary, "西城书记的提醒")
    client.force_login(district_administrator)

    notifications = client.get(reverse("admin:notifications_notification_changelist"))
    reminders = client.get(reverse("admin:notifications_reminder_changelist"))

    assert notifications.status_code == 200
    assert "东城党员的提醒" in notifications.text
    assert "区委干事的提醒" in notifications.text
    assert "西城书记的提醒" not in notifications.text
    assert {r.recipient for r in reminders.context["cl"].result_list} == {member_user, district_officer}


def test_a_notification_out_of_scope_is_not_found(client, district_administrator, other_branch_secretary):
    notification = remind(other_branch_secretary, "西城书记的提醒")
    client.force_login(district_administrator)

    response = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]), follow=True)

    assert "西城书记的提醒" not in response.text
    assert response.status_code == 404  # outside the scope: not found


def test_reminders_cannot_be_added_changed_or_deleted(client, administrator, member_user):
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    notification = remind(member_user, "提醒")
    reminder = notification.reminder
    client.force_login(administrator)

    assert client.get(reverse("admin:notifications_reminder_add")).status_code == 403
    assert (
        client.post(reverse("admin:notifications_reminder_delete", args=[reminder.pk]), {"post": "yes"}).status_code
        == 403
    )
    page = client.get(reverse("admin:notifications_reminder_change", args=[reminder.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert Reminder.objects.filter(pk=reminder.pk).exists()
