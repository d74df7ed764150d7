"""Forms of 述职评议考核. The rules (locks, one assessment each, the scale) are checked by the services."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from activities.talks.forms import DATE_WIDGET
from branches.models import User
from portal.forms import BootstrapFormMixin
from reviews.duty_reports.models import duty_grade_scale


class RepresentativesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        member = getattr(obj, "member", None)
        return member.name if member is not None else obj.username


class RoundOpenForm(BootstrapFormMixin, forms.Form):
    """The year, the due date of the reports and the representatives named to assess with the committee."""

    year = forms.IntegerField(
        label=_("述职年度"),
        min_value=2017,
        max_value=2100,
        error_messages={"required": _("请填写述职年度。"), "invalid": _("述职年度应为四位数字，如 2026。")},
    )
    due_on = forms.DateField(
        label=_("述职报告提交截止日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写提交截止日期。"), "invalid": _("请输入正确的日期，如 2027-01-31。")},
    )
    representatives = RepresentativesField(
        label=_("评议代表"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("本党委委员和工作人员均参加评议；这里另行指定党员代表（可不选）。"),
        error_messages={"invalid_choice": _("所选的评议代表不在本党组织范围内，请重新选择。")},
    )

    def __init__(self, *args, representatives: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["representatives"]
        assert isinstance(field, RepresentativesField)
        field.queryset = representatives


class ReportForm(BootstrapFormMixin, forms.Form):
    """The 书记's prose; the figures beside it are the stored snapshot and are not part of the form."""

    performance = forms.CharField(label=_("履职情况"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    plans = forms.CharField(label=_("下一步打算"), widget=forms.Textarea(attrs={"rows": 5}), required=False)


class ReturnForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明退回修改的理由。")},
    )


class AssessmentForm(BootstrapFormMixin, forms.Form):
    grade = forms.ChoiceField(
        label=_("评议等次"),
        choices=duty_grade_scale,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评议等次。"), "invalid_choice": _("请从评议等次中选择一项。")},
    )
    comment = forms.CharField(label=_("评议意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ConclusionForm(BootstrapFormMixin, forms.Form):
    grade = forms.ChoiceField(
        label=_("评定等次"),
        choices=duty_grade_scale,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评定等次。"), "invalid_choice": _("请从评议等次中选择一项。")},
    )
    conclusion = forms.CharField(
        label=_("评定意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写评定意见。")},
    )
