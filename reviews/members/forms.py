"""The form for the 批评教育 talk held with a flagged member (rule M1). The talk's rules are checked by
activities.talks.services.heart_talk_record."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from activities.talks.forms import DATE_WIDGET, MemberChoiceField
from branches.models import Member
from portal.forms import BootstrapFormMixin


class MemberFlagTalkForm(BootstrapFormMixin, forms.Form):
    initiator = MemberChoiceField(
        label=_("谈话人"),
        queryset=Member.objects.none(),
        error_messages={"required": _("请选择谈话人。"), "invalid_choice": _("请从本支部党员中选择谈话人。")},
    )
    held_on = forms.DateField(
        label=_("谈话日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写谈话日期。"), "invalid": _("请输入正确的日期，如 2026-03-15。")},
    )
    summary = forms.CharField(
        label=_("谈话要点"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("仅谈话双方和支部书记可以看到。"),
        error_messages={"required": _("请填写谈话要点。")},
    )

    def __init__(self, *args, members: QuerySet[Member], today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["initiator"].queryset = members  # type: ignore[attr-defined]  # fields[] is typed Field: a ModelChoiceField
        self.fields["held_on"].widget.attrs["max"] = today.isoformat()
