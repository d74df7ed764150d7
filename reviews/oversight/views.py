"""Pages of 督导检查 and the problem ledger.

Every object is found through the access module (404 outside the reach); actions are checked with the predicates
of reviews.oversight.permissions (403 for a user who may only look); writes go through one service call.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.attachments.views import file_response
from branches.http import AuthenticatedHttpRequest
from branches.models import MemberStatus, Organization
from branches.permissions import (
    can_manage_organization,
    can_view_organization,
    members_visible_to,
    organizations_visible_to,
)
from branches.selectors import organization_ancestors, organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from reviews.oversight import selectors, services
from reviews.oversight.forms import (
    EvidenceForm,
    FindingProblemForm,
    InspectionForm,
    InterviewForm,
    ProblemForm,
    ReturnForm,
    StartForm,
    SubmitForm,
    VerifyForm,
)
from reviews.oversight.models import FindingResult, InspectionFinding, InspectionKind, ProblemState
from reviews.oversight.permissions import (
    can_plan_inspection,
    can_record_interview,
    can_rectify,
    can_register_problem,
    can_run_inspection,
    can_verify,
    evidence_visible_to,
    inspection_branches_visible_to,
    problems_visible_to,
)

FINDING_DEADLINE_DAYS = 30


def _ledger_organization(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    """The organisation, for users whose roles reach it (a member without a role sees only their own problems)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization):
        raise PermissionDenied
    return organization


