"""Pages for 谈心谈话, 承诺践诺 (with the member's own "我的承诺") and 党员先锋岗 / 示范岗 / 责任区.

Thin: scope from the access module (404 outside it), rights from its predicates (403 for an in-scope user who
may only look), reads from talk_selectors, one talk_services call per write.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
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

from activities.models import Commitment, HeartTalk, PioneerPost
from activities.permissions import can_read_talk_summary
from activities.talks import selectors, services
from activities.talks.forms import (
    CommitmentCommentForm,
    CommitmentPledgeForm,
    CommitmentReportForm,
    HeartTalkForm,
    PioneerPostEndForm,
    PioneerPostForm,
    parse_year,
)
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Member, MemberStatus, Organization, User
from branches.permissions import can_manage_member, can_manage_organization, can_view_organization, own_member
from branches.selectors import organization_get
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404

# Lookups -----------------------------------------------------------------------------------------------------


def _branch_or_404(request: HttpRequest, pk: int) -> Organization:
    """Talks and commitments belong to a branch: another kind of organisation has no such page."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    return organization


def _ancestors_and_self(request: AuthenticatedHttpRequest, organization: Organization) -> list[Organization]:
    return [*branch_selectors.organization_ancestors(organization=organization, user=request.user), organization]


def _member_of(user: User, organization: Organization) -> Member | None:
    """The user's own member record if it is an active member of `organization`."""
    member = own_member(user)
    if member is not None and member.organization_id == organization.pk and member.status == MemberStatus.ACTIVE:
        return member
    return None


def _year_nav(year: int, today: datetime.date) -> dict:
    return {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1 if year < today.year else None,
        "is_current_year": year == today.year,
    }


