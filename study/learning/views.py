"""A member's own study (我的学习): this month's tasks, completing one, the cadre self-study plan.

The plan pages and the oversight of study progress are in study/plans/views.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.http import AuthenticatedHttpRequest
from branches.models import Member
from branches.permissions import own_member
from portal.forms import apply_service_errors
from study.learning import selectors, services
from study.learning.forms import CadreItemForm, CadreProgressForm, TaskCompleteForm
from study.models import CadreStudyItem, StudyTask


def _no_member(request: HttpRequest) -> HttpResponse:
    return render(request, "study/my_study_no_member.html")


@login_required
@require_GET
def my_study(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "我的学习": this year's hours against the requirement, this month, overdue, upcoming and done."""
    member = own_member(request.user)
    if member is None:
        return _no_member(request)
    return _my_study_page(request, member)


def _my_study_page(
    request: AuthenticatedHttpRequest,
    member: Member,
    *,
    failed_task: StudyTask | None = None,
    failed_form: TaskCompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    study = selectors.my_study_get(user=request.user, member=member, overdue_from=_overdue_from(request))
    context = {"study": study, "failed_task_id": failed_task.pk if failed_task else None, "failed_form": failed_form}
    return render(request, "study/my_study.html", context, status=status)


def _overdue_from(request: HttpRequest) -> int:
    """The "show older" position in the overdue tasks (?overdue_from=N); anything but a small count is 0."""
    value = request.GET.get("overdue_from", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 0


@login_required
@require_POST
def task_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the member's own tasks done with a 心得. htmx: the card swaps to its done state."""
    member = own_member(request.user)
    if member is None:
        raise Http404
    try:
        task = selectors.member_task_get(member=member, pk=pk)
    except StudyTask.DoesNotExist:
        raise Http404 from None
    form = TaskCompleteForm(request.POST)
    if form.is_valid():
        try:
            task = services.task_complete(task=task, reflection=form.cleaned_data["reflection"])
        except ValidationError as error:
            apply_service_errors(form, error)
    if form.errors:
        if request.htmx:
            context = {"task": task, "form": form, "today": timezone.localdate()}
            return render(request, "study/partials/_task_card.html", context)
        return _my_study_page(request, member, failed_task=task, failed_form=form)
    if request.htmx:
        task = selectors.member_task_get(member=member, pk=task.pk)
        study = selectors.my_study_get(user=request.user, member=member)
        return render(request, "study/partials/_task_completed.html", {"task": task, "study": study})
    messages.success(request, _("已完成“%(topic)s”，学习心得已保存。") % {"topic": task.title})
    return redirect("study:my_study")


def _cadre_or_response(request: HttpRequest) -> tuple[Member | None, HttpResponse | None]:
    member = own_member(request.user)
    if member is None:
        return None, _no_member(request)
    if not member.is_leading_cadre:
        return None, render(request, "study/cadre_plan.html", {"member": member, "not_cadre": True})
    return member, None


@login_required
@require_http_methods(["GET", "POST"])
def cadre_plan(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A leading cadre's 个人自学计划 for the current year: items with progress, and a form to add one."""
    member, response = _cadre_or_response(request)
    if response is not None:
        return response
    year = timezone.localdate().year
    form = CadreItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_item_save(member=member, year=year, **form.cleaned_data)  # type: ignore[arg-type]  # set when there is no response
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已添加自学条目“%(title)s”。") % {"title": form.cleaned_data["title"]})
            return redirect("study:cadre_plan")
    items = selectors.cadre_items(member=member, year=year)  # type: ignore[arg-type]  # set when there is no response
    average = round(sum(item.progress for item in items) / len(items)) if items else 0
    context = {"member": member, "year": year, "items": items, "average": average, "form": form}
    return render(request, "study/cadre_plan.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_item_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Progress (0–100) and notes of one of the cadre's own self-study items."""
    member = own_member(request.user)
    if member is None or not member.is_leading_cadre:
        raise Http404
    try:
        item = selectors.cadre_item_get(member=member, pk=pk)
    except CadreStudyItem.DoesNotExist:
        raise Http404 from None
    form = CadreProgressForm(request.POST or None, initial={"progress": item.progress, "note": item.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_item_save(member=member, year=item.plan.year, item=item, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(title)s”的进度已保存。") % {"title": item.title})
            return redirect("study:cadre_plan")
    return render(request, "study/cadre_plan_item_edit.html", {"item": item, "form": form})
