"""The 请假申请 form: the reason (the rules are the service's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.leave.services import REASON_MAX_LENGTH
from portal.forms import BootstrapFormMixin


class LeaveRequestForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("请假事由"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("支部书记登记出勤时会看到，并预先标为请假。活动开始前可以撤回。"),
        error_messages={
            "required": _("请填写请假事由。"),
            "max_length": _("请假事由不超过%(limit_value)d个字。"),
        },
    )
