"""Forms of 软弱涣散党支部. The rules (states, who decides, when a flag may be lifted) are the services'."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branches.forms import DATE_WIDGET
from branches.models import User
from portal.forms import BootstrapFormMixin
from reviews.weak_branches.models import RectificationMeasure

DATE_ERRORS = {"required": _("请填写日期。"), "invalid": _("请输入正确的日期，如 2026-12-31。")}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RectificationMeasure) -> str:
        return obj.title


class ConfirmForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("认定意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class DismissForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("不予认定的理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("请填写不予认定的理由。")},
    )


class PlanForm(BootstrapFormMixin, forms.Form):
    """A plan with its first measure (more are added on the plan's page)."""

    responsible = UserChoiceField(
        label=_("包联责任人"),
        queryset=User.objects.none(),
        help_text=_("上级党组织中负责包联该党支部的同志。"),
        error_messages={"required": _("请选择包联责任人。"), "invalid_choice": _("请从列表中选择包联责任人。")},
    )
    goal = forms.CharField(
        label=_("整顿目标"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写整顿目标。")},
    )
    measure = forms.CharField(
        label=_("第一项整顿措施"), max_length=300, error_messages={"required": _("请至少填写一项整顿措施。")}
    )
    due_on = forms.DateField(label=_("完成时限"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, responsibles: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        assert isinstance(field, UserChoiceField)
        field.queryset = responsibles


class MeasureForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("整顿措施"), max_length=300, error_messages={"required": _("请填写整顿措施。")})
    due_on = forms.DateField(label=_("完成时限"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class UpdateForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("进展情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写进展情况。")},
    )
    measure = MeasureChoiceField(
        label=_("涉及措施"),
        queryset=RectificationMeasure.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("所选措施不属于该整顿方案，请重新选择。")},
    )
    measure_done = forms.BooleanField(label=_("该措施已完成"), required=False)

    def __init__(self, *args, measures: QuerySet[RectificationMeasure], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["measure"]
        assert isinstance(field, MeasureChoiceField)
        field.queryset = measures


class LiftForm(BootstrapFormMixin, forms.Form):
    evidence = forms.CharField(
        label=_("验收佐证"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("验收时查阅的材料、检查情况等。"),
        error_messages={"required": _("请填写验收佐证材料。")},
    )
    reason = forms.CharField(
        label=_("验收意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写验收意见。")},
    )
