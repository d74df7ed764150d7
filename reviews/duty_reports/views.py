"""Pages of 述职评议考核: the committee's rounds, a round's reports, the 书记's report, assessment, conclusion.

Every object is found through the access module (404 outside the reach); actions are checked with the
predicates of reviews.duty_reports.permissions (403 for a user who may only look); writes go through one service
call.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.http import AuthenticatedHttpRequest
from branches.models import User
from branches.permissions import can_manage_organization, users_visible_to
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from reviews.duty_reports import selectors, services
from reviews.duty_reports.forms import AssessmentForm, ConclusionForm, ReportForm, ReturnForm, RoundOpenForm
from reviews.duty_reports.models import DutyReport, DutyReportStatus
from reviews.duty_reports.permissions import can_assess_report, can_run_round, can_write_report, is_assessor


def _open_form(request: AuthenticatedHttpRequest, committee, data=None) -> RoundOpenForm:
    today = timezone.localdate()
    year = today.year if today.month >= 11 else today.year - 1
    representatives = (
        users_visible_to(request.user)
        .filter(member__organization__path__startswith=committee.path, is_active=True)
        .select_related("member")
        .order_by("member__name", "pk")
    )
    return RoundOpenForm(
        data,
        initial={"year": year, "due_on": datetime.date(year + 1, 1, 31)},
        representatives=representatives,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The committee's 述职评议考核 by year; its managers open the year's round here."""
    committee = get_or_404(organization_get, user=request.user, pk=pk)
    if committee.is_branch:
        raise Http404
    may_open = can_manage_organization(request.user, committee)
    form = _open_form(request, committee) if may_open else None
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied
        form = _open_form(request, committee, request.POST)
        if form.is_valid():
            try:
                duty_round = services.duty_round_open(
                    committee=committee,
                    year=form.cleaned_data["year"],
                    due_on=form.cleaned_data["due_on"],
                    opened_by=request.user,
                    representatives=list(form.cleaned_data["representatives"]),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("已发起%(year)d年度述职评议考核。") % {"year": duty_round.year})
                return redirect(duty_round)
    context = {
        "organization": committee,
        "rounds": selectors.committee_rounds(committee=committee),
        "units": len(selectors.reporting_units(committee=committee)),
        "form": form,
        "source": selectors.SOURCE,
    }
    return render(request, "reviews/duty_round_list.html", context)


@login_required
@require_GET
def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Which units submitted, how many assessments each has, which are concluded; the tallies for the managers."""
    duty_round = get_or_404(selectors.round_get, user=request.user, pk=pk)
    runs = can_run_round(request.user, duty_round)
    assesses = is_assessor(request.user, duty_round)
    if not runs and not assesses:
        raise PermissionDenied
    page = selectors.round_page(duty_round=duty_round, user=request.user, with_tallies=runs)
    context = {
        "duty_round": duty_round,
        "page": page,
        "can_run": runs,
        "assesses": assesses,
        "source": selectors.SOURCE,
    }
    return render(request, "reviews/duty_round_detail.html", context)


@login_required
@require_POST
def round_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remind the 书记 late with their report and the assessors who have not graded a submitted report."""
    duty_round = get_or_404(selectors.round_get, user=request.user, pk=pk)
    if not can_run_round(request.user, duty_round):
        raise PermissionDenied
    sent = services.duty_round_remind(duty_round=duty_round)
    messages.success(request, _("已发送%(n)d条提醒（同一天不重复提醒）。") % {"n": sent})
    return redirect(duty_round)


def _may_see(user: User, report: DutyReport) -> tuple[bool, bool, bool]:
    writes = can_write_report(user, report)
    runs = can_run_round(user, report.round)
    assesses = can_assess_report(user, report)
    if not (writes or runs or assesses):
        raise PermissionDenied
    return writes, runs, assesses


