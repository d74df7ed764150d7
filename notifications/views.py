"""The in-portal inbox: list, open (mark read and follow the link), mark all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.http import AuthenticatedHttpRequest
from notifications import selectors, services
from notifications.models import Notification


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 20 a page; unread ones stand out."""
    page = selectors.notification_page(user=request.user, page_number=request.GET.get("page", 1))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to what it is about (a path on this portal only)."""
    try:
        notification = selectors.notification_get(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    services.notification_mark_read(notification=notification)
    target = selectors.notification_target(notification=notification)
    return HttpResponseRedirect(target) if target else redirect("notifications:inbox")


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    count = services.notifications_mark_all_read(user_id=request.user.pk)
    if count:
        messages.success(request, _("已将%(n)d条消息标为已读。") % {"n": count})
    return redirect("notifications:inbox")
