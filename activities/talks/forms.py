"""Forms for 谈心谈话, 承诺践诺 and 党员先锋岗. They parse input; the rules are checked by talk_services."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from activities.models import PioneerPostKind
from branches.models import Member
from portal import periods
from portal.forms import BootstrapFormMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Years offered by the year filters.
EARLIEST_YEAR = 2016


def parse_year(value: str | None, *, today: datetime.date) -> tuple[int, bool]:
    """The year asked for in a `?year=` parameter, from 2016 to this year (see portal.periods)."""
    return periods.parse_year(value, today=today, earliest_year=EARLIEST_YEAR, latest_year=today.year)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.position}）" if obj.position else obj.name


class HeartTalkForm(BootstrapFormMixin, forms.Form):
    initiator = MemberChoiceField(
        label=_("谈话人"),
        queryset=Member.objects.none(),
        empty_label=_("请选择党员"),
        error_messages={"required": _("请选择谈话人。"), "invalid_choice": _("请从本支部党员中选择谈话人。")},
    )
    counterpart = MemberChoiceField(
        label=_("谈话对象"),
        queryset=Member.objects.none(),
        empty_label=_("请选择党员"),
        error_messages={"required": _("请选择谈话对象。"), "invalid_choice": _("请从本支部党员中选择谈话对象。")},
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
    is_criticism = forms.BooleanField(label=_("批评教育"), required=False)

    def __init__(self, *args, members: QuerySet[Member], today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["initiator"].queryset = members  # type: ignore[attr-defined]  # fields[] is typed Field: a ModelChoiceField
        self.fields["counterpart"].queryset = members  # type: ignore[attr-defined]  # fields[] is typed Field: a ModelChoiceField
        self.fields["held_on"].widget.attrs["max"] = today.isoformat()


class CommitmentPledgeForm(BootstrapFormMixin, forms.Form):
    post = forms.CharField(
        label=_("岗位"), max_length=100, required=False, help_text=_("承诺结合本职岗位，默认为党员信息中的职务/岗位。")
    )
    pledge = forms.CharField(
        label=_("承诺内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写承诺内容。")},
    )


class CommitmentReportForm(BootstrapFormMixin, forms.Form):
    report = forms.CharField(
        label=_("践诺情况"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写践诺情况。")},
    )


class CommitmentCommentForm(BootstrapFormMixin, forms.Form):
    branch_comment = forms.CharField(
        label=_("支部评价"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写支部评价。")},
    )


class PioneerPostForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=PioneerPostKind.choices)
    title = forms.CharField(
        label=_("名称"),
        max_length=100,
        help_text=_("如“便民服务窗口党员先锋岗”“三号楼党员责任区”。"),
        error_messages={"required": _("请填写岗位名称。")},
    )
    started_on = forms.DateField(
        label=_("设立日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写设立日期。"), "invalid": _("请输入正确的日期，如 2026-03-15。")},
    )


class PioneerPostEndForm(BootstrapFormMixin, forms.Form):
    ended_on = forms.DateField(
        label=_("撤销日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写撤销日期。"), "invalid": _("请输入正确的日期，如 2026-03-15。")},
    )
