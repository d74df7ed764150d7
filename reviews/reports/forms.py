"""The request form of the yearly report: which year."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin
from reviews.compliance.dashboard import FIRST_YEAR


class YearlyReportRequestForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(today.year, FIRST_YEAR - 1, -1)
        year_field: forms.ChoiceField = self.fields["year"]  # type: ignore[assignment]  # declared as a ChoiceField
        year_field.choices = [(year, _("%(year)d年") % {"year": year}) for year in years]
        self.fields["year"].initial = today.year - 1 if today.month == 1 else today.year
        self.fields["year"].error_messages["invalid_choice"] = _("年度应在%(first)d年至%(last)d年之间。") % {
            "first": FIRST_YEAR,
            "last": today.year,
        }
