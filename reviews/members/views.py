"""Pages of the member rules: the M1 flags of a branch or a subtree, with the 批评教育 talk; M2 and M3 for a branch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities.talks.selectors import talk_member_choices
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, own_member
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from reviews.members import rules as member_rules
from reviews.members.forms import MemberFlagTalkForm
from reviews.models import FlagLevel, MemberFlag


def _talk_form(request: HttpRequest, flag: MemberFlag, data=None) -> MemberFlagTalkForm:
    today = timezone.localdate()
    initial: dict[str, Any] = {"held_on": today}
    member = own_member(request.user)
    if member is not None and member.organization_id == flag.organization_id and member.pk != flag.member_id:
        initial["initiator"] = member.pk
    return MemberFlagTalkForm(
        data,
        members=talk_member_choices(organization=flag.organization).exclude(pk=flag.member_id),
        today=today,
        initial=initial,
    )


def _page(
    request: AuthenticatedHttpRequest,
    organization: Organization,
    *,
    talk_flag: MemberFlag | None = None,
    talk_form: MemberFlagTalkForm | None = None,
) -> HttpResponse:
    level = request.GET.get("level", "")
    level_ok = level in ("", *FlagLevel.values)
    today = timezone.localdate()
    context = {
        "organization": organization,
        "ancestors": [
            *branch_selectors.organization_ancestors(organization=organization, user=request.user),
            organization,
        ],
        "flags": member_rules.member_flags_list(
            organization=organization, level=level if level_ok else "", page_number=request.GET.get("page", 1)
        ),
        "level_ok": level_ok,
        "can_record_talk": can_manage_organization(request.user, organization),
        "talk_flag": talk_flag,
        "talk_form": talk_form,
        "today": today,
        "source": member_rules.M1_SOURCE,
    }
    context["cadres"] = member_rules.cadre_attendance(organization=organization, year=today.year, today=today)
    if organization.is_branch:
        context["hours"] = member_rules.study_hours_list(organization=organization, year=today.year)
    return render(request, "reviews/member_flags.html", context)


@login_required
@require_GET
def member_flags(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The M1 flags of a branch, or of a committee's subtree grouped by branch; for a branch also M2 and M3.

    `?talk=<flag id>` opens the form for recording the 批评教育 talk with that member."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not member_rules.can_view_member_flags(request.user, organization):
        raise PermissionDenied
    talk_flag = talk_form = None
    if request.GET.get("talk"):
        try:
            talk_flag = (
                member_rules.member_flags_visible_to(request.user)
                .select_related("member", "organization")
                .get(pk=int(request.GET["talk"]), organization__path__startswith=organization.path)
            )
        except (ValueError, MemberFlag.DoesNotExist):
            raise Http404 from None
        if not can_manage_organization(request.user, talk_flag.organization):
            raise PermissionDenied
        talk_form = _talk_form(request, talk_flag)
        if request.htmx:
            context = {"talk_flag": talk_flag, "talk_form": talk_form, "organization": organization}
            return render(request, "reviews/partials/_member_rules_talk.html", context)
    return _page(request, organization, talk_flag=talk_flag, talk_form=talk_form)


@login_required
@require_http_methods(["GET", "POST"])
def member_flag_talk(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the 批评教育 talk held with a flagged member (a 谈心谈话 marked as criticism, linked to the flag).

    The form is shown on the flags page of the organisation named by `back` (the branch by default)."""
    flag = get_or_404(member_rules.member_flag_get, user=request.user, pk=pk)
    back = flag.organization
    back_id = request.POST.get("back") or request.GET.get("back")
    if back_id:
        try:
            back = get_or_404(organization_get, user=request.user, pk=int(back_id))
        except ValueError:
            raise Http404 from None
        if not flag.organization.path.startswith(back.path):
            raise Http404
    if not can_manage_organization(request.user, flag.organization):
        raise PermissionDenied
    if request.method == "GET":
        return redirect(f"{reverse('reviews:member_flags', args=[back.pk])}?talk={flag.pk}#talk")
    form = _talk_form(request, flag, request.POST)
    if form.is_valid():
        try:
            member_rules.member_flag_talk_record(flag=flag, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已登记与%(name)s的批评教育谈话。") % {"name": flag.member.name})
            return redirect("reviews:member_flags", back.pk)
    return _page(request, back, talk_flag=flag, talk_form=form)
