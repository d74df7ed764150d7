"""Pages for 党费: the secretary's month (collect, close, correct), a member's base, the member's own dues and
the officers' overview.

Thin: scope from the access module (404 outside it), rights from its predicates (403 for an in-scope user who
may only look), reads from the dues selectors, one dues service call per write.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.dues import jobs as dues_jobs
from activities.dues import selectors, services
from activities.dues.forms import (
    EARLIEST_YEAR,
    DuesAmendForm,
    DuesBaseForm,
    DuesImportForm,
    DuesReductionDecisionForm,
    collection_input,
    parse_date,
)
from activities.dues.models import DUES_SOURCE, DuesMethod, DuesStatus
from activities.permissions import can_collect_dues, dues_payments_visible_to
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, members_visible_to, own_member
from branches.roster.jobs import upload_size_error
from branches.selectors import organization_get
from portal import periods
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.forms import apply_service_errors
from portal.jobs.models import Job
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.shortcuts import get_or_404
from portal.xlsx import rows_to_xlsx, xlsx_response


def _branch_or_404(request: HttpRequest, pk: int) -> Organization:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    return organization


def _month(request: HttpRequest, today: datetime.date) -> tuple[datetime.date, bool]:
    return periods.parse_month(request.GET.get("month"), today=today, earliest_year=EARLIEST_YEAR)


def _collection_url(organization: Organization, month: datetime.date) -> str:
    return f"{reverse('activities:dues_collection', args=[organization.pk])}?month={month:%Y-%m}"


@login_required
@require_http_methods(["GET", "POST"])
def dues_collection(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A month's dues for the branch: every member paid in full by default; tick the exceptions; one save."""
    organization = _branch_or_404(request, pk)
    if not can_collect_dues(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    month, month_ok = _month(request, today)
    sheet = selectors.collection_sheet(organization=organization, month=month)
    form = collection_input(sheet, request.POST if request.method == "POST" else None, today=today)
    errors = list(form.errors)
    if request.method == "POST" and not sheet.is_closed:
        paid_on = parse_date(form.paid_on)
        if not errors:
            try:
                totals = services.dues_collection_save(
                    sheet=sheet, entries=form.entries, method=form.method, paid_on=paid_on, recorded_by=request.user
                )
            except ValidationError as error:
                errors += error.messages
            else:
                messages.success(
                    request,
                    _("已保存%(month)s党费：应交%(due)s元，实交%(paid)s元。")
                    % {"month": f"{month:%Y-%m}", "due": totals.due, "paid": totals.paid},
                )
                return redirect(_collection_url(organization, month))
    context = {
        "organization": organization,
        "ancestors": [*branch_selectors.organization_ancestors(organization=organization, user=request.user)],
        "sheet": sheet,
        "form": form,
        "errors": errors,
        "month": month,
        "month_ok": month_ok,
        "previous_month": periods.shift_month(month, -1),
        "next_month": periods.shift_month(month, 1) if month < today.replace(day=1) else None,
        "status_choices": [(value, label) for value, label in DuesStatus.choices if value in services.ENTRY_STATUSES],
        "method_choices": DuesMethod.choices,
    }
    return render(request, "activities/dues_collection.html", context)


@login_required
@require_POST
def dues_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """结账: lock the month; later corrections are amendments with a reason."""
    organization = _branch_or_404(request, pk)
    if not can_collect_dues(request.user, organization):
        raise PermissionDenied
    month, _ok = _month(request, timezone.localdate())
    try:
        services.dues_month_close(organization=organization, month=month, closed_by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(month)s党费已结账。") % {"month": f"{month:%Y-%m}"})
    return redirect(_collection_url(organization, month))


@login_required
@require_http_methods(["GET", "POST"])
def dues_amend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct one payment of a closed month, with a reason (before/after, who and when are kept)."""
    payment = get_or_404(
        lambda: (
            dues_payments_visible_to(request.user)
            .select_related("member", "organization")
            .prefetch_related("amendments__amended_by")
            .get(pk=pk)
        )
    )
    organization = payment.organization
    if not can_collect_dues(request.user, organization):
        raise PermissionDenied
    form = DuesAmendForm(
        request.POST or None,
        initial={
            "status": payment.status,
            "amount_paid": payment.amount_paid,
            "method": payment.method,
            "paid_on": payment.paid_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_payment_amend(payment=payment, amended_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已更正%(name)s的党费记录。") % {"name": payment.member.name})
            return redirect(_collection_url(organization, payment.month))
    context = {
        "organization": organization,
        "ancestors": branch_selectors.organization_ancestors(organization=organization, user=request.user),
        "payment": payment,
        "form": form,
    }
    return render(request, "activities/dues_amend.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dues_base_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A member's dues base (category, declared income or pension) from a month on; earlier months keep theirs."""
    member = get_or_404(lambda: members_visible_to(request.user).select_related("organization").get(pk=pk))
    if not can_collect_dues(request.user, member.organization):
        raise PermissionDenied
    today = timezone.localdate()
    dues = selectors.member_dues(member=member, today=today)
    initial: dict[str, object] = {"applies_from": today.replace(day=1)}
    if dues.base is not None:
        initial |= {
            "category": dues.base.category,
            "income": dues.base.income,
            "agreed_amount": dues.base.agreed_amount,
        }
    form = DuesBaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dues_base_set(
                member=member,
                category=data["category"],
                income=data["income"] or Decimal(0),
                agreed_amount=data["agreed_amount"],
                applies_from=data["applies_from"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已登记%(name)s的党费基数。") % {"name": member.name})
            return redirect(reverse("activities:dues_collection", args=[member.organization_id]))
    context = {
        "organization": member.organization,
        "ancestors": [
            *branch_selectors.organization_ancestors(organization=member.organization, user=request.user),
            member.organization,
        ],
        "member": member,
        "dues": dues,
        "form": form,
    }
    return render(request, "activities/dues_base_form.html", context)


@login_required
@require_GET
def dues_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """我的党费: the member's base and monthly amount (with the bracket and its rule), the months recorded over the
    last year, and any arrears. Made for a phone."""
    member = own_member(request.user)
    dues = selectors.member_dues(member=member, today=timezone.localdate()) if member is not None else None
    return render(request, "activities/dues_mine.html", {"dues": dues, "source": DUES_SOURCE})


@login_required
@require_GET
def dues_overview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Collection across the subtree: due, paid, rate and arrears per child organisation and month of a year,
    read from the branch-month roll-ups (a fixed number of queries whatever the size of the subtree)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    year, year_ok = periods.parse_year(
        request.GET.get("year"), today=today, earliest_year=EARLIEST_YEAR, latest_year=today.year
    )
    context = {
        "organization": organization,
        "ancestors": branch_selectors.organization_ancestors(organization=organization, user=request.user),
        "overview": selectors.dues_overview(organization=organization, year=year, today=today),
        "year": year,
        "year_ok": year_ok,
        "previous_year": year - 1,
        "next_year": year + 1 if year < today.year else None,
    }
    return render(request, "activities/dues_overview.html", context)


@login_required
@require_GET
def dues_overview_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The overview's table as xlsx: one row per child and month (due, paid, rate, arrears), then the year."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    year, _ok = periods.parse_year(
        request.GET.get("year"), today=today, earliest_year=EARLIEST_YEAR, latest_year=today.year
    )
    overview = selectors.dues_overview(organization=organization, year=year, today=today)
    headers = [
        _("党组织"),
        _("组织代码"),
        _("月份"),
        _("应交人数"),
        _("已交足人数"),
        _("应交合计（元）"),
        _("实交合计（元）"),
        _("收缴率（%）"),
        _("欠交合计（元）"),
        _("自愿多交合计（元）"),
    ]
    rows = []
    for row in overview.rows:
        for month, cell in [*zip(overview.months, row.cells, strict=True), (None, row.total)]:
            rows.append(
                [
                    row.organization.name,
                    row.organization.code,
                    f"{month:%Y-%m}" if month else _("全年"),
                    cell.members,
                    cell.paid_members,
                    cell.due,
                    cell.paid,
                    cell.rate if cell.rate is not None else "",
                    cell.arrears,
                    cell.voluntary,
                ]
            )
    content = rows_to_xlsx(
        headers=headers,
        rows=rows,
        title=_("党费收缴情况"),
        heading=[_("%(name)s %(year)d年党费收缴情况") % {"name": organization.name, "year": year}],
        as_of=timezone.now(),
    )
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=organization,
        detail={"export": "dues_overview", "scope": organization.name, "year": year, "rows": len(rows)},
        request=request,
    )
    return xlsx_response(content, _("%(name)s党费收缴情况-%(year)d.xlsx") % {"name": organization.name, "year": year})


def _reductions_url(organization: Organization) -> str:
    return reverse("activities:dues_reductions", args=[organization.pk])


@login_required
@require_GET
def dues_reductions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The reductions (减免) of the branches directly below a committee that wait for its approval."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    context = {
        "organization": organization,
        "ancestors": branch_selectors.organization_ancestors(organization=organization, user=request.user),
        "payments": selectors.pending_reductions(organization=organization),
        "threshold": services.reduction_approval_above(),
    }
    return render(request, "activities/dues_reductions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dues_reduction_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve a branch's reduction, or return it with a reason: the parent committee's officers (and those above)."""
    payment = get_or_404(
        lambda: dues_payments_visible_to(request.user).select_related("member", "organization__parent").get(pk=pk)
    )
    parent = payment.organization.parent
    if parent is None or not can_manage_organization(request.user, parent):
        raise PermissionDenied
    form = DuesReductionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.dues_reduction_decide(
                payment=payment, approve=approve, reason=form.cleaned_data["reason"], decided_by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            message = _("已批准%(name)s的党费减免。") if approve else _("已退回%(name)s的党费减免。")
            messages.success(request, message % {"name": payment.member.name})
            return redirect(_reductions_url(parent))
    context = {
        "organization": parent,
        "ancestors": [
            *branch_selectors.organization_ancestors(organization=parent, user=request.user),
            parent,
        ],
        "payment": payment,
        "form": form,
    }
    return render(request, "activities/dues_reduction_decide.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dues_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """POST: check the form, store the file and start the import job; GET (?job=): the form and the job's
    progress, then its counts or per-row errors."""
    organization = _branch_or_404(request, pk)
    if not can_collect_dues(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    form = (
        DuesImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else DuesImportForm(initial={"month": today.replace(day=1)})
    )
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if size_error := upload_size_error(upload):
            form.add_error("file", size_error)
        else:
            started = dues_jobs.dues_import_start(
                organization=organization, month=form.cleaned_data["month"], upload=upload, by=request.user
            )
            return redirect(f"{reverse('activities:dues_import', args=[organization.pk])}?job={started.pk}")
    job: Job | None = None
    if job_id := request.GET.get("job", ""):
        found = jobs_visible_to(request.user).filter(kind=dues_jobs.DUES_IMPORT, organization=organization)
        job = found.filter(pk=int(job_id)).first() if job_id.isdigit() else None
        if job is None:
            raise Http404
        job = job_with_live_progress(job)
    context = {
        "organization": organization,
        "ancestors": [
            *branch_selectors.organization_ancestors(organization=organization, user=request.user),
            organization,
        ],
        "form": form,
        "job": job,
        "job_title": dues_jobs.DUES_IMPORT_TITLE,
        "result_template": dues_jobs.DUES_IMPORT_RESULT_TEMPLATE,
    }
    return render(request, "activities/dues_import.html", context)
