from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.permissions import (
    is_administrator,
    is_committee_officer,
    own_member,
    primary_organization_id,
    sees_everything,
)


def navigation(request: HttpRequest) -> dict:
    """Navigation entries for the user's roles (no queries beyond the cached roles and member)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if sees_everything(user) or is_committee_officer(user):
        items.append((_("组织树"), reverse("branches:organization_tree")))
    organization_id = primary_organization_id(user)
    if organization_id:
        items.append((_("我的组织"), reverse("branches:organization_detail", args=[organization_id])))
    member = own_member(user)
    if member:
        items.append((_("我的信息"), member.get_absolute_url()))
    if user.is_staff or is_administrator(user):
        items.append((_("后台管理"), reverse("admin:index")))
    return {"nav_items": items}
