from django import forms
from django.utils.translation import gettext_lazy as _

from branches import idnumbers
from branches.models import (
    ALLOWED_PARENT_KINDS,
    Member,
    MemberCategory,
    MemberStatus,
    Organization,
    OrganizationKind,
    PartyGroup,
    phone_validator,
)
from portal.audit.models import AuditAction
from portal.forms import BootstrapFormMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "category",
            "established_on",
            "term_started_on",
            "term_ends_on",
            "is_weak",
            "weak_since",
            "weak_reason",
            "address",
        ]
        widgets = {
            "established_on": DATE_WIDGET,
            "term_started_on": DATE_WIDGET,
            "term_ends_on": DATE_WIDGET,
            "weak_since": DATE_WIDGET,
            "weak_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, parent: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's clean() checks the parent; the form knows it before saving.
        self.instance.parent = parent if parent is not None else self.instance.parent


class PartyGroupForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PartyGroup
        fields = ["name", "leader", "established_on", "dissolved_on"]
        widgets = {"established_on": DATE_WIDGET, "dissolved_on": DATE_WIDGET}
        help_texts = {"established_on": _("自成立后的第一个整月起按党小组考核集中学习，此前仍以党支部为单位考核。")}

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["leader"].queryset = Member.objects.filter(
            organization=organization, status=MemberStatus.ACTIVE
        ).order_by("name")


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        help_text=_("18位，校验位自动核对；存储时加密。"),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "education",
            "phone",
            "membership_type",
            "joined_on",
            "full_member_on",
            "group",
            "position",
            "is_retired",
            "is_floating",
            "is_non_public",
            "is_leading_cadre",
            "leadership_team",
            "is_student",
        ]
        widgets = {"birth_date": DATE_WIDGET, "joined_on": DATE_WIDGET, "full_member_on": DATE_WIDGET}

    def __init__(self, *args, organization: Organization, show_full_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["group"].queryset = PartyGroup.objects.filter(organization=organization).standing().order_by("name")
        # The leadership teams a cadre of this branch may sit on: the committees above it.
        self.fields["leadership_team"].queryset = Organization.objects.filter(pk__in=organization.ancestor_ids).exclude(
            kind=OrganizationKind.BRANCH
        )
        if self.instance.pk:
            # Editing: the stored number stays unless a new one is typed.
            self.fields["id_number"].required = False
            if show_full_id:
                shown = self.instance.id_number
                self.fields["id_number"].help_text = _("当前：%(number)s。留空则不修改。") % {"number": shown}
            else:
                # The form shows the full birth date, so not even the last four digits of the number.
                self.fields["id_number"].help_text = _("已录入（加密保存，不显示）。留空则不修改。")

    def clean_id_number(self) -> str:
        value = idnumbers.normalize(self.cleaned_data.get("id_number", ""))
        if value:
            idnumbers.validate_id_number(value)
        return value

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        birth_date = cleaned.get("birth_date")
        if number and birth_date and idnumbers.birth_date_of(number) != birth_date:
            self.add_error("birth_date", _("出生日期与身份证号不一致。"))
        return cleaned

    def _post_clean(self):
        # Fields the model validates after the service sets the ID number; skip them here.
        self._validate_unique = False
        super()._post_clean()


class MemberTransferForm(BootstrapFormMixin, forms.Form):
    to_organization = forms.ModelChoiceField(label=_("转入党支部"), queryset=Organization.objects.none())
    on = forms.DateField(label=_("转接日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = branches.filter(kind=OrganizationKind.BRANCH)


class MemberStatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("党籍状态"), choices=MemberStatus.choices)
    on = forms.DateField(label=_("变更日期"), widget=DATE_WIDGET)


class AccountCreateForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("首次登录链接将发送到该邮箱。"))
    phone = forms.CharField(label=_("手机号"), max_length=11, required=False, validators=[phone_validator])


class RosterFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *MemberCategory.choices]
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *MemberStatus.choices])
    group = forms.ChoiceField(label=_("党小组"), required=False)

    def __init__(self, *args, groups: list[PartyGroup], **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from the groups the page already loaded: no second query.
        self.fields["group"].choices = [("", _("全部党小组")), *((str(group.pk), group.name) for group in groups)]


class RosterUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("花名册文件"), help_text=_("xlsx 或 csv，使用下载的模板格式。"))


class OrganizationMoveForm(BootstrapFormMixin, forms.Form):
    new_parent = forms.ModelChoiceField(label=_("新的上级党组织"), queryset=Organization.objects.none())

    def __init__(self, *args, organization: Organization, parents, **kwargs):
        super().__init__(*args, **kwargs)
        allowed_kinds = ALLOWED_PARENT_KINDS.get(organization.kind, set())
        self.fields["new_parent"].queryset = (
            parents.filter(kind__in=allowed_kinds)
            .exclude(path__startswith=organization.path)
            .exclude(pk=organization.parent_id)
            .order_by("path")
        )


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(label=_("事件"), required=False, choices=[("", _("全部事件")), *AuditAction.choices])
    q = forms.CharField(label=_("操作人或对象"), required=False, max_length=50)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE_WIDGET)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE_WIDGET)
