"""Forms for a meeting's attachments: several files in one upload, each checked by its content and size."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from activities.attachments.services import AttachmentUpload
from activities.models import Meeting
from activities.records.services import AMENDMENT_REASON_MIN_LENGTH
from portal.forms import BootstrapFormMixin
from portal.uploads import PDF_TYPE, ImageTooLarge, detect_attachment_type, image_too_large_message

# Photos, scans of sign-in sheets and PDFs; a Word file is not evidence of a meeting.
MEETING_ATTACHMENT_TYPES = {PDF_TYPE, "image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_FILES_PER_UPLOAD = 20
ATTACHMENT_NAME_MAX_LENGTH = 200
ACCEPT = ".jpg,.jpeg,.png,.webp,.gif,.pdf,image/jpeg,image/png,image/webp,image/gif,application/pdf"


def meeting_upload_max_bytes() -> int:
    return getattr(settings, "MEETING_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once (Django's "Uploading multiple files"); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        files = [item for item in data if item] if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("更正原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("这次活动已归档：增删附件是一次更正，会记为新的归档版本，原版本保留。"),
    )


def _reason_required_message() -> str:
    # Formatted here, in the request's language (a lazy string formatted at import time would not be).
    return _("请写明更正原因（至少%(n)d个字）。") % {"n": AMENDMENT_REASON_MIN_LENGTH}


class AttachmentUploadForm(BootstrapFormMixin, forms.Form):
    """One or more photos, scans or PDFs; every file is checked before any is stored.

    For a filed meeting the form also asks for the reason of the amendment.
    """

    files = MultipleFileField(
        label=_("文件"),
        allow_empty_file=True,  # an empty file gets a message naming it (clean_files)
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("请选择要上传的文件。")},
    )
    reason = _reason_field()

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.uploads: list[AttachmentUpload] = []
        self.fields["files"].help_text = _(
            "可一次选择多个文件：照片（JPEG、PNG、WebP、GIF）、签到表扫描件或PDF，每个不超过%(size)s。附件是可选的佐证材料。"
        ) % {"size": filesizeformat(meeting_upload_max_bytes())}
        if meeting.is_filed:
            self.fields["reason"].error_messages["required"] = _reason_required_message()
        else:
            del self.fields["reason"]

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        self.uploads = uploads_check(files)
        return files


def uploads_check(files: list[UploadedFile]) -> list[AttachmentUpload]:
    """Check uploaded evidence files (count, size, type read from the content, extension): the uploads, or a
    ValidationError naming each bad file in Chinese. Used by every form that takes attachments as evidence."""
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise forms.ValidationError(
            _("一次最多上传%(max)d个文件（您选择了%(n)d个），请分批上传。")
            % {"max": MAX_FILES_PER_UPLOAD, "n": len(files)}
        )
    errors, uploads = [], []
    for upload in files:
        name = PurePath(upload.name or "").name[:ATTACHMENT_NAME_MAX_LENGTH]
        content_type, error = _check(upload, name)
        if error:
            errors.append(error)
        else:
            uploads.append(AttachmentUpload(file=upload, name=name, content_type=content_type))
    if errors:
        raise forms.ValidationError(errors)
    return uploads


def _check(upload: UploadedFile, name: str) -> tuple[str, str | None]:
    """(detected content type, None) for an acceptable file, else ("", a message naming the file)."""
    limit = meeting_upload_max_bytes()
    if upload.size == 0:
        return "", _("“%(name)s”是空文件，请重新选择。") % {"name": name}
    if upload.size > limit:
        return "", _("“%(name)s”超过了%(limit)s（该文件为%(size)s），请压缩后再上传。") % {
            "name": name,
            "limit": filesizeformat(limit),
            "size": filesizeformat(upload.size),
        }
    try:
        detected = detect_attachment_type(upload)
    except ImageTooLarge as too_large:
        return "", image_too_large_message(name, too_large)
    if detected is None or detected.content_type not in MEETING_ATTACHMENT_TYPES:
        return "", _("无法识别“%(name)s”的文件内容。附件只能是照片（JPEG、PNG、WebP、GIF）或PDF文件。") % {"name": name}
    if PurePath(name).suffix.lower() not in detected.suffixes:
        return "", _("“%(name)s”的扩展名与文件内容不符（内容为%(type)s），请检查后重新上传。") % {
            "name": name,
            "type": detected.content_type,
        }
    return detected.content_type, None


class AttachmentDeleteForm(BootstrapFormMixin, forms.Form):
    """Confirms a removal; for a filed meeting it asks for the reason of the amendment."""

    reason = _reason_field()

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting.is_filed:
            self.fields["reason"].error_messages["required"] = _reason_required_message()
        else:
            del self.fields["reason"]
