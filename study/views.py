"""A member's own study ("我的学习", tasks, the cadre self-study plan) and the study materials.

The plan pages and the oversight of study progress are in plan_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.models import Member, Organization
from branches.permissions import can_manage_organization, own_member, primary_organization_id
from branches.views import organization_or_404
from portal.forms import apply_service_errors
from study import selectors, services
from study.forms import CadreItemForm, CadreProgressForm, MaterialFilterForm, MaterialForm, TaskCompleteForm
from study.models import CadreStudyItem, MaterialCategory, StudyMaterial, StudyTask

INLINE_ATTACHMENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _no_member(request: HttpRequest) -> HttpResponse:
    return render(request, "study/my_study_no_member.html")


# A member's own study -----------------------------------------------------------------------------------------


@login_required
@require_GET
def my_study(request: HttpRequest) -> HttpResponse:
    """ "我的学习": this year's hours against the requirement, this month, overdue, upcoming and done."""
    member = own_member(request.user)
    if member is None:
        return _no_member(request)
    return _my_study_page(request, member)


def _my_study_page(
    request: HttpRequest,
    member: Member,
    *,
    failed_task: StudyTask | None = None,
    failed_form: TaskCompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    study = selectors.my_study_get(user=request.user, member=member)
    context = {"study": study, "failed_task_id": failed_task.pk if failed_task else None, "failed_form": failed_form}
    return render(request, "study/my_study.html", context, status=status)


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
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


# Cadre self-study ---------------------------------------------------------------------------------------------


def _cadre_or_response(request: HttpRequest) -> tuple[Member | None, HttpResponse | None]:
    member = own_member(request.user)
    if member is None:
        return None, _no_member(request)
    if not member.is_leading_cadre:
        return None, render(request, "study/cadre_plan.html", {"member": member, "not_cadre": True})
    return member, None


@login_required
@require_http_methods(["GET", "POST"])
def cadre_plan(request: HttpRequest) -> HttpResponse:
    """A leading cadre's 个人自学计划 for the current year: items with progress, and a form to add one."""
    member, response = _cadre_or_response(request)
    if response is not None:
        return response
    year = timezone.localdate().year
    form = CadreItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_item_save(member=member, year=year, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已添加自学条目“%(title)s”。") % {"title": form.cleaned_data["title"]})
            return redirect("study:cadre_plan")
    items = selectors.cadre_items(member=member, year=year)
    average = round(sum(item.progress for item in items) / len(items)) if items else 0
    context = {"member": member, "year": year, "items": items, "average": average, "form": form}
    return render(request, "study/cadre_plan.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
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


# Materials ----------------------------------------------------------------------------------------------------


def _material_or_404(request: HttpRequest, pk: int) -> StudyMaterial:
    try:
        return selectors.material_get(user=request.user, pk=pk)
    except StudyMaterial.DoesNotExist:
        raise Http404 from None


def _publishing_organization(request: HttpRequest) -> Organization | None:
    """Where the "发布学习资料" button publishes: the user's own (highest) organisation, if they manage it."""
    organization_id = primary_organization_id(request.user)
    if organization_id is None:
        return None
    organization = Organization.objects.filter(pk=organization_id).first()
    return organization if organization and can_manage_organization(request.user, organization) else None


@login_required
@require_GET
def material_list(request: HttpRequest) -> HttpResponse:
    """Materials that reach the user: search by title and text, filter by category, required reading first."""
    form = MaterialFilterForm(request.GET)
    query, category = "", ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        category = form.cleaned_data["category"]
    page = selectors.material_page(
        user=request.user, query=query, category=category, page_number=request.GET.get("page", 1)
    )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "category_label": MaterialCategory(category).label if category else "",
        "read_ids": selectors.material_read_ids(member=own_member(request.user), materials=list(page.object_list)),
        "querystring_without_page": params.urlencode(),
        "publishing_organization": _publishing_organization(request),
    }
    return render(request, "study/material_list.html", context)


@login_required
@require_GET
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The material; opening it records the read (who and when) for a viewer with a member record."""
    material = _material_or_404(request, pk)
    member = own_member(request.user)
    if member is not None:
        services.material_read_record(material=material, member=member)
    context = {
        "material": material,
        "read": selectors.material_read_get(member=member, material=material) if member else None,
        "is_image": material.attachment_type in INLINE_ATTACHMENT_TYPES,
    }
    return render(request, "study/material_detail.html", context)


@login_required
@require_GET
def material_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The attachment, served through this view after the scope check (never from a public media URL)."""
    material = _material_or_404(request, pk)
    if not material.attachment:
        raise Http404
    try:
        handle = material.attachment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    is_image = material.attachment_type in INLINE_ATTACHMENT_TYPES
    response = FileResponse(
        handle,
        as_attachment=not is_image,
        filename=material.attachment_name or material.attachment.name.rsplit("/", 1)[-1],
        content_type=material.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def material_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a material for an organisation's subtree: committee officers for theirs, secretaries for their branch."""
    organization = organization_or_404(request, pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = MaterialForm(request.POST or None, request.FILES or None, initial={"published_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            material = services.material_publish(
                organization=organization, published_by=request.user, **form.publish_fields()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("学习资料“%(title)s”已发布。") % {"title": material.title})
            return redirect(material)
    return render(request, "study/material_form.html", {"organization": organization, "form": form})
