"""The study materials (学习资料): list with filters, detail with the read record, the attachment served
through a scoped view, and publishing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization, own_member, primary_organization_id
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from study.materials import selectors, services
from study.materials.forms import MaterialFilterForm, MaterialForm
from study.models import MaterialCategory

INLINE_ATTACHMENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _publishing_organization(request: AuthenticatedHttpRequest) -> Organization | None:
    """Where the "发布学习资料" button publishes: the user's own (highest) organisation, if they manage it."""
    organization_id = primary_organization_id(request.user)
    if organization_id is None:
        return None
    organization = Organization.objects.filter(pk=organization_id).first()
    return organization if organization and can_manage_organization(request.user, organization) else None


@login_required
@require_GET
def material_list(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def material_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The material; opening it records the read (who and when) for a viewer with a member record."""
    material = get_or_404(selectors.material_get, user=request.user, pk=pk)
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
def material_attachment(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The attachment, served through this view after the scope check (never from a public media URL)."""
    material = get_or_404(selectors.material_get, user=request.user, pk=pk)
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
        filename=material.attachment_name or material.attachment.name.rsplit("/", 1)[-1],  # type: ignore[union-attr]  # a saved file has a name
        content_type=material.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def material_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Publish a material for an organisation's subtree: committee officers for theirs, secretaries for their branch."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
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
