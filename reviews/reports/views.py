"""The 年度报表 page of an organisation (its reports by year, the request form, the user's running requests) and
the scoped download of a report's files."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, can_view_organization
from branches.selectors import organization_get
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.shortcuts import get_or_404
from portal.xlsx import XLSX_CONTENT_TYPE
from reviews.models import YearlyReportFile
from reviews.reports.forms import YearlyReportRequestForm
from reviews.reports.services import YEARLY_REPORT, YEARLY_REPORT_TITLE, report_file_name, yearly_report_request

RECENT_JOBS = 5
FILE_KINDS = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE}


def can_view_yearly_reports(user, organization: Organization) -> bool:
    """Officers and administrators of the subtree, and an organisation's own secretaries (managing roles)."""
    return can_view_organization(user, organization) and can_manage_organization(user, organization)


def _organization_or_404(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization):
        raise Http404
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def yearly_reports(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the organisation's reports (every year, newest first) and the request form. POST: request a year."""
    organization = _organization_or_404(request, pk)
    today = timezone.localdate()
    form = YearlyReportRequestForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        job = yearly_report_request(organization=organization, year=form.cleaned_data["year"], by=request.user)
        return redirect(reverse("reviews:yearly_reports", args=[organization.pk]) + f"#job-{job.pk}")
    reports = list(
        YearlyReportFile.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("-year", "-version")
    )
    jobs = [
        job_with_live_progress(job)
        for job in jobs_visible_to(request.user)
        .filter(kind=YEARLY_REPORT, organization=organization)
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    ]
    context = {
        "organization": organization,
        "form": form,
        "reports": reports,
        "jobs": jobs,
        "job_title": YEARLY_REPORT_TITLE,
    }
    return render(request, "reviews/yearly_reports.html", context, status=400 if form.errors else 200)


@login_required
def yearly_report_download(request: AuthenticatedHttpRequest, pk: int, file_kind: str) -> HttpResponseBase:
    """A report's PDF or xlsx as an attachment with its Chinese name; 404 outside the user's scope."""
    if file_kind not in FILE_KINDS:
        raise Http404
    report = get_object_or_404(YearlyReportFile.objects.select_related("organization"), pk=pk)
    organization = get_or_404(organization_get, user=request.user, pk=report.organization_id)
    if not can_view_yearly_reports(request.user, organization):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    field = report.pdf if file_kind == "pdf" else report.xlsx
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=report,
        organization_id=organization.pk,
        detail={"export": "yearly_report", "year": report.year, "version": report.version, "file": file_kind},
        request=request,
    )
    response = FileResponse(
        handle, as_attachment=True, filename=report_file_name(report, file_kind), content_type=FILE_KINDS[file_kind]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
