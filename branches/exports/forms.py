"""The annual export form of the admin: the year, the subtree and the format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, User
from branches.permissions import organizations_visible_to

FORMAT_CHOICES = [("xlsx", "Excel (xlsx)"), ("csv", "CSV")]


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class AnnualExportForm(forms.Form):
    """`with_year`: the rows have a year (meetings, tasks, …); a member list has none."""

    year = forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("请填写年度，如 2026。"), "required": _("请填写年度，如 2026。")},
    )
    organization = OrganizationChoiceField(
        label=_("党组织（含下级）"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("我管理范围内的全部党组织"),
        error_messages={"invalid_choice": _("所选的党组织不存在或不在您的管理范围内，请重新选择。")},
    )
    file_format = forms.ChoiceField(label=_("文件格式"), choices=FORMAT_CHOICES, initial="xlsx")

    def __init__(self, *args: Any, user: User, with_year: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_visible_to(user).order_by("path")  # type: ignore[attr-defined]  # a ModelChoiceField
        if with_year:
            self.fields["year"].initial = timezone.localdate().year
        else:
            del self.fields["year"]
