"""Forms of 民主评议党员. The rules (order of the steps, locks, one vote each) are checked by the services."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.talks.forms import DATE_WIDGET
from branches.models import Member
from portal.forms import BootstrapFormMixin
from reviews.evaluations.models import (
    STEP_ORDER,
    DispositionKind,
    EvaluationStep,
    OpinionSource,
    ProbationOutcome,
    SelfEvaluation,
    grade_scale,
)

_DATE_ERRORS = {"required": _("请填写日期。"), "invalid": _("请输入正确的日期，如 2026-12-01。")}


class CampaignOpenForm(BootstrapFormMixin, forms.Form):
    """The year and, for every step, its first and last day (pre-filled with the usual December–March dates)."""

    year = forms.IntegerField(
        label=_("评议年度"),
        min_value=2017,
        max_value=2100,
        error_messages={"required": _("请填写评议年度。"), "invalid": _("评议年度应为四位数字，如 2026。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for step in STEP_ORDER:
            label = EvaluationStep(step).label
            self.fields[f"{step}_starts_on"] = forms.DateField(
                label=_("%(step)s开始") % {"step": label}, widget=DATE_WIDGET, error_messages=_DATE_ERRORS
            )
            self.fields[f"{step}_ends_on"] = forms.DateField(
                label=_("%(step)s截止") % {"step": label}, widget=DATE_WIDGET, error_messages=_DATE_ERRORS
            )
        super_init_classes(self)

    def step_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(EvaluationStep(step).label), self[f"{step}_starts_on"], self[f"{step}_ends_on"]) for step in STEP_ORDER
        ]

    def schedule(self) -> dict[str, tuple[datetime.date, datetime.date]]:
        data = self.cleaned_data
        return {step: (data[f"{step}_starts_on"], data[f"{step}_ends_on"]) for step in STEP_ORDER}


def super_init_classes(form: forms.Form) -> None:
    """Give the fields added after BootstrapFormMixin ran its class."""
    for field in form.fields.values():
        if "form-control" not in field.widget.attrs.get("class", ""):
            field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " form-control").strip()


class SelfEvaluationForm(BootstrapFormMixin, forms.ModelForm):
    """The 个人自评 on the 四个合格 (seed §二.2 says what each means)."""

    class Meta:
        model = SelfEvaluation
        fields = ["political", "discipline", "character", "contribution"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {
            "political": _("坚定理想信念，正确把握政治方向，坚定站稳政治立场，不断增强“四个自信”。"),
            "discipline": _("增强组织纪律性，执行党的决定，服从组织分配，严守政治纪律和政治规矩。"),
            "character": _("继承发扬党的优良传统和作风，带头践行社会主义核心价值观。"),
            "contribution": _("牢记党的根本宗旨，爱岗敬业、履职尽责，服务群众、奉献社会。"),
        }


class BallotForm(forms.Form):
    """A grade for every other member of the branch, with an optional comment."""

    def __init__(self, *args, subjects: list[Member], scale: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.subjects = subjects
        scale = grade_scale() if scale is None else scale
        for member in subjects:
            self.fields[f"grade_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=scale,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={
                    "required": _("请为%(name)s选择评议等次。") % {"name": member.name},
                    "invalid_choice": _("评议等次无效，请从列表中选择。"),
                },
            )
            self.fields[f"comment_{member.pk}"] = forms.CharField(
                label=_("对%(name)s的意见（可不填）") % {"name": member.name},
                required=False,
                max_length=200,
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm mt-1", "placeholder": _("意见（可不填）")}
                ),
                error_messages={"max_length": _("每条意见不超过200字。")},
            )

    def rows(self) -> list[tuple[Member, forms.BoundField, forms.BoundField]]:
        return [(member, self[f"grade_{member.pk}"], self[f"comment_{member.pk}"]) for member in self.subjects]

    def grades(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {member.pk: (data[f"grade_{member.pk}"], data[f"comment_{member.pk}"]) for member in self.subjects}


class GradeProposalForm(BootstrapFormMixin, forms.Form):
    """One member's proposed grade (for a 预备党员: the suggestion on the probation); the member is named by id and
    checked against the campaign's branch."""

    member = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("请选择党员。")})
    grade = forms.ChoiceField(
        label=_("评定等次"),
        choices=(),
        required=False,
        error_messages={"invalid_choice": _("评议等次无效，请从列表中选择。")},
    )
    probation_outcome = forms.ChoiceField(
        label=_("预备期意见"),
        choices=[("", "—"), *ProbationOutcome.choices],
        required=False,
        error_messages={"invalid_choice": _("请选择按期转正、延长预备期或取消预备党员资格。")},
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("基本合格、不合格须写明理由，并报上级党组织审批。"),
    )

    def __init__(self, *args, scale: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *(grade_scale() if scale is None else scale)]
        self.fields["grade"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField, typed as Field


class GradeReviewForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("同意")), ("return", _("退回"))],
        error_messages={"required": _("请选择同意或退回。"), "invalid_choice": _("请选择同意或退回。")},
    )
    reason = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(BootstrapFormMixin, forms.Form):
    """A member's opinion on the branch's (or its committee's) work."""

    text = forms.CharField(
        label=_("意见和建议"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写意见内容。"), "max_length": _("意见不超过2000字。")},
    )


class MassesOpinionForm(OpinionForm):
    """An opinion of the masses (群众意见) entered by the secretary, with how many people raised it."""

    count = forms.IntegerField(
        label=_("提出人数"),
        min_value=1,
        max_value=100000,
        initial=1,
        error_messages={"required": _("请填写提出人数。"), "min_value": _("提出人数至少为1。")},
    )


class ProblemForm(BootstrapFormMixin, forms.Form):
    """A problem found in the 对照检查 or the opinions; the member it concerns and the opinion it comes from are named
    by id and checked against the campaign."""

    source = forms.ChoiceField(
        label=_("来源"),
        choices=OpinionSource.choices,
        error_messages={"required": _("请选择问题来源。"), "invalid_choice": _("请选择问题来源。")},
    )
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": _("请描述问题。")}
    )
    member = forms.IntegerField(label=_("涉及党员"), required=False, widget=forms.Select)
    opinion = forms.IntegerField(label=_("来源意见"), required=False, widget=forms.Select)
    responsible = forms.CharField(label=_("责任人"), max_length=50, error_messages={"required": _("请填写责任人。")})
    measures = forms.CharField(
        label=_("整改措施"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写整改措施。")},
    )
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET, error_messages=_DATE_ERRORS)

    def __init__(self, *args, members=(), opinions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].widget.choices = [("", _("（不涉及具体党员）")), *((m.pk, m.name) for m in members)]
        self.fields["opinion"].widget.choices = [("", "—"), *((o.pk, o.text[:30]) for o in opinions)]


class DispositionForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("处置方式"),
        choices=DispositionKind.choices,
        error_messages={"required": _("请选择处置方式。"), "invalid_choice": _("请选择处置方式。")},
    )
    decided_on = forms.DateField(label=_("决定日期"), widget=DATE_WIDGET, error_messages=_DATE_ERRORS)
    deadline = forms.DateField(label=_("改正期限"), required=False, widget=DATE_WIDGET, error_messages=_DATE_ERRORS)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(BootstrapFormMixin, forms.Form):
    disposition = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("请选择处置决定。")})
    follow_up = forms.CharField(
        label=_("跟踪情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写跟踪情况。")},
    )
    followed_up_on = forms.DateField(label=_("跟踪日期"), widget=DATE_WIDGET, error_messages=_DATE_ERRORS)


class GradeAmendForm(BootstrapFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("更正后等次"), choices=(), required=False)
    probation_outcome = forms.ChoiceField(
        label=_("更正后预备期意见"), choices=[("", "—"), *ProbationOutcome.choices], required=False
    )
    reason = forms.CharField(
        label=_("更正原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("更正评定结果须写明更正原因（至少5个字）。")},
    )

    def __init__(self, *args, scale: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *(grade_scale() if scale is None else scale)]
        self.fields["grade"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField, typed as Field