# 谈心谈话 -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def talk_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The branch's talks in a year. Summaries only for the two members and the branch secretary; the managers
    also see rule C11's progress (which committee–member pairs still need a talk)."""
    organization = _branch_or_404(request, pk)
    today = timezone.localdate()
    year, year_ok = parse_year(request.GET.get("year"), today=today)
    can_manage = can_manage_organization(request.user, organization)
    rows = selectors.talk_rows(user=request.user, organization=organization, year=year)
    read = [row.talk.pk for row in rows if row.summary_visible and row.talk.summary]
    if read:
        audit_record(
            actor=request.user,
            action=AuditAction.TALK_SUMMARY_VIEWED,
            target=organization,
            detail={"talks": read, "count": len(read)},
            request=request,
        )
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "year_ok": year_ok,
        "rows": rows,
        "coverage": selectors.talk_coverage(organization=organization, year=year) if can_manage else None,
        "can_record": can_manage or _member_of(request.user, organization) is not None,
        **_year_nav(year, today),
    }
    return render(request, "activities/talk_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def talk_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a talk: the branch's managers any talk, a member a talk they had."""
    organization = _branch_or_404(request, pk)
    can_manage = can_manage_organization(request.user, organization)
    member = _member_of(request.user, organization)
    if not can_manage and member is None:
        raise PermissionDenied
    today = timezone.localdate()
    initial: dict[str, Any] = {"held_on": today}
    if member is not None and not can_manage:
        initial["initiator"] = member.pk
    form = HeartTalkForm(
        request.POST or None,
        members=selectors.talk_member_choices(organization=organization),
        today=today,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            talk = services.heart_talk_record(organization=organization, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("谈心谈话已登记。"))
            return redirect("activities:talk_detail", talk.pk)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "form": form,
        "records_own_only": not can_manage,
    }
    return render(request, "activities/talk_form.html", context)


@login_required
@require_GET
def talk_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        talk = selectors.talk_get(user=request.user, pk=pk)
    except HeartTalk.DoesNotExist:
        raise Http404 from None
    summary_visible = can_read_talk_summary(request.user, talk)
    if summary_visible and talk.summary:
        audit_record(actor=request.user, action=AuditAction.TALK_SUMMARY_VIEWED, target=talk, request=request)
    context = {
        "talk": talk,
        "organization": talk.organization,
        "ancestors": _ancestors_and_self(request, talk.organization),
        "summary_visible": summary_visible,
    }
    return render(request, "activities/talk_detail.html", context)


# 承诺践诺 -----------------------------------------------------------------------------------------------------

PLEDGE, MID_YEAR, YEAR_END = "pledge", services.ReportStage.MID_YEAR.value, services.ReportStage.YEAR_END.value


@dataclass(frozen=True)
class ReportBlock:
    """One self-report on 我的承诺: its title, when it opens, its form."""

    title: str
    window: selectors.ReportWindow
    form: CommitmentReportForm


@login_required
@require_http_methods(["GET", "POST"])
def commitment_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "我的承诺": this year's pledge, the mid-year and year-end self-reports when their time has come, the branch's
    comment, and earlier years. One page, one form per step (phone first)."""
    member = own_member(request.user)
    if member is None:
        return render(request, "activities/commitment_no_member.html")
    today = timezone.localdate()
    mine = selectors.my_commitment(member=member, today=today)
    commitment = mine.commitment
    action = request.POST.get("action") if request.method == "POST" else None
    pledge_form = CommitmentPledgeForm(
        request.POST if action == PLEDGE else None,
        prefix=PLEDGE,
        initial={
            "post": commitment.post if commitment else member.position,
            "pledge": commitment.pledge if commitment else "",
        },
    )
    report_forms = {
        stage: CommitmentReportForm(
            request.POST if action == stage else None,
            prefix=stage,
            initial={"report": getattr(commitment, f"{stage}_report") if commitment else ""},
        )
        for stage in (MID_YEAR, YEAR_END)
    }
    if action == PLEDGE and pledge_form.is_valid():
        try:
            services.commitment_pledge(member=member, today=today, **pledge_form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(pledge_form, error)
        else:
            messages.success(request, _("%(year)d年度承诺已保存。") % {"year": today.year})
            return redirect("activities:commitment_mine")
    elif action in report_forms and report_forms[action].is_valid():
        form = report_forms[action]
        if commitment is None:
            form.add_error(None, _("请先填写本年度的承诺，再填写践诺情况。"))
        else:
            try:
                services.commitment_report(
                    commitment=commitment, stage=services.ReportStage(action), report=form.cleaned_data["report"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("践诺情况已保存。"))
                return redirect("activities:commitment_mine")
    elif request.method == "POST" and action not in (PLEDGE, *report_forms):
        return redirect("activities:commitment_mine")
    context = {
        "mine": mine,
        "pledge_form": pledge_form,
        "report_blocks": [
            ReportBlock(title=_("年中践诺情况"), window=mine.mid_year, form=report_forms[MID_YEAR]),
            ReportBlock(title=_("年终践诺情况"), window=mine.year_end, form=report_forms[YEAR_END]),
        ],
    }
    return render(request, "activities/commitment_mine.html", context)


@login_required
@require_GET
def commitment_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The branch's members × the year's steps (承诺, 年中, 年终, 支部评价), for the branch and the committees above."""
    organization = _branch_or_404(request, pk)
    if not can_view_organization(request.user, organization):
        raise PermissionDenied  # a member sees their own on 我的承诺
    today = timezone.localdate()
    year, year_ok = parse_year(request.GET.get("year"), today=today)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "table": selectors.commitment_table(organization=organization, year=year, today=today),
        "year_ok": year_ok,
        **_year_nav(year, today),
    }
    return render(request, "activities/commitment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One member's commitment with the reports; the branch's managers write the branch's comment here."""
    try:
        commitment = selectors.commitment_get(user=request.user, pk=pk)
    except Commitment.DoesNotExist:
        raise Http404 from None
    can_comment = can_manage_member(request.user, commitment.member)
    if request.method == "POST" and not can_comment:
        raise PermissionDenied
    form = CommitmentCommentForm(request.POST or None, initial={"branch_comment": commitment.branch_comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_comment(
                commitment=commitment, comment=form.cleaned_data["branch_comment"], commented_by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("支部评价已保存。"))
            return redirect("activities:commitment_detail", commitment.pk)
    organization = commitment.member.organization
    context = {
        "commitment": commitment,
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "form": form if can_comment else None,
        "list_url": reverse("activities:commitment_list", args=[organization.pk]) + f"?year={commitment.year}",
    }
    return render(request, "activities/commitment_detail.html", context)


# 党员先锋岗 / 示范岗 / 责任区 ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pioneer_post_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        member = branch_selectors.member_get(user=request.user, pk=pk)
    except Member.DoesNotExist:
        raise Http404 from None
    if not can_manage_member(request.user, member):
        raise PermissionDenied
    form = PioneerPostForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            post = services.pioneer_post_assign(member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("已为%(name)s设立%(kind)s。") % {"name": member.name, "kind": post.get_kind_display()}
            )
            return redirect(member)
    return render(request, "activities/pioneer_post_form.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def pioneer_post_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        post = selectors.pioneer_post_get(user=request.user, pk=pk)
    except PioneerPost.DoesNotExist:
        raise Http404 from None
    if not can_manage_member(request.user, post.member):
        raise PermissionDenied
    form = PioneerPostEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.pioneer_post_end(post=post, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已撤销%(title)s。") % {"title": post.title})
            return redirect(post.member)
    return render(request, "activities/pioneer_post_end.html", {"form": form, "post": post, "member": post.member})
