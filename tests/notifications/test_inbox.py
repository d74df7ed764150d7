"""The inbox: own notifications only, newest first, unread ones marked, opened and marked read by POST."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import INBOX_PAGE_SIZE

pytestmark = pytest.mark.django_db

INBOX_BUDGET = 8


def notify(user, title="提醒", *, url="", read=False, minutes_ago=0, body=""):
    notification = Notification.objects.create(recipient=user, title=title, url=url, body=body)
    created = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk=notification.pk).update(created_at=created, read_at=created if read else None)
    notification.refresh_from_db()
    return notification


def test_it_lists_the_users_own_notifications_newest_first(client, member_user, secretary):
    notify(member_user, "较早的提醒", minutes_ago=60)
    notify(member_user, "最新的提醒", minutes_ago=1)
    notify(secretary, "书记的提醒")
    client.force_login(member_user)

    page = client.get(reverse("notifications:inbox"))

    assert page.status_code == 200
    text = page.text
    assert text.index("最新的提醒") < text.index("较早的提醒")
    assert "书记的提醒" not in text


def test_it_shows_unread_notifications_in_bold_with_the_count(client, member_user):
    notify(member_user, "未读的提醒")
    notify(member_user, "已读的提醒", read=True, minutes_ago=5)
    client.force_login(member_user)

    page = client.get(reverse("notifications:inbox"))

    items = page.text.split('<li class="list-group-item')[1:]
    unread = next(item for item in items if "未读的提醒" in item)
    read = next(item for item in items if "已读的提醒" in item)
    assert "fw-bold" in unread
    assert "fw-bold" not in read
    assert "1 条未读" in page.text
    assert "全部标为已读" in page.text


def test_it_pages_the_inbox_by_twenty(client, member_user):
    for i in range(INBOX_PAGE_SIZE + 5):
        notify(member_user, f"第{i:02d}条提醒", minutes_ago=100 - i)
    client.force_login(member_user)

    first = client.get(reverse("notifications:inbox"))
    second = client.get(reverse("notifications:inbox"), {"page": 2})

    assert first.context["page"].object_list[0].title == "第24条提醒"
    assert len(first.context["page"].object_list) == INBOX_PAGE_SIZE
    assert [n.title for n in second.context["page"].object_list] == [f"第{i:02d}条提醒" for i in range(4, -1, -1)]
    assert "下一页" in first.text


def test_the_inbox_costs_the_same_queries_for_three_or_sixty_notifications(
    client, member_user, django_assert_max_num_queries
):
    for i in range(3):
        notify(member_user, f"提醒{i}")
    client.force_login(member_user)
    url = reverse("notifications:inbox")

    with django_assert_max_num_queries(INBOX_BUDGET), CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(57):
        notify(member_user, f"更多提醒{i}", read=i % 2 == 0)
    with django_assert_max_num_queries(INBOX_BUDGET), CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(small) == len(large)


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, member_user):
    notification = notify(member_user, url="/me/study/")
    client.force_login(member_user)

    response = client.post(reverse("notifications:notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/me/study/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["", "https://evil.example.org/", "//evil.example.org/x", "/\\evil.example.org", "javascript:alert(1)"]
)
def test_a_link_that_could_leave_the_portal_goes_back_to_the_inbox(client, member_user, url):
    notification = notify(member_user, url=url)
    client.force_login(member_user)

    response = client.post(reverse("notifications:notification_open", args=[notification.pk]))

    assert response["Location"] == reverse("notifications:inbox")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_answers_404_and_stays_unread(client, secretary, other_branch_secretary):
    notification = notify(secretary, url="/me/study/")
    client.force_login(other_branch_secretary)

    response = client.post(reverse("notifications:notification_open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_opening_by_get_changes_nothing(client, member_user):
    notification = notify(member_user, url="/me/study/")
    client.force_login(member_user)

    response = client.get(reverse("notifications:notification_open", args=[notification.pk]))

    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_users_own(client, member_user, secretary):
    mine = [notify(member_user, f"提醒{i}") for i in range(3)]
    theirs = notify(secretary, "书记的提醒")
    client.force_login(member_user)

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("notifications:inbox")
    assert "已将3条消息标为已读" in response.text
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "全部标为已读" not in response.text


def test_mark_all_read_refuses_get(client, member_user):
    notification = notify(member_user)
    client.force_login(member_user)

    assert client.get(reverse("notifications:read_all")).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_empty_inbox_says_so(client, member_user):
    client.force_login(member_user)

    page = client.get(reverse("notifications:inbox"))

    assert "暂无消息" in page.text
    assert "全部标为已读" not in page.text
