"""Writes for 党费: bases, a month's collection (one save), closing a month, amendments after it is closed.

Keyword-only, one transaction each; bad input raises a ValidationError with a Chinese message and writes
nothing. The branch-month roll-up (`DuesMonth`) is written by the same transaction as the payments, so it always
equals `dues_month_recompute`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.dues.models import DuesAmendment, DuesBase, DuesMethod, DuesMonth, DuesPayment, DuesStatus
from activities.dues.rules import quantize
from activities.dues.selectors import CollectionSheet
from branches.models import Member, Organization, User

ZERO = Decimal("0.00")


@transaction.atomic
def dues_base_set(
    *,
    member: Member,
    category: str,
    income: Decimal,
    applies_from: datetime.date,
    agreed_amount: Decimal | None = None,
    recorded_by: User | None,
) -> DuesBase:
    """Record the member's dues base from a month on. A later month adds a row (the earlier months keep their
    base); the same month again corrects that month's row."""
    base = DuesBase.objects.filter(member=member, applies_from=applies_from.replace(day=1)).first() or DuesBase(
        member=member, applies_from=applies_from.replace(day=1)
    )
    base.category = category
    base.income = quantize(income)
    base.agreed_amount = quantize(agreed_amount) if agreed_amount is not None else None
    base.recorded_by = recorded_by
    base.full_clean()
    base.save()
    return base


@dataclass(frozen=True)
class DuesEntry:
    """An exception ticked on the collection page: what the member actually paid, and any reduction."""

    status: str = DuesStatus.PAID
    amount_paid: Decimal | None = None
    reduction: Decimal = ZERO
    reduction_reason: str = ""


@dataclass(frozen=True)
class MonthTotals:
    members: int
    paid_members: int
    due: Decimal
    paid: Decimal
    arrears: Decimal


def month_totals(payments: Iterable[DuesPayment]) -> MonthTotals:
    members = paid_members = 0
    due = paid = arrears = ZERO
    for payment in payments:
        members += 1
        paid_members += payment.amount_paid >= payment.amount_due
        due += payment.amount_due
        paid += payment.amount_paid
        arrears += payment.arrears
    return MonthTotals(members, paid_members, due, paid, arrears)


def _entry_errors(name: str, entry: DuesEntry, computed: Decimal) -> tuple[list[str], Decimal, Decimal]:
    """Check one member's entry; returns (errors, amount due after the reduction, amount paid)."""
    errors = []
    reduction = entry.reduction or ZERO
    if reduction < 0 or reduction > computed:
        errors.append(_("%(name)s：减免金额须在0至应交金额之间。") % {"name": name})
        reduction = ZERO
    if reduction and not entry.reduction_reason.strip():
        errors.append(_("%(name)s：减免须填写支部决定的理由。") % {"name": name})
    due = quantize(computed - reduction)
    amount = entry.amount_paid
    if entry.status == DuesStatus.PAID:
        paid = due
    elif entry.status == DuesStatus.UNPAID:
        paid = ZERO
    elif amount is None:
        errors.append(_("%(name)s：请填写实交金额。") % {"name": name})
        paid = ZERO
    else:
        paid = quantize(amount)
        if entry.status == DuesStatus.PARTIAL and not ZERO < paid < due:
            errors.append(_("%(name)s：部分交纳的金额须大于0且少于应交%(due)s元。") % {"name": name, "due": due})
        if entry.status == DuesStatus.ADVANCE and paid <= due:
            errors.append(_("%(name)s：多交/预交的金额须多于应交%(due)s元。") % {"name": name, "due": due})
    if entry.status not in DuesStatus.values:
        errors.append(_("%(name)s：交纳情况无效。") % {"name": name})
    return errors, due, paid


