"""Forms of 督导检查 and the problem ledger. The rules (states, the draw, scope of the branches) are the services'."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from activities.attachments.forms import (
    ACCEPT,
    MultipleFileField,
    MultipleFileInput,
    meeting_upload_max_bytes,
    uploads_check,
)
from activities.attachments.services import AttachmentUpload
from activities.talks.forms import DATE_WIDGET
from branches.models import Member, Organization
from portal.forms import BootstrapFormMixin
from reviews.oversight.models import InspectionKind, Problem, ProblemSource

DATE_ERRORS = {"required": _("请填写日期。"), "invalid": _("请输入正确的日期，如 2026-12-31。")}


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class ProblemForm(BootstrapFormMixin, forms.Form):
    """A problem entered in an organisation's ledger by hand (自查, 群众意见, 组织生活会对照检查 …)."""

    source = forms.ChoiceField(
        label=_("问题来源"),
        choices=[(v, label) for v, label in ProblemSource.choices if v != ProblemSource.INSPECTION],
        error_messages={"required": _("请选择问题来源。"), "invalid_choice": _("请从列表中选择问题来源。")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写问题描述。")},
    )
    member = MemberChoiceField(
        label=_("涉及党员"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("个人问题选择本人（本人可以看到）；党组织的问题留空。"),
        error_messages={"invalid_choice": _("所选党员不在本党组织，请重新选择。")},
    )
    responsible = forms.CharField(
        label=_("责任人"), max_length=50, error_messages={"required": _("请填写整改责任人。")}
    )
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, members: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, MemberChoiceField)
        field.queryset = members


class StartForm(BootstrapFormMixin, forms.Form):
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SubmitForm(BootstrapFormMixin, forms.Form):
    measures = forms.CharField(
        label=_("整改措施"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写整改措施。")},
    )
    evidence = forms.CharField(
        label=_("整改情况及佐证"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明整改完成情况，以及可供核验的材料（会议记录、制度文件等）在哪里。"),
        error_messages={"required": _("请填写整改情况及佐证材料说明。")},
    )
    # A declared field (the form metaclass takes it out of the class), not the form's `files` (request.FILES).
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("佐证材料（可选）"),
        required=False,
        allow_empty_file=True,  # an empty file gets a message naming it
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploads: list[AttachmentUpload] = []
        self.fields["files"].help_text = _("可附照片（JPEG、PNG、WebP、GIF）或PDF扫描件，每个不超过%(size)s。") % {
            "size": filesizeformat(meeting_upload_max_bytes())
        }

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        self.uploads = uploads_check(files)
        return files


class EvidenceForm(BootstrapFormMixin, forms.Form):
    """Files of evidence for an inspection finding: photos, scans or PDFs, checked like a meeting's attachments."""

    # A declared field (the form metaclass takes it out of the class), not the form's `files` (request.FILES).
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("佐证材料"),
        allow_empty_file=True,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("请选择要上传的文件。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploads: list[AttachmentUpload] = []

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        self.uploads = uploads_check(files)
        return files


class VerifyForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReturnForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明退回的理由。")},
    )


class BranchChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class InspectionForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("检查方式"),
        choices=InspectionKind.choices,
        error_messages={"required": _("请选择检查方式。"), "invalid_choice": _("请从列表中选择检查方式。")},
    )
    theme = forms.CharField(label=_("督查主题"), max_length=200, required=False, help_text=_("专项督查必填。"))
    period_start = forms.DateField(label=_("检查期间开始"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    period_end = forms.DateField(label=_("检查期间结束"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    inspectors = forms.CharField(
        label=_("检查人员"), max_length=300, error_messages={"required": _("请填写检查人员。")}
    )
    free_items = forms.CharField(
        label=_("其他检查事项"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("每行一项；规则规定的事项自动列入检查清单。"),
    )
    branches = BranchChoiceField(
        label=_("受检党支部"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("巡回检查、专项督查选择受检党支部；随机抽查由系统抽取。"),
        error_messages={"invalid_choice": _("所选党支部不在本党组织范围内。")},
    )
    sample_size = forms.IntegerField(
        label=_("抽取数量"),
        min_value=1,
        max_value=500,
        required=False,
        error_messages={"min_value": _("抽取数量至少为1。"), "max_value": _("抽取数量不超过500。")},
    )
    stratified = forms.BooleanField(label=_("按单位类别分层抽取"), required=False)
    exclude_months = forms.IntegerField(
        label=_("排除近几个月已检查的党支部"),
        min_value=0,
        max_value=36,
        required=False,
        error_messages={"min_value": _("月数不能为负数。"), "max_value": _("月数不超过36。")},
    )

    def __init__(self, *args, branches: QuerySet[Organization], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["branches"]
        assert isinstance(field, BranchChoiceField)
        field.queryset = branches
        self.fields["branches"].widget.attrs["size"] = 8


class FindingProblemForm(BootstrapFormMixin, forms.Form):
    responsible = forms.CharField(
        label=_("责任人"), max_length=50, error_messages={"required": _("请填写整改责任人。")}
    )
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class ProblemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Problem) -> str:
        return f"{obj.get_state_display()}：{obj.description[:40]}"


class InterviewForm(BootstrapFormMixin, forms.Form):
    """A 重点约谈 of a branch: the committee that held it (above the branch, managed by the user), the people who
    sat for it, the member interviewed, and the branch's problems it was about (choices: the access module's)."""

    committee = forms.ModelChoiceField(
        label=_("约谈党组织"),
        queryset=Organization.objects.none(),
        error_messages={"required": _("请选择约谈党组织。"), "invalid_choice": _("请从列表中选择约谈党组织。")},
    )
    interviewers = forms.CharField(label=_("约谈人"), max_length=200, error_messages={"required": _("请填写约谈人。")})
    interviewee = MemberChoiceField(
        label=_("被约谈人"),
        queryset=Member.objects.none(),
        help_text=_("一般为党支部书记。"),
        error_messages={
            "required": _("请选择被约谈人。"),
            "invalid_choice": _("所选党员不在该党支部，请重新选择。"),
        },
    )
    held_on = forms.DateField(label=_("约谈日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    subject = forms.CharField(
        label=_("约谈事由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写约谈事由。")},
    )
    linked_problems = ProblemChoiceField(
        label=_("涉及问题"),
        queryset=Problem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选问题不在该党支部的整改台账中，请重新选择。")},
    )
    outcome = forms.CharField(
        label=_("约谈结果"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("约谈中提出的要求、被约谈人的表态和整改承诺。"),
        error_messages={"required": _("请填写约谈结果。")},
    )

    def __init__(
        self,
        *args,
        committees: QuerySet[Organization],
        members: QuerySet[Member],
        problems: QuerySet[Problem],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["interviewee"].queryset = members  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["linked_problems"].queryset = problems  # type: ignore[attr-defined]  # a ModelChoiceField
