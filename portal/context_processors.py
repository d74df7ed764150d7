from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from branches.permissions import (
    is_administrator,
    is_committee_officer,
    own_member,
    primary_organization_id,
    sees_everything,
)
from notifications.selectors import notification_unread_count

UNREAD_BADGE_MAX = 99


class InboxLink:
    """The navbar's inbox link. The unread count is one COUNT query, made when a page shows it (once)."""

    def __init__(self, user) -> None:
        self.user = user
        self.url = reverse("notifications:inbox")

    @cached_property
    def unread(self) -> int:
        return notification_unread_count(user=self.user)

    @property
    def unread_label(self) -> str:
        return f"{UNREAD_BADGE_MAX}+" if self.unread > UNREAD_BADGE_MAX else str(self.unread)


def navigation(request: HttpRequest) -> dict:
    """Navigation entries for the user's roles (no queries beyond the cached roles and member), and the inbox
    link with the unread count (one COUNT query when the page shows it; nothing for anonymous users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "inbox": None}
    items = []
    if sees_everything(user) or is_committee_officer(user):
        items.append((_("组织树"), reverse("branches:organization_tree")))
    if is_committee_officer(user):
        items.append((_("督导检查"), reverse("reviews:dashboard_home")))
    organization_id = primary_organization_id(user)
    if organization_id:
        items.append((_("我的组织"), reverse("branches:organization_detail", args=[organization_id])))
        # The month view of meetings with the to-do, for everyone who does the organisation's work.
        items.append((_("组织生活"), reverse("activities:month", args=[organization_id])))
        if is_committee_officer(user):
            items.append((_("评议进度"), reverse("reviews:evaluation_progress", args=[organization_id])))
            items.append((_("党费收缴"), reverse("activities:dues_overview", args=[organization_id])))
            # 换届: the subtree's branches whose committee term is over or ends within six months.
            items.append((_("换届提醒"), reverse("branches:terms_due", args=[organization_id])))
        # 整改台账: the branch's own ledger for its committee, the subtree's for the officers above.
        items.append((_("整改台账"), reverse("reviews:problem_ledger", args=[organization_id])))
        # 述职评议考核: the secretaries' reports, the reports to assess, the committee's rounds.
        items.append((_("述职评议"), reverse("reviews:duty_mine")))
    member = own_member(user)
    if member:
        items.append((_("我的学习"), reverse("study:my_study")))
        items.append((_("我的会议"), reverse("activities:my_meetings")))
        items.append((_("我的党费"), reverse("activities:dues_mine")))
        items.append((_("民主评议"), reverse("reviews:evaluation_list", args=[member.organization_id])))
    items.append((_("学习资料"), reverse("study:material_list")))
    if member:
        items.append((_("我的信息"), member.get_absolute_url()))
    if is_administrator(user):
        items.append((_("审计日志"), reverse("branches:audit_log")))
    if user.is_staff or is_administrator(user):
        items.append((_("后台管理"), reverse("admin:index")))
    return {"nav_items": items, "inbox": InboxLink(user)}