@transaction.atomic
def dues_collection_save(
    *,
    sheet: CollectionSheet,
    entries: Mapping[int, DuesEntry],
    method: str,
    paid_on: datetime.date | None,
    recorded_by: User,
    now: datetime.datetime | None = None,
) -> MonthTotals:
    """Record the month for every member on the sheet: paid in full unless an entry says otherwise.

    Writes in one upsert of the payments and one of the branch-month roll-up (plus one read of the month),
    whatever the number of members. Refused when the month is closed (corrections are amendments).
    """
    now = now or timezone.now()
    errors: list[str] = []
    if method not in DuesMethod.values:
        errors.append(_("请选择交纳方式。"))
    if paid_on is None:
        errors.append(_("请填写交纳日期。"))
    elif paid_on > timezone.localdate(now):
        errors.append(_("交纳日期不能晚于今天。"))
    unknown = set(entries) - {row.member.pk for row in sheet.rows}
    if unknown:
        errors.append(_("有党员不在本月名单中。"))
    dues_month = (
        DuesMonth.objects.select_for_update().filter(organization=sheet.organization, month=sheet.month).first()
    )
    if dues_month is not None and dues_month.is_closed:
        errors.append(_("本月党费已结账，不能再修改；如需更正请逐笔更正并说明理由。"))
    payments = []
    for row in sheet.rows:
        entry = entries.get(row.member.pk, DuesEntry())
        row_errors, due, paid = _entry_errors(row.member.name, entry, row.computed.amount)
        errors += row_errors
        paying = paid > 0
        payments.append(
            DuesPayment(
                member=row.member,
                organization=sheet.organization,
                month=sheet.month,
                amount_due=due,
                amount_paid=paid,
                status=entry.status,
                method=method if paying else "",
                paid_on=paid_on if paying else None,
                reduction=quantize(entry.reduction or ZERO) if due != row.computed.amount else ZERO,
                reduction_reason=entry.reduction_reason.strip() if due != row.computed.amount else "",
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
    if errors:
        raise ValidationError(errors)
    DuesPayment.objects.bulk_create(
        payments,
        update_conflicts=True,
        unique_fields=["member", "month"],
        update_fields=[
            "organization",
            "amount_due",
            "amount_paid",
            "status",
            "method",
            "paid_on",
            "reduction",
            "reduction_reason",
            "recorded_by",
            "recorded_at",
        ],
        batch_size=500,
    )
    totals = month_totals(payments)
    _rollup_write(organization=sheet.organization, month=sheet.month, totals=totals)
    return totals


def _rollup_write(*, organization: Organization, month: datetime.date, totals: MonthTotals) -> None:
    """One upsert of the branch-month roll-up (the closed flag untouched)."""
    DuesMonth.objects.bulk_create(
        [
            DuesMonth(
                organization=organization,
                month=month,
                members=totals.members,
                paid_members=totals.paid_members,
                due=totals.due,
                paid=totals.paid,
                arrears=totals.arrears,
            )
        ],
        update_conflicts=True,
        unique_fields=["organization", "month"],
        update_fields=["members", "paid_members", "due", "paid", "arrears"],
    )


def dues_month_recompute(*, organization: Organization, month: datetime.date) -> MonthTotals:
    """The roll-up of a branch-month from its payments, written; the maintained figures must equal it."""
    totals = month_totals(DuesPayment.objects.filter(organization=organization, month=month))
    _rollup_write(organization=organization, month=month, totals=totals)
    return totals


@transaction.atomic
def dues_month_close(
    *, organization: Organization, month: datetime.date, closed_by: User, now: datetime.datetime | None = None
) -> DuesMonth:
    """Close (结账) a recorded month: from now on a change is an amendment with a reason. The month's reminders
    (members who did not pay in full, the secretary about members three or more months behind) go out after
    the commit."""
    now = now or timezone.now()
    dues_month = DuesMonth.objects.select_for_update().filter(organization=organization, month=month).first()
    if dues_month is None or not dues_month.members:
        raise ValidationError(_("本月党费尚未登记，不能结账。"))
    if dues_month.is_closed:
        raise ValidationError(_("本月党费已于%(date)s结账。") % {"date": timezone.localdate(dues_month.closed_at)})
    if month >= timezone.localdate(now).replace(day=1) + datetime.timedelta(days=31):
        raise ValidationError(_("不能为未来月份结账。"))
    dues_month.closed_at = now
    dues_month.closed_by = closed_by
    dues_month.save(update_fields=["closed_at", "closed_by"])
    from activities import tasks

    tasks.dues_reminders_send.delay_on_commit(organization_id=organization.pk, month=month.isoformat())
    return dues_month


def _snapshot(payment: DuesPayment) -> dict:
    return {
        "status": payment.status,
        "amount_due": str(payment.amount_due),
        "amount_paid": str(payment.amount_paid),
        "method": payment.method,
        "paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
    }


@transaction.atomic
def dues_payment_amend(
    *,
    payment: DuesPayment,
    status: str,
    amount_paid: Decimal | None,
    method: str,
    paid_on: datetime.date | None,
    reason: str,
    amended_by: User,
) -> DuesAmendment:
    """Correct one payment of a closed month: the values before and after, who, when and why are kept, and
    the branch-month roll-up follows."""
    payment = DuesPayment.objects.select_for_update().select_related("member").get(pk=payment.pk)
    dues_month = DuesMonth.objects.filter(organization_id=payment.organization_id, month=payment.month).first()
    errors = []
    if dues_month is None or not dues_month.is_closed:
        errors.append(_("本月尚未结账，请直接在收缴页面修改。"))
    if not reason.strip():
        errors.append(_("请填写更正理由。"))
    entry = DuesEntry(status=status, amount_paid=amount_paid)
    row_errors, _due, paid = _entry_errors(payment.member.name, entry, payment.amount_due)
    errors += row_errors
    if paid > 0 and method not in DuesMethod.values:
        errors.append(_("请选择交纳方式。"))
    if paid > 0 and paid_on is None:
        errors.append(_("请填写交纳日期。"))
    if errors:
        raise ValidationError(errors)
    before = _snapshot(payment)
    payment.status = status
    payment.amount_paid = paid
    payment.method = method if paid > 0 else ""
    payment.paid_on = paid_on if paid > 0 else None
    payment.recorded_by = amended_by
    payment.recorded_at = timezone.now()
    payment.save()
    amendment = DuesAmendment.objects.create(
        payment=payment, reason=reason.strip(), before=before, after=_snapshot(payment), amended_by=amended_by
    )
    dues_month_recompute(organization=payment.organization, month=payment.month)
    return amendment
