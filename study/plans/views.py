"""Pages of the annual study plan and its filing workflow, the branch progress grid and the committee's
filing-status page. Thin: scope and rights from the access modules, reads from plan_selectors, one service
call per action; every ValidationError from the services is shown on the page in Chinese."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_create_child_organization, can_manage_organization, organization_scope_q
from branches.selectors import organization_get
from notifications.services import reminders_send
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from study.models import PlanStatus, StudyPlan, StudyPlanItem, StudyTask
from study.plans import selectors as plan_selectors
from study.plans import services
from study.plans.forms import (
    FilingStatusForm,
    PlanCopyForm,
    PlanCreateForm,
    PlanDecisionForm,
    PlanItemForm,
    default_due_date,
    parse_month,
    plan_default_title,
)
from study.plans.jobs import plans_file_start
from study.plans.permissions import can_edit_plan, can_file_plan, can_publish_template

READ_ONLY_MESSAGE = gettext_lazy("计划已报送或已备案，不能修改；如需调整请先修订。")


# Lookups and helpers -----------------------------------------------------------------------------------------


def _ancestors_and_self(request: AuthenticatedHttpRequest, organization: Organization) -> list[Organization]:
    """Breadcrumb up to and including the organisation (one query)."""
    return [*branch_selectors.organization_ancestors(organization=organization, user=request.user), organization]


def _can_create_plan(user, organization: Organization) -> bool:
    """A branch's managers make its annual plan; committee staff make the committee's templates."""
    if organization.is_branch:
        return can_manage_organization(user, organization)
    return can_publish_template(user, organization)


def _error_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in _error_messages(error):
        messages.error(request, message)


def _may_change_plan(user, plan: StudyPlan) -> bool:
    """A plan's content and workflow: the organisation's managers; a template: the committee's staff (who
    also make and publish it)."""
    if plan.is_template:
        return can_publish_template(user, plan.organization)
    return can_manage_organization(user, plan.organization)


def _require_plan_manager(request: HttpRequest, plan: StudyPlan) -> None:
    if not _may_change_plan(request.user, plan):
        raise PermissionDenied


# Plan list and creation --------------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A branch's annual plans by year (or a committee's templates), with the actions the user may take."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    today = timezone.localdate()
    listing = plan_selectors.plan_listing(organization=organization, today=today)
    can_create = _can_create_plan(request.user, organization)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "listing": listing,
        "can_create": can_create,
        "can_adopt": organization.is_branch and can_create,
        "can_view_filing_status": plan_selectors.can_view_filing_status(request.user, organization),
        "can_view_progress": plan_selectors.can_view_branch_progress(request.user, organization),
    }
    return render(request, "study/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not _can_create_plan(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    is_template = not organization.is_branch
    year = plan_selectors.default_plan_year(today)
    form = PlanCreateForm(
        request.POST or None,
        today=today,
        is_template=is_template,
        initial={"year": year, "title": plan_default_title(year, is_template=is_template)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                organization=organization,
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
                created_by=request.user,
                is_template=is_template,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已新建“%(title)s”，请逐月添加学习内容。") % {"title": plan.title})
            return redirect(plan)
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "form": form,
        "is_template": is_template,
    }
    return render(request, "study/plan_form.html", context)


@login_required
@require_POST
def plan_adopt(request: AuthenticatedHttpRequest, pk: int, template_pk: int) -> HttpResponse:
    """One click: a branch's new draft plan from a template published above it."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    try:
        template = plan_selectors.template_get(user=request.user, pk=template_pk)
    except StudyPlan.DoesNotExist:
        raise Http404 from None
    if not organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    try:
        plan = services.plan_adopt_template(template=template, organization=organization, adopted_by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect("study:plan_list", organization.pk)
    messages.success(
        request, _("已采用“%(title)s”生成本支部计划草稿，可按实际修改后报送备案。") % {"title": template.title}
    )
    return redirect(plan)


@login_required
@require_POST
def plan_copy_previous(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start a year's plan from last year's current plan, dates moved on by a year."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = PlanCopyForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("study:plan_list", organization.pk)
    try:
        plan = services.plan_copy_previous_year(
            organization=organization, year=form.cleaned_data["year"], copied_by=request.user
        )
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect("study:plan_list", organization.pk)
    messages.success(request, _("已复制%(year)d年的计划，日期顺延一年，请核对后报送。") % {"year": plan.year - 1})
    return redirect(plan)


# Plan detail and items ---------------------------------------------------------------------------------------


def _plan_detail_context(
    request: AuthenticatedHttpRequest, plan: StudyPlan, decision_form: PlanDecisionForm | None = None
):
    user = request.user
    can_manage = _may_change_plan(user, plan)
    can_decide = not plan.is_template and plan.status == PlanStatus.SUBMITTED and can_file_plan(user, plan)
    return {
        "plan": plan,
        "organization": plan.organization,
        "ancestors": _ancestors_and_self(request, plan.organization),
        "page": plan_selectors.plan_page(plan=plan),
        "can_edit": can_manage and can_edit_plan(user, plan),
        "can_submit": can_manage and not plan.is_template and plan.is_editable,
        "can_decide": can_decide,
        "decision_form": decision_form or (PlanDecisionForm() if can_decide else None),
        "can_revise": can_manage and not plan.is_template and plan.status == PlanStatus.FILED and plan.is_current,
        "can_publish": plan.is_template and can_publish_template(user, plan.organization),
        "can_view_progress": plan_selectors.can_view_branch_progress(user, plan.organization),
    }


@login_required
@require_GET
def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    return render(request, "study/plan_detail.html", _plan_detail_context(request, plan))


def _item_form_page(request: AuthenticatedHttpRequest, plan: StudyPlan, item: StudyPlanItem | None) -> HttpResponse:
    initial = {}
    if item is None:
        try:
            month = int(request.GET.get("month", ""))
        except ValueError:
            month = None
        if month in range(1, 13):
            initial = {"month": month, "due_date": default_due_date(plan.year, month)}
    form = PlanItemForm(
        request.POST or None,
        instance=item,
        initial=initial,
        plan=plan,
        materials=plan_selectors.plan_materials_for(user=request.user, plan=plan),
        groups=plan_selectors.plan_groups_for(plan=plan),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_save(
                plan=plan, item=item, materials=form.cleaned_data["materials"], **form.item_fields()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if item is None:
                messages.success(request, _("已添加%(month)d月的学习内容。") % {"month": form.cleaned_data["month"]})
            else:
                messages.success(request, _("学习内容已保存。"))
            return redirect(f"{plan.get_absolute_url()}#month-{form.cleaned_data['month']}")
    context = {
        "plan": plan,
        "item": item,
        "form": form,
        "ancestors": _ancestors_and_self(request, plan.organization),
    }
    return render(request, "study/plan_item_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    _require_plan_manager(request, plan)
    if not plan.is_editable:
        messages.error(request, READ_ONLY_MESSAGE)
        return redirect(plan)
    return _item_form_page(request, plan, None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_or_404(plan_selectors.plan_item_get, user=request.user, pk=pk)
    plan = item.plan
    _require_plan_manager(request, plan)
    if not plan.is_editable:
        messages.error(request, READ_ONLY_MESSAGE)
        return redirect(plan)
    return _item_form_page(request, plan, item)


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_or_404(plan_selectors.plan_item_get, user=request.user, pk=pk)
    plan = item.plan
    _require_plan_manager(request, plan)
    if not plan.is_editable:
        messages.error(request, READ_ONLY_MESSAGE)
        return redirect(plan)
    if request.method == "POST":
        try:
            services.plan_item_delete(item=item)
        except ValidationError as error:
            _flash_errors(request, error)
        else:
            messages.success(request, _("已删除“%(topic)s”。") % {"topic": item.topic})
        return redirect(f"{plan.get_absolute_url()}#month-{item.month}")
    context = {"plan": plan, "item": item, "ancestors": _ancestors_and_self(request, plan.organization)}
    return render(request, "study/plan_item_delete.html", context)


# Workflow ------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def plan_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """报送备案: draft or returned → submitted."""
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    _require_plan_manager(request, plan)
    try:
        services.plan_submit(plan=plan, submitted_by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("计划已报送上级党组织备案。"))
    return redirect(plan)


def _decide(request: AuthenticatedHttpRequest, pk: int, *, file: bool) -> HttpResponse:
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    if not can_file_plan(request.user, plan):
        raise PermissionDenied
    form = PlanDecisionForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if file:
                services.plan_file(plan=plan, filed_by=request.user, comment=comment)
            else:
                services.plan_return(plan=plan, returned_by=request.user, comment=comment)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                _flash_errors(request, error)
                return redirect(plan)
            apply_service_errors(form, error)
        else:
            if file:
                messages.success(request, _("已备案，学习任务已下达到支部党员。"))
            else:
                messages.success(request, _("已退回，支部将按意见修改后重新报送。"))
            return redirect(plan)
    return render(request, "study/plan_detail.html", _plan_detail_context(request, plan, decision_form=form))


@login_required
@require_POST
def plan_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """备案 by an officer of a committee above: submitted → filed; the items become members' tasks."""
    return _decide(request, pk, file=True)


@login_required
@require_POST
def plan_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """退回 with the officer's comments: submitted → returned."""
    return _decide(request, pk, file=False)


@login_required
@require_POST
def plan_revise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """修订: a filed plan stays as filed; a new draft revision is made and filed again."""
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    _require_plan_manager(request, plan)
    try:
        revision = services.plan_revise(plan=plan, revised_by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect(plan)
    messages.success(
        request,
        _("已生成第%(n)d版草稿。修改后请重新报送备案；备案前党员的学习任务保持不变。") % {"n": revision.revision},
    )
    return redirect(revision)


@login_required
@require_POST
def template_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """下发模板: the committee's template becomes available to every branch below it."""
    plan = get_or_404(plan_selectors.plan_get, user=request.user, pk=pk)
    if not can_publish_template(request.user, plan.organization):
        raise PermissionDenied
    try:
        services.template_publish(plan=plan, published_by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("模板已下发，下级党支部可一键采用。"))
    return redirect(plan)


# Oversight -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def branch_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Members × this month's plan items: who has done what; a done cell opens the 心得."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    if not plan_selectors.can_view_branch_progress(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    month, month_ok = parse_month(request.GET.get("month"), today=today)
    task = None
    if request.GET.get("task"):
        try:
            task = plan_selectors.branch_progress_task(organization=organization, pk=int(request.GET["task"]))
        except (ValueError, StudyTask.DoesNotExist):
            raise Http404 from None
        if request.htmx:
            return render(request, "study/partials/_plan_progress_reflection.html", {"task": task})
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "grid": plan_selectors.branch_progress_grid(organization=organization, month=month, today=today),
        "month_ok": month_ok,
        "task": task,
        "can_remind": can_manage_organization(request.user, organization),
    }
    return render(request, "study/branch_progress.html", context)


@login_required
@require_POST
def branch_progress_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """提醒未完成的党员: one reminder per member with open tasks this month, once per month."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    nudges = plan_selectors.branch_task_nudges(organization=organization, today=timezone.localdate())
    url = reverse("study:branch_progress", args=[organization.pk])
    if not nudges.behind_count:
        messages.info(request, _("本月没有未完成学习任务的党员。"))
        return redirect(url)
    sent = reminders_send(messages=nudges.messages)
    if sent:
        messages.success(request, _("已提醒%(n)d人。") % {"n": sent})
    elif nudges.messages:
        messages.info(request, _("本月已提醒过，未重复发送。"))
    if nudges.without_account:
        messages.warning(
            request,
            _("%(names)s没有登录账号，无法在平台上提醒，请当面或电话提醒。")
            % {"names": "、".join(nudges.without_account)},
        )
    return redirect(url)


@login_required
@require_GET
def plan_filing_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """For a committee's subtree: plans not filed, waiting for 备案, no items next month, task completion."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch:
        raise Http404
    if not plan_selectors.can_view_filing_status(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    form = FilingStatusForm(request.GET, today=today)
    year, show, page_number = today.year, "", 1
    if form.is_valid():
        year = form.cleaned_data["year"] or today.year
        show = form.cleaned_data["show"]
        page_number = form.cleaned_data["page"] or 1
    else:
        messages.warning(request, _("筛选条件有误，已显示%(year)d年的全部党支部。") % {"year": year})
    status = plan_selectors.filing_status(
        organization=organization, year=year, today=today, show=show, page_number=page_number
    )
    context = {
        "organization": organization,
        "ancestors": _ancestors_and_self(request, organization),
        "status": status,
        "years": list(range(today.year + 1, today.year - 4, -1)),
        # Committee staff above the branches file the waiting plans of this page in one action.
        "bulk_file": show == "waiting"
        and bool(status.rows)
        and can_create_child_organization(request.user, organization),
    }
    return render(request, "study/plan_filing_status.html", context)


BULK_FILE_LIMIT = 200


@login_required
@require_POST
def plans_file_bulk(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """批量备案: check that every selected plan is in scope under the committee, then file them in a background
    job (study/plans/jobs.py) and show its progress."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch:
        raise Http404
    if not can_create_child_organization(request.user, organization):
        raise PermissionDenied
    back = reverse("study:plan_filing_status", args=[organization.pk]) + "?show=waiting"
    try:
        ids = sorted({int(value) for value in request.POST.getlist("plan")})
    except ValueError:
        raise Http404 from None
    if not ids:
        messages.warning(request, _("请先勾选要备案的计划。"))
        return redirect(back)
    if len(ids) > BULK_FILE_LIMIT:
        messages.error(request, _("一次最多备案%(n)d份计划，请分批操作。") % {"n": BULK_FILE_LIMIT})
        return redirect(back)
    in_scope = StudyPlan.objects.filter(
        organization_scope_q(request.user), pk__in=ids, organization__path__startswith=organization.path
    ).count()
    if in_scope != len(ids):
        raise Http404
    job = plans_file_start(
        organization=organization, plan_ids=ids, comment=request.POST.get("comment", "")[:500], by=request.user
    )
    return redirect(job)