@login_required
@require_GET
def problem_ledger(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A branch's 整改台账 (its secretary acts on it); a committee's ledger of its subtree (counts, overdue,
    per child, rectifications waiting for verification)."""
    organization = _ledger_organization(request, pk)
    today = timezone.localdate()
    context = {
        "organization": organization,
        "today": today,
        "source": selectors.SOURCE,
        "can_register": can_register_problem(request.user, organization),
        "can_interview": can_record_interview(request.user, organization),
    }
    if organization.is_branch:
        context["ledger"] = selectors.branch_ledger(organization=organization, today=today)
        return render(request, "reviews/problem_ledger_branch.html", context)
    context["ledger"] = selectors.subtree_ledger(node=organization, today=today)
    context["can_plan"] = can_plan_inspection(request.user, organization)
    return render(request, "reviews/problem_ledger_subtree.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enter a problem found by self-check, by the masses, in the 组织生活会 … in the organisation's ledger."""
    organization = _ledger_organization(request, pk)
    if not can_register_problem(request.user, organization):
        raise PermissionDenied
    members = members_visible_to(request.user).filter(organization=organization, status=MemberStatus.ACTIVE)
    initial = {"deadline": timezone.localdate() + datetime.timedelta(days=FINDING_DEADLINE_DAYS)}
    form = ProblemForm(request.POST or None, initial=initial, members=members.order_by("name", "pk"))
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_register(organization=organization, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("问题已登记。"))
            return redirect(problem)
    return render(request, "reviews/problem_form.html", {"organization": organization, "form": form})


@login_required
@require_GET
def problem_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One problem with its history; the forms of the actions the user may take in its state."""
    problem = get_or_404(selectors.problem_get, user=request.user, pk=pk)
    rectifies = can_rectify(request.user, problem)
    verifies = can_verify(request.user, problem)
    state = problem.state
    context = {
        "problem": problem,
        "overdue": problem.is_overdue_on(timezone.localdate()),
        "transitions": selectors.problem_transitions(problem=problem),
        "can_rectify": rectifies,
        "sees_ledger": can_view_organization(request.user, problem.organization),
        "start_form": StartForm(initial={"measures": problem.measures})
        if rectifies and state in services.STARTABLE
        else None,
        "can_submit": rectifies and state in services.SUBMITTABLE,
        "evidence_files": selectors.problem_evidence(problem=problem),
        "verify_form": VerifyForm() if verifies and state == ProblemState.SUBMITTED else None,
        "return_form": ReturnForm() if verifies and state == ProblemState.SUBMITTED else None,
    }
    return render(request, "reviews/problem_detail.html", context)


def _rectifiable(request: AuthenticatedHttpRequest, pk: int):
    problem = get_or_404(selectors.problem_get, user=request.user, pk=pk)
    if not can_rectify(request.user, problem):
        raise PermissionDenied
    return problem


def _verifiable(request: AuthenticatedHttpRequest, pk: int):
    problem = get_or_404(selectors.problem_get, user=request.user, pk=pk)
    if not can_verify(request.user, problem):
        raise PermissionDenied
    return problem


def _report(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
@require_POST
def problem_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = _rectifiable(request, pk)
    form = StartForm(request.POST)
    form.is_valid()
    try:
        services.problem_start(problem=problem, by=request.user, measures=form.cleaned_data.get("measures", ""))
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已开始整改。"))
    return redirect(problem)


@login_required
@require_http_methods(["GET", "POST"])
def problem_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The secretary writes the measures taken and the evidence, and submits for verification."""
    problem = _rectifiable(request, pk)
    if problem.state not in services.SUBMITTABLE:
        return redirect(problem)
    form = SubmitForm(
        request.POST or None,
        request.FILES or None,
        initial={"measures": problem.measures, "evidence": problem.evidence},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_submit(
                problem=problem,
                by=request.user,
                measures=form.cleaned_data["measures"],
                evidence=form.cleaned_data["evidence"],
                uploads=form.uploads,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("整改情况已提交上级党组织验收。"))
            return redirect(problem)
    return render(request, "reviews/problem_submit.html", {"problem": problem, "form": form})


@login_required
@require_POST
def problem_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = _verifiable(request, pk)
    form = VerifyForm(request.POST)
    form.is_valid()
    try:
        services.problem_verify(problem=problem, by=request.user, note=form.cleaned_data.get("note", ""))
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已验收，问题销号。"))
    return redirect(problem)


@login_required
@require_POST
def problem_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = _verifiable(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明退回的理由。"))
        return redirect(problem)
    try:
        services.problem_return(problem=problem, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已退回重新整改。"))
    return redirect(problem)


@login_required
@require_GET
def problems_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A member's personal problems (about their own member record), and nothing else."""
    problems = selectors.my_problems(user=request.user, today=timezone.localdate())
    return render(request, "reviews/problems_mine.html", {"problems": problems})


# Inspections ----------------------------------------------------------------------------------------------------


def _committee(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    organization = _ledger_organization(request, pk)
    if organization.is_branch:
        raise Http404
    return organization


@login_required
@require_GET
def inspection_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = _committee(request, pk)
    context = {
        "organization": organization,
        "inspections": selectors.inspection_list(organization=organization),
        "can_plan": can_plan_inspection(request.user, organization),
        "source": selectors.SOURCE,
    }
    return render(request, "reviews/inspection_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Plan a 巡回检查 / 专项督查 of chosen branches, or draw a 随机抽查 sample of the subtree."""
    organization = _committee(request, pk)
    if not can_plan_inspection(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    branches = services.subtree_branches(organization).order_by("path")
    initial = {
        "kind": InspectionKind.RANDOM,
        "period_start": datetime.date(today.year, 1, 1),
        "period_end": today,
        "sample_size": 5,
        "exclude_months": 6,
    }
    form = InspectionForm(request.POST or None, initial=initial, branches=branches)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = services.InspectionPlan(
            kind=data["kind"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            inspectors=data["inspectors"],
            theme=data["theme"],
            free_items=tuple(data["free_items"].splitlines()),
            branch_ids=tuple(branch.pk for branch in data["branches"]),
            sample_size=data["sample_size"],
            stratified=data["stratified"],
            exclude_months=data["exclude_months"],
        )
        try:
            inspection = services.inspection_plan(organization=organization, plan=plan, created_by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("督导检查已建立。"))
            return redirect(inspection)
    return render(request, "reviews/inspection_form.html", {"organization": organization, "form": form})


@login_required
@require_GET
def inspection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    inspection = get_or_404(selectors.inspection_get, user=request.user, pk=pk)
    context = {
        "inspection": inspection,
        "page": selectors.inspection_page(inspection=inspection),
        "can_run": can_run_inspection(request.user, inspection),
    }
    return render(request, "reviews/inspection_detail.html", context)


@login_required
@require_POST
def inspection_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    inspection = get_or_404(selectors.inspection_get, user=request.user, pk=pk)
    if not can_run_inspection(request.user, inspection):
        raise PermissionDenied
    try:
        services.inspection_close(inspection=inspection, by=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("检查已结束，受检党支部可以看到检查发现。"))
    return redirect(inspection)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_branch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One branch's checklist: each item with the portal's evidence and its finding; the inspectors record the
    findings here; the branch reads them once the inspection is closed."""
    row = get_or_404(selectors.inspection_branch_get, user=request.user, pk=pk)
    inspection = row.inspection
    runs = can_run_inspection(request.user, inspection)
    today = timezone.localdate()
    items = selectors.checklist(inspection_branch=row, today=today)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not runs:
            raise PermissionDenied
        entries = []
        for item in items:
            result = request.POST.get(f"result_{item.key}", "")
            if result not in FindingResult.values:
                result = ""
            note = request.POST.get(f"note_{item.key}", "")
            entries.append(services.FindingEntry(key=item.key, title=item.title, result=result, note=note))
        try:
            services.findings_record(inspection_branch=row, entries=entries, recorded_by=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = {key: [str(m) for m in value[0].messages] for key, value in error.error_dict.items()}
            else:
                _report(request, error)
            # Show what was typed, with the errors beside it.
            for item in items:
                item.posted_result = request.POST.get(f"result_{item.key}", "")  # type: ignore[attr-defined]
                item.posted_note = request.POST.get(f"note_{item.key}", "")  # type: ignore[attr-defined]
        else:
            messages.success(request, _("检查发现已保存。"))
            return redirect(row)
    evidence = selectors.findings_evidence(inspection_branch=row)
    for item in items:
        item.errors = errors.get(f"note_{item.key}", [])  # type: ignore[attr-defined]
        item.files = evidence.get(item.finding.pk, []) if item.finding else []  # type: ignore[attr-defined]
    context = {
        "row": row,
        "inspection": inspection,
        "items": items,
        "runs": runs,
        "can_run": runs and not inspection.is_closed,
        "problem_form": FindingProblemForm(
            initial={"deadline": today + datetime.timedelta(days=FINDING_DEADLINE_DAYS), "responsible": _("支部书记")}
        ),
        "posted": request.method == "POST",
        "evidence_form": EvidenceForm() if runs and not inspection.is_closed else None,
    }
    return render(request, "reviews/inspection_branch.html", context)


@login_required
@require_POST
def finding_problem(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Turn a finding into a problem in the branch's ledger: one action, once."""
    visible = inspection_branches_visible_to(request.user).values("pk")
    finding = get_or_404(
        lambda pk: InspectionFinding.objects.select_related(
            "inspection_branch__inspection__organization", "inspection_branch__branch"
        ).get(pk=pk, inspection_branch__in=visible),
        pk=pk,
    )
    row = finding.inspection_branch
    if not can_run_inspection(request.user, row.inspection):
        raise PermissionDenied
    form = FindingProblemForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return redirect(row)
    try:
        problem = services.finding_to_problem(finding=finding, created_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _report(request, error)
        return redirect(row)
    messages.success(request, _("已转为整改问题，列入%(branch)s的整改台账。") % {"branch": row.branch.name})
    return redirect(problem)


# Evidence files ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def finding_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach photos, scans or PDFs to a finding (the inspectors, while the inspection is open): all or none."""
    visible = inspection_branches_visible_to(request.user).values("pk")
    finding = get_or_404(
        lambda pk: InspectionFinding.objects.select_related("inspection_branch__inspection__organization").get(
            pk=pk, inspection_branch__in=visible
        ),
        pk=pk,
    )
    row = finding.inspection_branch
    if not can_run_inspection(request.user, row.inspection):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.finding_evidence_add(finding=finding, uploads=form.uploads, uploaded_by=request.user)
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("已上传%(n)s个佐证材料。") % {"n": len(stored)})
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
    return redirect(f"{row.get_absolute_url()}#finding-{finding.pk}")


# 重点约谈 ---------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interview_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a 重点约谈 of a branch by a committee above it."""
    organization = _ledger_organization(request, pk)
    if not can_record_interview(request.user, organization):
        raise PermissionDenied
    committee_ids = [
        ancestor.pk
        for ancestor in organization_ancestors(organization=organization, user=request.user)
        if can_manage_organization(request.user, ancestor)
    ]
    committees = organizations_visible_to(request.user).filter(pk__in=committee_ids).order_by("-path")
    members = members_visible_to(request.user).filter(organization=organization, status=MemberStatus.ACTIVE)
    problems = problems_visible_to(request.user).filter(organization=organization).order_by("deadline", "pk")
    initial = {"held_on": timezone.localdate(), "committee": organization.parent_id}
    form = InterviewForm(
        request.POST or None,
        initial=initial,
        committees=committees,
        members=members.order_by("name", "pk"),
        problems=problems,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            interview = services.interview_record(
                organization=organization,
                committee=data["committee"],
                interviewers=data["interviewers"],
                interviewee=data["interviewee"],
                held_on=data["held_on"],
                subject=data["subject"],
                outcome=data["outcome"],
                problems=list(data["linked_problems"]),
                recorded_by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("重点约谈已登记。"))
            return redirect(interview)
    return render(request, "reviews/interview_form.html", {"organization": organization, "form": form})


@login_required
@require_GET
def evidence_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An evidence file, for anybody who sees its problem or its finding (never from a public media URL)."""
    evidence = get_or_404(lambda pk: evidence_visible_to(request.user).get(pk=pk), pk=pk)
    return file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type or "application/octet-stream"
    )


@login_required
@require_GET
def interview_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    interview = get_or_404(selectors.interview_get, user=request.user, pk=pk)
    context = {"interview": interview, "in_scope": can_view_organization(request.user, interview.organization)}
    return render(request, "reviews/interview_detail.html", context)
