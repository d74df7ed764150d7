"""Filters of the dashboard and the 情况通报 (GET forms: a bad value is named and the default used instead)."""

from __future__ import annotations

import datetime

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin
from reviews.compliance.dashboard import FIRST_YEAR, Filters, RuleChoice, category_choices, month_label, period_from_key
from reviews.compliance.rules import Period, PeriodKind, periods_of_year

QUARTER_LABELS = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}


def period_choices() -> list[tuple[str, object]]:
    """Every period of the year, a kind of period, or one month or quarter of the chosen year."""
    return [
        ("", _("全部周期")),
        (PeriodKind.MONTH, _("按月检查的规则")),
        (PeriodKind.QUARTER, _("按季度检查的规则")),
        (PeriodKind.YEAR, _("按年检查的规则")),
        *((f"Q{q}", QUARTER_LABELS[q]) for q in range(1, 5)),
        *((f"{m:02d}", month_label(m)) for m in range(1, 13)),
    ]


class QuickSelect(forms.Select):
    """A <select> of plain options written in Python: the same HTML as Django's select template, without one
    template rendering per option (the dashboard's four filters have some 60 options, on every request)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', widget["name"], flatatt(widget["attrs"]), options)


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, widget=QuickSelect)
    period = forms.ChoiceField(label=_("周期"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_("单位类别"), required=False, widget=QuickSelect)
    rule = forms.ChoiceField(label=_("规则"), required=False, widget=QuickSelect)

    def __init__(self, *args, today: datetime.date, rules: list[RuleChoice], with_category: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["year"].choices = [(year, _("%(year)d年") % {"year": year}) for year in self.years()]
        self.fields["year"].error_messages["invalid_choice"] = _("年度应在%(first)d年至%(last)d年之间。") % {
            "first": FIRST_YEAR,
            "last": today.year,
        }
        self.fields["period"].choices = period_choices()
        self.fields["period"].error_messages["invalid_choice"] = _("周期无效，请从列表中选择。")
        self.fields["category"].choices = [("", _("全部类别")), *category_choices()]
        self.fields["category"].error_messages["invalid_choice"] = _("单位类别无效，请从列表中选择。")
        self.fields["rule"].choices = [("", _("全部规则")), *((r.code, f"{r.code} {r.title}") for r in rules)]
        self.fields["rule"].error_messages["invalid_choice"] = _("没有这条规则，请从列表中选择。")
        if not with_category:
            del self.fields["category"]

    def years(self) -> list[int]:
        return list(range(self.today.year, FIRST_YEAR - 1, -1))

    def filters(self) -> Filters:
        """The valid filters; a field with a bad value falls back to its default (the form shows why)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return Filters(
            year=data.get("year") or self.today.year,
            period=data.get("period") or "",
            category=data.get("category") or "",
            rule=data.get("rule") or "",
        )


class CircularForm(forms.Form):
    """The 情况通报's period: a month ('2026-07'), a quarter ('2026-Q3') or a year ('2026')."""

    period = forms.CharField(label=_("通报周期"), max_length=10, required=False, widget=forms.Select)

    def __init__(self, *args, today: datetime.date, default: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.default = default
        offered = self.offered()
        asked = period_from_key(str(self.data.get("period", ""))) if self.is_bound else None
        if asked is not None and asked not in offered and asked.start <= today:
            offered.insert(0, asked)
        widget = self.fields["period"].widget
        widget.choices = [
            (label, [(period.key, period.label) for period in offered if period.kind == kind])
            for kind, label in (
                (PeriodKind.QUARTER, _("季度")),
                (PeriodKind.MONTH, _("月份")),
                (PeriodKind.YEAR, _("年度")),
            )
        ]
        widget.attrs["class"] = "form-select"
        if not self.is_bound or not self.data.get("period"):
            self.initial["period"] = default.key

    def offered(self) -> list[Period]:
        """This year's and last year's months, quarters and years that have begun, latest first."""
        periods = []
        for year in (self.today.year, self.today.year - 1):
            for kind in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
                periods += [p for p in periods_of_year(kind, year) if p.start <= self.today]
        return sorted(periods, key=lambda p: (p.end, p.start), reverse=True)

    def clean_period(self) -> Period:
        value = (self.cleaned_data.get("period") or "").strip()
        if not value:
            return self.default
        period = period_from_key(value)
        if period is None:
            raise forms.ValidationError(
                _("通报周期格式应为“2026-07”（月）、“2026-Q3”（季度）或“2026”（年度）。"), code="invalid"
            )
        if period.start > self.today:
            raise forms.ValidationError(_("%(period)s尚未开始，无法通报。") % {"period": period.label}, code="future")
        return period

    def chosen_period(self) -> Period:
        """The period shown, which the select then shows as chosen (the default when none or a bad one was asked)."""
        period = self.cleaned_data["period"] if self.is_valid() else self.default
        self.data = self.data.copy()
        self.data["period"] = period.key
        return period