@login_required
@require_GET
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The report as handed in: its figures and prose; for the 书记 the tally and the conclusion once concluded;
    for the committee's managers every assessment; for an assessor their own."""
    report = get_or_404(selectors.report_get, user=request.user, pk=pk)
    writes, runs, assesses = _may_see(request.user, report)
    concluded = report.status == DutyReportStatus.CONCLUDED
    context = {
        "report": report,
        "duty_round": report.round,
        "figures": selectors.figures_view(report.figures),
        "can_write": writes,
        "can_run": runs,
        "can_assess": assesses,
        "tally": selectors.report_tally(report=report) if runs or (writes and concluded) else [],
        "assessments": selectors.report_assessments(report=report) if runs else [],
        "my_assessment": selectors.assessment_get(report=report, assessor=request.user) if assesses else None,
        "return_form": ReturnForm() if runs and report.status == DutyReportStatus.SUBMITTED else None,
    }
    return render(request, "reviews/duty_report_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The 书记 writes the prose beside the figures; 保存 keeps a draft, 提交 hands it in (locked), 重新取数 takes
    the figures again from the portal's records."""
    report = get_or_404(selectors.report_get, user=request.user, pk=pk)
    if not can_write_report(request.user, report):
        raise PermissionDenied
    if not report.is_editable:
        return redirect(report)
    form = ReportForm(initial={"performance": report.performance, "problems": report.problems, "plans": report.plans})
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                if "refresh" in request.POST:
                    services.duty_report_figures_take(report=report)
                    messages.success(request, _("已从平台记录重新取数。"))
                    return redirect("reviews:duty_report_edit", pk=report.pk)
                submit = "submit" in request.POST
                services.duty_report_save(report=report, author=request.user, submit=submit, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                if submit:
                    messages.success(request, _("述职报告已提交。"))
                    return redirect(report)
                messages.success(request, _("述职报告已保存。"))
                return redirect("reviews:duty_report_edit", pk=report.pk)
    figures = report.figures or selectors.figures_build(organization=report.organization, year=report.round.year)
    context = {
        "report": report,
        "duty_round": report.round,
        "form": form,
        "figures": selectors.figures_view(figures),
        "preview": not report.figures,
    }
    return render(request, "reviews/duty_report_edit.html", context)


@login_required
@require_POST
def report_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The committee returns a submitted report for revision, with a reason."""
    report = get_or_404(selectors.report_get, user=request.user, pk=pk)
    if not can_run_round(request.user, report.round):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.duty_report_return(report=report, returned_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已退回修改。"))
    else:
        messages.error(request, _("请写明退回修改的理由。"))
    return redirect(report)


@login_required
@require_http_methods(["GET", "POST"])
def report_assess(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An assessor's grade and comment on a submitted report (one each; saving again changes it)."""
    report = get_or_404(selectors.report_get, user=request.user, pk=pk)
    if not can_assess_report(request.user, report):
        raise PermissionDenied
    current = selectors.assessment_get(report=report, assessor=request.user)
    form = AssessmentForm(initial={"grade": current.grade, "comment": current.comment} if current else None)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.duty_assessment_save(report=report, assessor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("评议意见已保存。"))
                return redirect(report.round)
    context = {
        "report": report,
        "duty_round": report.round,
        "form": form,
        "figures": selectors.figures_view(report.figures),
        "open": report.status == DutyReportStatus.SUBMITTED,
    }
    return render(request, "reviews/duty_report_assess.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_conclude(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The committee records its conclusion (grade and text), seeing the tally and every assessment."""
    report = get_or_404(selectors.report_get, user=request.user, pk=pk)
    if not can_run_round(request.user, report.round):
        raise PermissionDenied
    form = ConclusionForm()
    if request.method == "POST":
        form = ConclusionForm(request.POST)
        if form.is_valid():
            try:
                services.duty_report_conclude(report=report, concluded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("评定结果已记录。"))
                return redirect(report)
    context = {
        "report": report,
        "duty_round": report.round,
        "form": form,
        "tally": selectors.report_tally(report=report),
        "assessments": selectors.report_assessments(report=report),
        "open": report.status == DutyReportStatus.SUBMITTED,
    }
    return render(request, "reviews/duty_report_conclude.html", context)


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's 述职评议: their own reports, the reports waiting for their grade, the committees they run."""
    context = {"work": selectors.my_duty_work(user=request.user), "source": selectors.SOURCE}
    return render(request, "reviews/duty_mine.html", context)
