"""Pages of 软弱涣散党支部: the officers' page of a subtree, the committee's decisions, a branch's plan.

Every object is found through the access module (404 outside the reach); actions are checked with the predicates
of reviews.weak_branches.permissions (403 for a user who may only look); writes go through one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, can_view_organization
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.shortcuts import get_or_404
from reviews.weak_branches import selectors, services
from reviews.weak_branches.forms import ConfirmForm, DismissForm, LiftForm, MeasureForm, PlanForm, UpdateForm
from reviews.weak_branches.models import RectificationPlan
from reviews.weak_branches.permissions import can_decide_weak, can_update_plan, rectification_plans_visible_to


def _organization(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization):
        raise PermissionDenied
    return organization


def _decides_for(request: AuthenticatedHttpRequest, organization: Organization) -> bool:
    """Decides on the suggestions of the subtree: the managers of a committee, or of the parent of a branch."""
    if organization.is_branch:
        return can_decide_weak(request.user, organization)
    return can_manage_organization(request.user, organization)


def _report(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
@require_GET
def weak_overview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The officers' page of a subtree: suggestions to decide, weak branches with how long and their plans'
    progress, the plans lifted this year, and the monthly job started by hand."""
    organization = _organization(request, pk)
    today = timezone.localdate()
    job = (
        jobs_visible_to(request.user)
        .filter(kind=services.WEAK_SUGGESTIONS, organization=organization)
        .order_by("-created_at", "-pk")
        .first()
    )
    context = {
        "organization": organization,
        "today": today,
        "source": selectors.SOURCE,
        "overview": selectors.weak_overview(node=organization, today=today),
        "can_decide": _decides_for(request, organization),
        "job": job_with_live_progress(job) if job is not None else None,
        "job_title": services.WEAK_SUGGESTIONS_TITLE,
        "confirm_form": ConfirmForm(),
        "dismiss_form": DismissForm(),
    }
    return render(request, "reviews/weak_overview.html", context)


@login_required
@require_POST
def weak_suggestions_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start this month's suggestions for the subtree now (a background job with progress)."""
    organization = _organization(request, pk)
    if not _decides_for(request, organization):
        raise PermissionDenied
    services.weak_suggestions_request(node=organization, by=request.user, today=timezone.localdate())
    return redirect(reverse("reviews:weak_overview", args=[organization.pk]) + "#job")


def _decidable(request: AuthenticatedHttpRequest, pk: int):
    suggestion = get_or_404(selectors.weak_suggestion_get, user=request.user, pk=pk)
    if not can_decide_weak(request.user, suggestion.branch):
        raise PermissionDenied
    return suggestion


def _back(request: AuthenticatedHttpRequest, organization: Organization) -> HttpResponse:
    return redirect(reverse("reviews:weak_overview", args=[organization.pk]))


@login_required
@require_POST
def weak_suggestion_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    suggestion = _decidable(request, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        services.weak_branch_confirm(suggestion=suggestion, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        _report(request, error)
        return _back(request, suggestion.branch.parent)
    messages.success(request, _("已认定为软弱涣散党支部，请制定整顿方案。"))
    return redirect(reverse("reviews:rectification_plan_create", args=[suggestion.branch_id]))


@login_required
@require_POST
def weak_suggestion_dismiss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    suggestion = _decidable(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写不予认定的理由。"))
        return _back(request, suggestion.branch.parent)
    try:
        services.weak_suggestion_dismiss(suggestion=suggestion, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("已不予认定。"))
    return _back(request, suggestion.branch.parent)


@login_required
@require_http_methods(["GET", "POST"])
def rectification_plan_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The committee draws up the plan of a branch confirmed weak."""
    branch = _organization(request, pk)
    if not branch.is_branch:
        raise Http404
    if not can_decide_weak(request.user, branch):
        raise PermissionDenied
    existing = selectors.branch_open_plan(branch=branch)
    if existing is not None:
        return redirect(existing)
    form = PlanForm(request.POST or None, responsibles=selectors.responsible_choices(user=request.user, branch=branch))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.rectification_plan_create(
                branch=branch,
                responsible=data["responsible"],
                goal=data["goal"],
                by=request.user,
                measures=[(data["measure"], data["due_on"])],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("整顿方案已制定。"))
            return redirect(plan)
    status = 400 if form.errors else 200
    return render(request, "reviews/rectification_plan_form.html", {"branch": branch, "form": form}, status=status)


@login_required
@require_GET
def branch_rectification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """From a branch's page: its plan in progress (or the latest), else the form to draw one up."""
    branch = _organization(request, pk)
    plan = rectification_plans_visible_to(request.user).filter(branch=branch).order_by("-weak_since", "-pk").first()
    if plan is not None:
        return redirect(plan)
    if branch.is_branch and branch.is_weak and can_decide_weak(request.user, branch):
        return redirect(reverse("reviews:rectification_plan_create", args=[branch.pk]))
    raise Http404


def _plan_context(request: AuthenticatedHttpRequest, plan: RectificationPlan, **forms) -> dict:
    page = selectors.rectification_plan_page(plan=plan)
    decides = can_decide_weak(request.user, plan.branch)
    updates = can_update_plan(request.user, plan)
    is_open = not plan.is_lifted
    return {
        "plan": plan,
        "page": page,
        "today": timezone.localdate(),
        "source": selectors.SOURCE,
        "sees_overview": plan.branch.parent is not None and can_view_organization(request.user, plan.branch.parent),
        "measure_form": forms.get("measure_form") or (MeasureForm() if decides and is_open else None),
        "update_form": forms.get("update_form")
        or (UpdateForm(measures=plan.measures.filter(done_on__isnull=True)) if updates and is_open else None),
        "lift_form": forms.get("lift_form") or (LiftForm() if decides and is_open else None),
    }


@login_required
@require_GET
def rectification_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = get_or_404(selectors.rectification_plan_get, user=request.user, pk=pk)
    return render(request, "reviews/rectification_plan.html", _plan_context(request, plan))


def _plan_for(request: AuthenticatedHttpRequest, pk: int, *, decide: bool) -> RectificationPlan:
    plan = get_or_404(selectors.rectification_plan_get, user=request.user, pk=pk)
    allowed = can_decide_weak(request.user, plan.branch) if decide else can_update_plan(request.user, plan)
    if not allowed:
        raise PermissionDenied
    return plan


def _plan_form_result(request: AuthenticatedHttpRequest, plan: RectificationPlan, name: str, form) -> HttpResponse:
    context = _plan_context(request, plan, **{name: form})
    return render(request, "reviews/rectification_plan.html", context, status=400)


@login_required
@require_POST
def rectification_measure_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk, decide=True)
    form = MeasureForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_measure_add(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("整顿措施已添加。"))
            return redirect(plan)
    return _plan_form_result(request, plan, "measure_form", form)


@login_required
@require_POST
def rectification_update_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk, decide=False)
    form = UpdateForm(request.POST, measures=plan.measures.filter(done_on__isnull=True))
    if form.is_valid():
        try:
            services.rectification_update_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("整顿进展已保存。"))
            return redirect(plan)
    return _plan_form_result(request, plan, "update_form", form)


@login_required
@require_POST
def weak_branch_lift(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk, decide=True)
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.weak_branch_lift(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已验收，该党支部摘掉软弱涣散帽子。"))
            return redirect(plan)
    return _plan_form_result(request, plan, "lift_form", form)
