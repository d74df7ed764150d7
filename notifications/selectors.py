"""Reads for the inbox: a user sees only their own notifications, in a fixed number of queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from notifications.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from branches.models import User

INBOX_PAGE_SIZE = 20


def notification_list(*, user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's notifications, newest first (none for an anonymous user)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-pk")


def notification_page(*, user: User, page_number: int | str = 1) -> Page:
    """One page of the inbox. Two queries (count, page)."""
    return Paginator(notification_list(user=user), INBOX_PAGE_SIZE).get_page(page_number)


def notification_get(*, user: User, pk: int) -> Notification:
    """One of the user's own notifications; DoesNotExist for anybody else's."""
    return notification_list(user=user).get(pk=pk)


def notification_unread_count(*, user: User | AnonymousUser) -> int:
    """How many unread notifications the user has: one COUNT query, none for an anonymous user."""
    if not user.is_authenticated:
        return 0
    return notification_list(user=user).filter(read_at__isnull=True).count()


def notification_target(*, notification: Notification) -> str | None:
    """The notification's link when it is a path on this portal ("/study/…"), else None.

    Links are written by the portal's own services, but they are stored text: anything that could leave the
    site (an absolute URL, "//host", "/\\host") is refused.
    """
    url = notification.url.strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False) else None
