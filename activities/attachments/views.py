"""A meeting's attachments: upload (several at once), serve through the access scope, delete.

Files live under non-guessable names and are never served from a public media URL: the views below find the
attachment through `Meeting.objects.visible_to(request.user)` (404 outside the scope) and stream it with the
stored content type. On a filed meeting, adding or removing a file is an amendment with a reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from activities.attachments import services
from activities.attachments.forms import AttachmentDeleteForm, AttachmentUploadForm
from activities.models import Meeting, MeetingAttachment
from branches import selectors as branch_selectors
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_manage_organization
from portal.forms import apply_service_errors

# Shown in the browser rather than downloaded; everything the upload accepts is one of these.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def _visible_attachments(request: HttpRequest) -> QuerySet[MeetingAttachment]:
    return MeetingAttachment.objects.filter(meeting__in=Meeting.objects.visible_to(request.user))


def _require_manager(request: AuthenticatedHttpRequest, meeting: Meeting) -> None:
    if not can_manage_organization(request.user, meeting.organization):
        raise PermissionDenied


def _breadcrumb(request: AuthenticatedHttpRequest, meeting: Meeting) -> list[Organization]:
    """The meeting's organisation and its ancestors the user may see, top first (one query)."""
    organization = meeting.organization
    return [*branch_selectors.organization_ancestors(organization=organization, user=request.user), organization]


def _back_to_meeting(meeting: Meeting) -> HttpResponse:
    return redirect(f"{meeting.get_absolute_url()}#attachments")


@login_required
@require_http_methods(["GET", "POST"])
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload photos, scans or PDFs to a meeting (its organisation's managers); all files or none are stored."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user).select_related("organization", "group"), pk=pk)
    _require_manager(request, meeting)
    if request.method == "POST":
        form = AttachmentUploadForm(request.POST, request.FILES, meeting=meeting)
        if form.is_valid():
            try:
                attachments = services.attachment_add(
                    meeting=meeting,
                    version=meeting.version,
                    uploads=form.uploads,
                    uploaded_by=request.user,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                message = ngettext("已上传%(n)d个附件。", "已上传%(n)d个附件。", len(attachments)) % {
                    "n": len(attachments)
                }
                if meeting.is_filed:
                    message += " " + _("已记为一次更正，原归档版本保留。")
                messages.success(request, message)
                return _back_to_meeting(meeting)
    else:
        form = AttachmentUploadForm(meeting=meeting)
    context = {"meeting": meeting, "form": form, "ancestors": _breadcrumb(request, meeting)}
    return render(request, "activities/attachment_form.html", context)


def _serve(attachment: MeetingAttachment, field, *, filename: str, content_type: str) -> FileResponse:
    return file_response(field, filename=filename, content_type=content_type)


def file_response(field, *, filename: str, content_type: str) -> FileResponse:
    """Stream a stored evidence file (found by the caller through the access scope): inline for photos and PDFs,
    as a download otherwise; 404 when the file is missing."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=content_type not in INLINE_TYPES, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def attachment_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The attachment, for anybody who may see its meeting (never from a public media URL)."""
    attachment = get_object_or_404(_visible_attachments(request), pk=pk)
    return _serve(
        attachment,
        attachment.file,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


@login_required
@require_GET
def attachment_thumbnail(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An image attachment's JPEG thumbnail (404 for a PDF, which has none)."""
    attachment = get_object_or_404(_visible_attachments(request), pk=pk)
    stem = attachment.original_name.rsplit(".", 1)[0] or "thumbnail"
    return _serve(attachment, attachment.thumbnail, filename=f"{stem}-320.jpg", content_type="image/jpeg")


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove an attachment (the meeting's managers); on a filed meeting as an amendment with a reason."""
    attachment = get_object_or_404(
        _visible_attachments(request).select_related("meeting__organization", "meeting__group"), pk=pk
    )
    meeting = attachment.meeting
    _require_manager(request, meeting)
    form = AttachmentDeleteForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_delete(
                attachment=attachment,
                version=meeting.version,
                deleted_by=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            message = _("已删除附件“%(name)s”。") % {"name": attachment.original_name}
            if meeting.is_filed:
                message += " " + _("已记为一次更正，原归档版本保留。")
            messages.success(request, message)
            return _back_to_meeting(meeting)
    context = {
        "meeting": meeting,
        "attachment": attachment,
        "form": form,
        "ancestors": _breadcrumb(request, meeting),
    }
    return render(request, "activities/attachment_delete.html", context)
