"""Forms for a member's own study: completing a task with a 心得, and the cadre self-study plan's items and
progress (plan forms: study/plans/forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin
from study.models import REFLECTION_MIN_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
