"""Forms of the secretary's meeting pages: schedule/edit/amend a meeting, and record attendance with the minutes.

The forms check input and turn it into the services' arguments; the rules (which kinds an organisation holds,
who is expected, filing and versions) are the services'.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.meetings.selectors import MeetingFormOptions, RosterRow
from activities.meetings.services import AttendanceEntry, allowed_kinds
from activities.models import COUNTS_AS_ONLY, AttendanceStatus, MeetingKind, ThemeDayPart
from activities.records.services import AMENDMENT_REASON_MIN_LENGTH
from branches.models import Member, Organization, PartyGroup
from portal.forms import BootstrapFormMixin
from study.models import StudyPlanItem

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
STATUS_FIELD = re.compile(r"^status_(\d+)$")
REASON_MAX_LENGTH = 200
DATETIME_ERRORS = {
    "required": _("请填写时间。"),
    "invalid": _("时间格式不正确，请按“年-月-日 时:分”填写。"),
}


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker (`<input type="datetime-local">`), to the minute."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL_FORMAT)


def _kind_choices(organization: Organization, has_groups: bool) -> list[tuple[str, str]]:
    kinds = allowed_kinds(organization=organization)
    if has_groups:
        kinds |= allowed_kinds(organization=organization, group=PartyGroup(organization=organization))
    return [(value, label) for value, label in MeetingKind.choices if value in kinds]


class MeetingForm(BootstrapFormMixin, forms.Form):
    """Schedule (`mode="create"`), edit (`"edit"`) or correct (`"amend"`) a meeting.

    Create carries a `creation_key` (made when the form is shown: a second submission returns the first meeting);
    edit and amend carry the `version` the form was opened at. Amend adds the reason and the minutes.
    """

    kind = forms.ChoiceField(
        label=_("活动类型"),
        error_messages={
            "required": _("请选择活动类型。"),
            "invalid_choice": _("请选择本组织可以召开的活动类型。"),
        },
    )
    group = forms.TypedChoiceField(
        label=_("党小组"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("党小组会或以党小组为单位的学习请选择党小组；应到人员为该小组的党员。"),
        error_messages={"invalid_choice": _("请选择本支部的党小组。")},
    )
    topic = forms.CharField(
        label=_("主题"),
        max_length=200,
        error_messages={"required": _("请填写活动主题。"), "max_length": _("主题不超过%(limit_value)d个字。")},
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeLocalInput(), error_messages=DATETIME_ERRORS)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeLocalInput(), error_messages=DATETIME_ERRORS)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    host = forms.TypedChoiceField(label=_("主持人"), coerce=int, empty_value=None, required=False)
    recorder = forms.TypedChoiceField(label=_("记录人"), coerce=int, empty_value=None, required=False)
    counts_as = forms.MultipleChoiceField(
        label=_("同时计为"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "一次活动同时完成了其他活动的（如主题党日中召开支部党员大会、讲党课），勾选后一并计入，无需重复登记。"
        ),
        error_messages={"invalid_choice": _("“%(value)s”不是本组织可以计入的活动类型。")},
    )
    lecturer = forms.TypedChoiceField(
        label=_("授课人"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "本组织党员和上级党委书记请选择（上级党委书记讲的党课计入该党委的“书记讲党课”）；其他上级领导或外请人员请填写姓名。"
        ),
    )
    lecturer_name = forms.CharField(label=_("授课人姓名"), max_length=50, required=False)
    lecturer_post = forms.CharField(label=_("授课人职务"), max_length=100, required=False)
    lecturer_is_secretary = forms.BooleanField(
        label=_("书记讲党课"),
        required=False,
        help_text=_("授课人是本组织书记时自动勾选；上级党组织书记来讲党课时请手动勾选。"),
    )
    theme_day_parts = forms.MultipleChoiceField(
        label=_("主题党日内容"),
        choices=ThemeDayPart.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("主题党日内容无效。")},
    )
    agenda = forms.CharField(label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    observers = forms.CharField(
        label=_("上级列席人员"),
        max_length=300,
        required=False,
        help_text=_("上级党组织到会列席的同志，填写姓名和职务。"),
        error_messages={"max_length": _("列席人员不超过%(limit_value)d个字。")},
    )
    plan_items = forms.TypedMultipleChoiceField(
        label=_("对应学习计划"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本组织当年学习计划中的条目，临近月份在前。"),
        error_messages={"invalid_choice": _("所选学习计划条目不属于本组织当年的计划。")},
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        options: MeetingFormOptions,
        mode: str = "create",
        with_minutes: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.options = options
        self.mode = mode
        self._people = {person.pk: person for person in options.people}
        self._groups = {group.pk: group for group in options.groups}
        self._items = {item.pk: item for item in options.plan_items}
        kinds = _kind_choices(organization, has_groups=bool(options.groups))
        own_kinds = [(value, label) for value, label in kinds if value not in COUNTS_AS_ONLY]
        self.fields["kind"].choices = [("", _("请选择")), *own_kinds] if mode == "create" else own_kinds
        self.fields["counts_as"].choices = kinds
        people = [("", "—"), *((person.pk, _person_label(person, organization)) for person in options.people)]
        for name in ("host", "recorder", "lecturer"):
            self.fields[name].choices = people
            self.fields[name].error_messages["invalid_choice"] = _("请从本组织的党员中选择。")
        self.fields["lecturer"].widget.attrs["data-secretaries"] = " ".join(
            str(pk) for pk in sorted(options.secretary_member_ids)
        )
        if options.groups:
            self.fields["group"].choices = [("", _("全支部")), *((g.pk, g.name) for g in options.groups)]
        else:
            del self.fields["group"]
        self.fields["plan_items"].choices = [
            (
                item.pk,
                _("%(year)d年%(month)d月 · %(topic)s")
                % {"year": item.plan.year, "month": item.month, "topic": item.topic},
            )
            for item in options.plan_items
        ]
        for name in ("counts_as", "theme_day_parts", "plan_items"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["topic"].widget.attrs["placeholder"] = _("例如：学习党章 重温入党誓词")
        self.fields["location"].widget.attrs["placeholder"] = _("例如：三楼会议室")
        if mode == "create":
            self.fields["creation_key"] = forms.UUIDField(required=False, widget=forms.HiddenInput)
        else:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, error_messages={"required": _("页面已过期，请刷新后重新填写。")}
            )
        if with_minutes or mode == "amend":
            self.fields["minutes"] = forms.CharField(
                label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"})
            )
        if mode == "amend":
            self.fields["reason"] = forms.CharField(
                label=_("更正原因"),
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                help_text=_("写明更正了什么、为什么（至少%(n)d个字）；原记录和本次更正都会保留。")
                % {"n": AMENDMENT_REASON_MIN_LENGTH},
                error_messages={"required": _("请写明更正原因。")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("结束时间应晚于开始时间。"))
        kind = data.get("kind")
        counts_as = data.get("counts_as") or []
        lecture = kind == MeetingKind.PARTY_LECTURE or MeetingKind.PARTY_LECTURE in counts_as
        lecturer = self._people.get(data.get("lecturer")) if data.get("lecturer") else None
        if lecture and lecturer is None and not (data.get("lecturer_name") or "").strip():
            self.add_error("lecturer", _("党课须填写授课人：请选择党员或填写授课人姓名。"))
        if lecturer is not None and lecturer.pk in self.options.secretary_member_ids:
            data["lecturer_is_secretary"] = True
        if kind and kind != MeetingKind.THEME_DAY:
            data["theme_day_parts"] = []
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for meeting_create / meeting_update / meeting_amend (without the meeting and who)."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name]
            for name in (
                "kind",
                "topic",
                "starts_at",
                "ends_at",
                "location",
                "lecturer_name",
                "lecturer_post",
                "lecturer_is_secretary",
                "agenda",
                "theme_day_parts",
                "observers",
            )
        }
        for name in ("host", "recorder", "lecturer"):
            fields[name] = self._people.get(data[name]) if data[name] else None
        if "minutes" in self.fields:
            fields["minutes"] = data["minutes"]
        fields["group"] = self._groups.get(data.get("group")) if data.get("group") else None
        fields["counts_as"] = [kind for kind in data["counts_as"] if kind != data["kind"]]
        fields["plan_items"] = self.chosen_plan_items()
        return fields

    def chosen_plan_items(self) -> list[StudyPlanItem]:
        return [self._items[pk] for pk in self.cleaned_data.get("plan_items", []) if pk in self._items]


def _person_label(person: Member, organization: Organization) -> str:
    if person.organization_id == organization.pk:
        return person.name
    return _("%(name)s（%(organization)s）") % {"name": person.name, "organization": person.organization}


class AttendanceForm(forms.Form):
    """登记出勤: one status per member (出席/请假/缺席, a reason for 请假), optionally the minutes and the version.

    Everyone starts as 出席 (or as saved); the secretary changes the exceptions. Statuses posted for members who
    are not on the list (a tampered form) are passed on, so the service refuses them with its message.
    """

    def __init__(
        self,
        *args: Any,
        roster: list[RosterRow],
        minutes: str = "",
        version: int | None = None,
        with_minutes: bool = True,
        with_version: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.roster = roster
        for row in roster:
            self.fields[f"status_{row.member_id}"] = forms.ChoiceField(
                label=row.name,
                choices=AttendanceStatus.choices,
                initial=row.status,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择出勤情况。"), "invalid_choice": _("出勤状态无效。")},
            )
            self.fields[f"reason_{row.member_id}"] = forms.CharField(
                label=_("请假事由"),
                max_length=REASON_MAX_LENGTH,
                required=False,
                initial=row.leave_reason,
                error_messages={"max_length": _("请假事由不超过%(limit_value)d个字。")},
            )
        if with_minutes:
            self.fields["minutes"] = forms.CharField(
                label=_("会议纪要"),
                required=False,
                initial=minutes,
                widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
            )
        if with_version:
            self.fields["version"] = forms.IntegerField(
                initial=version,
                widget=forms.HiddenInput,
                error_messages={"required": _("页面已过期，请刷新后重新填写。")},
            )
        self.unlisted: dict[int, AttendanceEntry] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for row in self.roster:
            if (
                data.get(f"status_{row.member_id}") == AttendanceStatus.LEAVE
                and not (data.get(f"reason_{row.member_id}") or "").strip()
            ):
                self.add_error(f"reason_{row.member_id}", _("请填写%(name)s的请假事由。") % {"name": row.name})
        listed = {row.member_id for row in self.roster}
        for key in self.data:
            match = STATUS_FIELD.match(key)
            if match and int(match.group(1)) not in listed:
                status = self.data.get(key)
                self.unlisted[int(match.group(1))] = AttendanceEntry(
                    status if status in AttendanceStatus.values else AttendanceStatus.PRESENT,
                    str(self.data.get(f"reason_{match.group(1)}", "")),
                )
        return data

    def entries(self) -> dict[int, AttendanceEntry]:
        """Every listed member's status (and anyone posted who is not on the list, for the service to refuse)."""
        data = self.cleaned_data
        result = {
            row.member_id: AttendanceEntry(data[f"status_{row.member_id}"], data[f"reason_{row.member_id}"])
            for row in self.roster
        }
        result.update(self.unlisted)
        return result

    def rows(self) -> list[dict[str, Any]]:
        """For the template: each member with the status and reason to show (as posted, else as saved)."""
        result = []
        for row in self.roster:
            status_field = self[f"status_{row.member_id}"]
            reason_field = self[f"reason_{row.member_id}"]
            result.append(
                {
                    "row": row,
                    "status_name": status_field.html_name,
                    "status": status_field.value(),
                    "status_errors": status_field.errors,
                    "reason_name": reason_field.html_name,
                    "reason": reason_field.value() or "",
                    "reason_errors": reason_field.errors,
                }
            )
        return result
