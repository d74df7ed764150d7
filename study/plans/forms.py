"""Forms for the annual study plan, its items, the filing decision and the oversight pages' filters."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branches.models import PartyGroup
from portal import periods
from portal.forms import BootstrapFormMixin
from study.models import Audience, StudyMaterial, StudyPlan, StudyPlanItem

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIRST_PLAN_YEAR = 2016  # 两学一做 began in 2016
DEFAULT_DUE_DAY = 25
COMMENT_MAX_LENGTH = 1000
YEAR_ERRORS = {
    "required": _("请填写年度。"),
    "invalid": _("年度请填写四位数字，例如 2027。"),
    "min_value": _("年度不能早于%(limit_value)s年。"),
    "max_value": _("年度不能晚于%(limit_value)s年。"),
}


def month_label(month: int) -> str:
    return _("%(month)d月") % {"month": month}


def default_due_date(year: int, month: int) -> datetime.date:
    """A new item is due on the 25th of its month, before the month's plan for the next one is due."""
    return datetime.date(year, month, DEFAULT_DUE_DAY)


def year_field(*, today: datetime.date, required: bool = True) -> forms.IntegerField:
    """A plan year: from 2016 (两学一做 began) to next year."""
    field = forms.IntegerField(
        label=_("年度"),
        min_value=FIRST_PLAN_YEAR,
        max_value=today.year + 1,
        required=required,
        error_messages=YEAR_ERRORS,
    )
    field.widget.attrs["class"] = "form-control"
    return field


class PlanCreateForm(BootstrapFormMixin, forms.Form):
    """A new annual plan (a branch) or template plan (a committee); the title defaults from the year."""

    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("不填则按年度自动命名。"))

    def __init__(self, *args, today: datetime.date, is_template: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"year": year_field(today=today), **self.fields}
        self.is_template = is_template

    def clean(self):
        data = super().clean()
        if data.get("year") and not data.get("title", "").strip():
            data["title"] = plan_default_title(data["year"], is_template=self.is_template)
        return data


def plan_default_title(year: int, *, is_template: bool) -> str:
    if is_template:
        return str(_("%(year)d年度学习计划（模板）") % {"year": year})
    return str(_("%(year)d年度学习计划") % {"year": year})


class PlanCopyForm(forms.Form):
    """The year that last year's plan is copied into."""

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = year_field(today=today)


class PlanItemForm(BootstrapFormMixin, forms.ModelForm):
    """One month's study item. The due date defaults to the 25th of the month."""

    month = forms.TypedChoiceField(label=_("月份"), coerce=int)
    materials = forms.ModelMultipleChoiceField(
        label=_("学习资料"),
        queryset=StudyMaterial.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("可选本组织及上级党组织发布的学习资料。"),
    )

    class Meta:
        model = StudyPlanItem
        fields = ["month", "topic", "form", "audience", "group", "due_date", "hours", "materials"]
        widgets = {"due_date": DATE_WIDGET}
        error_messages = {
            "topic": {"required": _("请填写学习主题。")},
            "hours": {
                "required": _("请填写学时。"),
                "invalid": _("学时请填写数字，例如 2 或 1.5。"),
                "max_digits": _("学时不超过999.9。"),
                "max_decimal_places": _("学时最多保留一位小数。"),
            },
            "due_date": {"invalid": _("完成期限的日期格式不正确。")},
        }

    def __init__(
        self,
        *args,
        plan: StudyPlan,
        materials: QuerySet[StudyMaterial],
        groups: QuerySet[PartyGroup] | None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["month"].choices = [(month, month_label(month)) for month in range(1, 13)]
        self.fields["due_date"].required = False
        self.fields["due_date"].help_text = _("不填则为当月25日。须在%(year)d年内。") % {"year": plan.year}
        self.fields["due_date"].widget.attrs.update({"min": f"{plan.year}-01-01", "max": f"{plan.year}-12-31"})
        self.fields["hours"].widget.attrs.update({"min": "0", "step": "0.5"})
        self.fields["materials"].queryset = materials
        self.fields["materials"].widget.attrs["class"] = "form-check-input"
        self.fields["topic"].widget.attrs["placeholder"] = _("例如：学习党章第一章“党员”")
        if groups is None:
            # A committee's template is adopted by many branches: no 党小组 of its own.
            del self.fields["group"]
            self.fields["audience"].choices = [
                (value, label) for value, label in Audience.choices if value != Audience.GROUP
            ]
        else:
            self.fields["group"].queryset = groups
            self.fields["group"].help_text = _("学习对象为党小组时选择。")

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is not None and hours <= 0:
            raise forms.ValidationError(_("学时应大于0。"))
        return hours

    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("due_date") and "due_date" not in self.errors:
            data["due_date"] = default_due_date(self.plan.year, data["month"])
        return data

    def _post_clean(self):
        # The service validates the item against its plan (year, audience, group); the form only checks input.
        pass

    def item_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("month", "topic", "form", "audience", "due_date", "hours")}
        fields["group"] = data.get("group")
        return fields


class PlanDecisionForm(BootstrapFormMixin, forms.Form):
    """备案 (comment optional) or 退回 (comment required — the service says so)."""

    comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("备案时可不填；退回时请写明修改意见。"),
        error_messages={"max_length": _("审核意见不超过%(limit_value)d个字。")},
    )


def parse_month(value: str | None, *, today: datetime.date) -> tuple[datetime.date, bool]:
    """`?month=` of the plan pages, from 2016 (see portal.periods)."""
    return periods.parse_month(value, today=today, earliest_year=FIRST_PLAN_YEAR)


class FilingStatusForm(forms.Form):
    """The filing-status page's filters; bad values fall back to the defaults."""

    show = forms.ChoiceField(
        required=False, choices=[("", ""), ("not_filed", ""), ("waiting", ""), ("no_next_month", "")]
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = year_field(today=today, required=False)
