"""Forms for 党费: the collection page (one row per member, parsed here), a member's base, an amendment.
They parse input; the rules are checked by dues services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.dues.models import DuesCategory, DuesMethod, DuesStatus
from activities.dues.selectors import CollectionRow, CollectionSheet
from activities.dues.services import ENTRY_STATUSES, DuesEntry
from portal.forms import BootstrapFormMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
EARLIEST_YEAR = 2008


def parse_amount(value: str) -> Decimal | None:
    """'12.5' → Decimal('12.5'); '' → None; raises ValueError on anything that is not an amount."""
    value = (value or "").strip().replace("，", "").replace(",", "")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(value)
    return amount


@dataclass
class CollectionInputRow:
    """One row of the collection page: the sheet's row and what the form shows (the input, or the defaults)."""

    row: CollectionRow
    status: str
    amount: str
    reduction: str
    reduction_reason: str
    months_ahead: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_prepaid(self) -> bool:
        """Paid ahead (预交) in an earlier month: shown, not changed here."""
        return self.row.payment is not None and self.row.payment.status == DuesStatus.PREPAID

    @property
    def key(self) -> int:
        return self.row.member.pk


@dataclass
class CollectionInput:
    rows: list[CollectionInputRow]
    method: str
    paid_on: str
    entries: dict[int, DuesEntry]
    errors: list[str]


def collection_input(sheet: CollectionSheet, data: QueryDict | None, *, today: datetime.date) -> CollectionInput:
    """The rows to show and, for a POST, the entries to save. Defaults: everyone paid in full, by the method and
    on the date of the last save (or transfer, today)."""
    recorded = next((row.payment for row in sheet.rows if row.payment and row.payment.method), None)
    method = recorded.method if recorded else DuesMethod.TRANSFER
    paid_on = recorded.paid_on.isoformat() if recorded and recorded.paid_on else today.isoformat()
    rows = []
    entries: dict[int, DuesEntry] = {}
    errors: list[str] = []
    if data is not None:
        method = data.get("method", "")
        paid_on = data.get("paid_on", "")
    for row in sheet.rows:
        pk = row.member.pk
        payment = row.payment
        if data is None:
            status = row.status
            amount = str(payment.amount_paid) if payment and status in (DuesStatus.PARTIAL, DuesStatus.ADVANCE) else ""
            reduction = str(payment.reduction) if payment and payment.reduction else ""
            reason = payment.reduction_reason if payment else ""
            ahead = str(payment.months_ahead) if payment and payment.months_ahead else ""
            rows.append(CollectionInputRow(row, status, amount, reduction, reason, ahead))
            continue
        if payment is not None and payment.status == DuesStatus.PREPAID:
            rows.append(CollectionInputRow(row, payment.status, "", "", ""))
            continue
        status = data.get(f"s-{pk}", DuesStatus.PAID)
        amount = data.get(f"a-{pk}", "")
        reduction = data.get(f"r-{pk}", "")
        reason = data.get(f"rr-{pk}", "")
        ahead = data.get(f"m-{pk}", "").strip()
        input_row = CollectionInputRow(row, status, amount, reduction, reason, ahead)
        if status not in ENTRY_STATUSES:
            input_row.errors.append(_("请选择交纳情况。"))
        months_ahead = int(ahead) if ahead.isdigit() and len(ahead) <= 3 else 0
        if ahead and not (ahead.isdigit() and len(ahead) <= 3):
            input_row.errors.append(_("预交月数请填写整数，如 3。"))
        try:
            amount_value = parse_amount(amount) if status in (DuesStatus.PARTIAL, DuesStatus.ADVANCE) else None
            reduction_value = parse_amount(reduction) or Decimal(0)
        except ValueError:
            input_row.errors.append(_("金额格式不正确，请填写如 12.50 的数字。"))
        else:
            entries[pk] = DuesEntry(
                status=status,
                amount_paid=amount_value,
                reduction=reduction_value,
                reduction_reason=reason.strip(),
                months_ahead=months_ahead,
            )
        errors += [f"{row.member.name}：{message}" for message in input_row.errors]
        rows.append(input_row)
    return CollectionInput(rows=rows, method=method, paid_on=paid_on, entries=entries, errors=errors)


def parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


class DuesBaseForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("党员类别"),
        choices=DuesCategory.choices,
        error_messages={"required": gettext_lazy("请选择党员类别。")},
    )
    income = forms.DecimalField(
        label=gettext_lazy("每月税后收入/离退休费（元）"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("在职党员填税后工资收入，离退休党员填离退休费；其他类别可不填。"),
        error_messages={"invalid": gettext_lazy("请填写金额，如 4500.00。")},
    )
    agreed_amount = forms.DecimalField(
        label=gettext_lazy("约定金额（元/月）"),
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("农民党员在每月0.2至1元之间约定的金额。"),
        error_messages={"invalid": gettext_lazy("请填写金额，如 0.50。")},
    )
    applies_from = forms.DateField(
        label=gettext_lazy("起始月份"),
        widget=MONTH_WIDGET,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        error_messages={
            "required": gettext_lazy("请填写起始月份。"),
            "invalid": gettext_lazy("请填写月份，如 2026-03。"),
        },
    )


class DuesAmendForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("交纳情况"), choices=DuesStatus.choices)
    amount_paid = forms.DecimalField(
        label=gettext_lazy("实交（元）"),
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("部分交纳或多交时填写。"),
        error_messages={"invalid": gettext_lazy("请填写金额，如 12.50。")},
    )
    method = forms.ChoiceField(label=gettext_lazy("交纳方式"), choices=[("", "—"), *DuesMethod.choices], required=False)
    paid_on = forms.DateField(
        label=gettext_lazy("交纳日期"),
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": gettext_lazy("请输入正确的日期，如 2026-03-15。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("更正理由"), max_length=300, error_messages={"required": gettext_lazy("请填写更正理由。")}
    )


class DuesReductionDecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("审批意见"),
        choices=[("approve", gettext_lazy("批准减免")), ("return", gettext_lazy("退回"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择批准或退回。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("退回理由"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("退回时必填。"),
    )


class DuesImportForm(BootstrapFormMixin, forms.Form):
    month = forms.DateField(
        label=gettext_lazy("月份"),
        widget=MONTH_WIDGET,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        error_messages={
            "required": gettext_lazy("请填写月份。"),
            "invalid": gettext_lazy("请填写月份，如 2026-03。"),
        },
    )
    file = forms.FileField(
        label=gettext_lazy("交纳记录文件"),
        help_text=gettext_lazy("xlsx 或 csv：姓名、身份证号（可不填）、实交金额，可加交纳方式、交纳日期。"),
        error_messages={"required": gettext_lazy("请选择要上传的文件。")},
    )

    def clean_month(self) -> datetime.date:
        month = self.cleaned_data["month"].replace(day=1)
        if month > timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("不能导入未来月份的党费。"))
        if month.year < EARLIEST_YEAR:
            raise forms.ValidationError(_("月份过早，请核对。"))
        return month
