"""The job's page, its htmx partial (polled while the job is live) and the download of its result file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.http import HtmxHttpRequest
from portal.jobs.models import JobState
from portal.jobs.registry import kind_get, kind_title
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.jobs.services import job_cancel


@login_required
@require_http_methods(["GET", "POST"])
def job_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the job's progress, then its result or error (the partial for htmx). POST: cancel a queued job."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    if request.method == "POST":
        if job_cancel(job=job, by=request.user):  # type: ignore[arg-type]  # login_required: never AnonymousUser
            messages.success(request, _("任务已取消。"))
        elif job.state != JobState.CANCELLED:
            messages.error(request, _("任务已开始执行，无法取消。"))
        if not request.htmx:
            return redirect(job)
    job = job_with_live_progress(job)
    job_kind = kind_get(job.kind)
    context = {
        "job": job,
        "title": kind_title(job.kind),
        "result_template": job_kind.result_template if job_kind else None,
        "can_cancel": job.state == JobState.QUEUED,
    }
    template = "portal/partials/_job.html" if request.htmx else "portal/job_status.html"
    return render(request, template, context)


@login_required
def job_download(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    """The job's result file, as an attachment, to whoever may see the job (404 to anybody else)."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=job,
        organization_id=job.organization_id,
        detail={"export": job.kind, "file": job.result_name or job.result_file.name, "rows": job.progress_total},
        request=request,
    )
    response = FileResponse(handle, as_attachment=True, filename=job.result_name or job.result_file.name)  # type: ignore[arg-type]  # a saved file has a name
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
