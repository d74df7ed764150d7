"""The header's inbox link: the unread count in one COUNT query per page, nothing for anonymous users."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def notification_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]


def test_the_header_shows_the_unread_count_on_every_page(client, member_user, secretary):
    for i in range(3):
        Notification.objects.create(recipient=member_user, title=f"提醒{i}")
    Notification.objects.create(recipient=member_user, title="已读", read_at="2026-01-01T00:00:00+08:00")
    Notification.objects.create(recipient=secretary, title="书记的提醒")
    client.force_login(member_user)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(member_user.member.get_absolute_url())

    assert page.status_code == 200
    assert f'href="{reverse("notifications:inbox")}"' in page.text
    assert '3<span class="visually-hidden">条未读</span>' in page.text
    counts = notification_queries(captured)
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()


def test_the_header_shows_no_badge_without_unread_notifications(client, member_user):
    Notification.objects.create(recipient=member_user, title="已读", read_at="2026-01-01T00:00:00+08:00")
    client.force_login(member_user)

    page = client.get(member_user.member.get_absolute_url())

    assert "消息" in page.text
    assert "条未读" not in page.text


def test_a_large_count_is_shown_as_99_plus(client, member_user):
    Notification.objects.bulk_create(Notification(recipient=member_user, title=f"提醒{i}") for i in range(120))
    client.force_login(member_user)

    page = client.get(member_user.member.get_absolute_url())

    assert '99+<span class="visually-hidden">条未读</span>' in page.text


def test_anonymous_pages_have_no_inbox_and_no_count_query(client):
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("account_login"))

    assert page.status_code == 200
    assert reverse("notifications:inbox") not in page.text
    assert notification_queries(captured) == []


def test_the_inbox_link_sits_outside_the_collapsed_menu_for_phones(client, member_user):
    client.force_login(member_user)

    page = client.get(member_user.member.get_absolute_url()).text

    link = page.index(f'href="{reverse("notifications:inbox")}"')
    assert link < page.index('id="portal-nav"')
