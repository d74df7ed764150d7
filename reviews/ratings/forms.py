"""Forms of 星级评定: the year of the officers page (and of a proposal run), and a decision on a rating."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin
from reviews.ratings.models import STAR_LEVELS, star_label

FIRST_YEAR = 2017  # the seed's year: nothing to rate before it


def year_choices(today: datetime.date) -> list[tuple[int, int]]:
    return [(year, year) for year in range(today.year, FIRST_YEAR - 1, -1)]


class RatingYearForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(
        label=_("年度"),
        coerce=int,
        error_messages={"invalid_choice": _("请选择%(first)s年至今年之间的年度。") % {"first": FIRST_YEAR}},
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(today)  # type: ignore[attr-defined]  # a ChoiceField


class RatingDecisionForm(BootstrapFormMixin, forms.Form):
    """定星 as proposed, or other stars with a reason (the service decides whether a reason is needed)."""

    stars = forms.TypedChoiceField(
        label=_("评定星级"),
        coerce=int,
        choices=[(level, "") for level in STAR_LEVELS],
        error_messages={"required": _("请选择一星至五星。"), "invalid_choice": _("请选择一星至五星。")},
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("与建议星级不同，或改变已评定的星级（升星、降星）时必填。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stars"].choices = [(level, star_label(level)) for level in STAR_LEVELS]  # type: ignore[attr-defined]  # a ChoiceField
