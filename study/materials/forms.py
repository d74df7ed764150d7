"""Forms for study materials: the list's filters and publishing a material with its attachment."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin
from portal.uploads import DetectedFile, ImageTooLarge, detect_attachment_type, image_too_large_message
from study.learning.forms import DATE_WIDGET
from study.models import MaterialCategory, StudyMaterial

ATTACHMENT_NAME_MAX_LENGTH = 200


def material_upload_max_bytes() -> int:
    return getattr(settings, "MATERIAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


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
        self.fields["category"].choices = [("", _("请选择类别")), *MaterialCategory.choices]  # type: ignore[attr-defined]  # fields[] is typed Field: a ChoiceField
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
        try:
            detected = detect_attachment_type(upload)
        except ImageTooLarge as too_large:
            raise forms.ValidationError(image_too_large_message(upload.name, too_large)) from None
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
