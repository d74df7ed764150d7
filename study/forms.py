"""Forms for a member's study, materials and the cadre self-study plan (plan forms: plan_forms.py)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from portal.forms import BootstrapFormMixin
from study.models import REFLECTION_MIN_LENGTH, MaterialCategory, StudyMaterial

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
# Pillow's format name → MIME type and the file name endings that go with it.
IMAGE_TYPES = {
    "PNG": ("image/png", {".png"}),
    "JPEG": ("image/jpeg", {".jpg", ".jpeg"}),
    "GIF": ("image/gif", {".gif"}),
    "WEBP": ("image/webp", {".webp"}),
}
ATTACHMENT_NAME_MAX_LENGTH = 200


def material_upload_max_bytes() -> int:
    return getattr(settings, "MATERIAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


@dataclass(frozen=True)
class DetectedFile:
    content_type: str
    suffixes: set[str]


def detect_attachment_type(upload: UploadedFile) -> DetectedFile | None:
    """What the file really is, read from its content (never from its name or the browser's content type).

    PDF: starts with ``%PDF-``. docx: a zip archive holding ``word/document.xml``. Images: PNG, JPEG, GIF or
    WebP that Pillow opens and verifies. Anything else: None.
    """
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return DetectedFile(PDF_TYPE, {".pdf"})
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(upload) as archive:
                if "word/document.xml" in archive.namelist():
                    return DetectedFile(DOCX_TYPE, {".docx"})
            return None
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
        if image_format in IMAGE_TYPES:
            content_type, suffixes = IMAGE_TYPES[image_format]
            return DetectedFile(content_type, suffixes)
        return None
    except (zipfile.BadZipFile, UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    finally:
        upload.seek(0)


class TaskCompleteForm(forms.Form):
    """A task's 心得. The length limits are the service's (task_complete); the form only asks for some text.

    The card renders the textarea itself (templates/study/partials/_task_card.html).
    """

    reflection = forms.CharField(label=_("学习心得"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language (a lazy string formatted at import time would not be).
        self.fields["reflection"].error_messages["required"] = _("请写下至少%(n)d个字的学习心得。") % {
            "n": REFLECTION_MIN_LENGTH
        }


class MaterialFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *MaterialCategory.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("标题或正文"), "type": "search"}
        )
        self.fields["category"].widget.attrs["class"] = "form-select"


class MaterialForm(BootstrapFormMixin, forms.ModelForm):
    """Publishing a material; the attachment is checked by its content and size."""

    class Meta:
        model = StudyMaterial
        fields = ["title", "category", "body", "attachment", "source_url", "is_required", "published_on"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "published_on": DATE_WIDGET,
            "attachment": forms.ClearableFileInput(
                attrs={"accept": ".pdf,.docx,.png,.jpg,.jpeg,.gif,.webp,application/pdf,image/*"}
            ),
        }
        help_texts = {
            "body": _("纯文本，换行会保留。"),
            "source_url": _("原文所在网页，例如共产党员网。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择类别")), *MaterialCategory.choices]
        size = filesizeformat(material_upload_max_bytes())
        self.fields["attachment"].help_text = _(
            "可选。PDF、Word（docx）或图片（PNG、JPEG、GIF、WebP），不超过%(size)s。"
        ) % {"size": size}
        self.detected: DetectedFile | None = None

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        limit = material_upload_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("附件不能超过%(limit)s（该文件为%(size)s）。")
                % {"limit": filesizeformat(limit), "size": filesizeformat(upload.size)}
            )
        detected = detect_attachment_type(upload)
        if detected is None:
            raise forms.ValidationError(
                _("无法识别“%(name)s”的文件内容。附件只能是PDF、Word（docx）或图片（PNG、JPEG、GIF、WebP）文件。")
                % {"name": upload.name}
            )
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in detected.suffixes:
            raise forms.ValidationError(
                _("“%(name)s”的扩展名与文件内容不符（内容为%(type)s），请检查后重新上传。")
                % {"name": upload.name, "type": detected.content_type}
            )
        self.detected = detected
        return upload

    def publish_fields(self) -> dict:
        """The cleaned fields plus the attachment's original name and detected type, for material_publish."""
        fields = dict(self.cleaned_data)
        upload = fields.get("attachment")
        if upload and self.detected:
            fields["attachment_name"] = PurePath(upload.name).name[:ATTACHMENT_NAME_MAX_LENGTH]
            fields["attachment_type"] = self.detected.content_type
        else:
            fields.pop("attachment", None)
        return fields


def month_choices() -> list[tuple[int, str]]:
    return [(month, _("%(month)d月") % {"month": month}) for month in range(1, 13)]


PROGRESS_ERRORS = {
    "min_value": _("进度应在0到100之间。"),
    "max_value": _("进度应在0到100之间。"),
    "invalid": _("进度请填写0到100之间的整数。"),
    "required": _("请填写进度。"),
}


class CadreItemForm(BootstrapFormMixin, forms.Form):
    """A new item of the 个人自学计划."""

    title = forms.CharField(
        label=_("学习内容"),
        max_length=200,
        error_messages={"required": _("请填写学习内容。")},
    )
    target_month = forms.TypedChoiceField(label=_("计划月份"), choices=month_choices, coerce=int)
    progress = forms.IntegerField(
        label=_("进度（%）"), min_value=0, max_value=100, initial=0, error_messages=PROGRESS_ERRORS
    )
    note = forms.CharField(label=_("学习笔记"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CadreProgressForm(BootstrapFormMixin, forms.Form):
    """Progress and notes of an existing item."""

    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100, error_messages=PROGRESS_ERRORS)
    note = forms.CharField(label=_("学习笔记"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
