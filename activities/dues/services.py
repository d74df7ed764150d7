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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.dues.models import (
    MAX_MONTHS_AHEAD,
    VOLUNTARY_ABOVE,
    DuesAmendment,
    DuesBase,
    DuesMethod,
    DuesMonth,
    DuesPayment,
    DuesStatus,
    ReductionState,
)
from activities.dues.rules import quantize
from activities.dues.selectors import CollectionSheet
from branches.models import Member, Organization, User
from portal.periods import shift_month

ZERO = Decimal("0.00")
# What a secretary may tick for a month (已预交 is written only by the month the member paid ahead in).
ENTRY_STATUSES = (DuesStatus.PAID, DuesStatus.UNPAID, DuesStatus.PARTIAL, DuesStatus.ADVANCE)


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
    months_ahead: int = 0  # 预交: the following months paid with this one (status 多交/预交)
    method: str = ""  # the member's own method and date (an import); empty: the page's
    paid_on: datetime.date | None = None


@dataclass(frozen=True)
class MonthTotals:
    members: int
    paid_members: int
    due: Decimal
    paid: Decimal
    arrears: Decimal
    voluntary: Decimal = ZERO


def month_totals(payments: Iterable[DuesPayment]) -> MonthTotals:
    members = paid_members = 0
    due = paid = arrears = voluntary = ZERO
    for payment in payments:
        members += 1
        paid_members += payment.amount_paid >= payment.due_in_force
        due += payment.due_in_force
        paid += payment.amount_paid
        arrears += payment.arrears
        voluntary += payment.voluntary or ZERO
    return MonthTotals(members, paid_members, due, paid, arrears, voluntary)


def voluntary_part(*, paid: Decimal, due: Decimal) -> Decimal:
    """自愿多交: what a one-off payment gives above what is owed, when that is more than 1,000 元; else 0."""
    extra = paid - due
    return quantize(extra) if extra > VOLUNTARY_ABOVE else ZERO


def _advance_split(
    name: str, entry: DuesEntry, *, due: Decimal, paid: Decimal, monthly: Decimal
) -> tuple[list[str], Decimal, Decimal]:
    """Split a payment that covers months ahead (预交): returns (errors, the month's own share, 自愿多交).

    The following `months_ahead` months are each paid with the month's full amount (`monthly`); what is left
    is this month's own payment, which must cover its due; above that by more than 1,000 元 it is 自愿多交."""
    errors = []
    months = entry.months_ahead or 0
    if months < 0 or months > MAX_MONTHS_AHEAD:
        errors.append(_("%(name)s：预交月数须在0至%(max)d之间。") % {"name": name, "max": MAX_MONTHS_AHEAD})
        months = 0
    if months and entry.status != DuesStatus.ADVANCE:
        errors.append(_("%(name)s：预交以后月份的党费，请选择“多交/预交”并填写实交金额。") % {"name": name})
        months = 0
    covered = monthly * months
    own = paid - covered
    if months and own < due:
        errors.append(
            _("%(name)s：预交%(months)d个月，实交金额至少应为%(least)s元。")
            % {"name": name, "months": months, "least": quantize(due + covered)}
        )
        own = due
    return errors, quantize(own), voluntary_part(paid=own, due=due)


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
    if entry.status not in ENTRY_STATUSES:
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
    ahead: list[DuesPayment] = []  # the following months paid ahead (预交) on this sheet
    for row in sheet.rows:
        if row.payment is not None and row.payment.status == DuesStatus.PREPAID:
            payments.append(row.payment)  # paid ahead in an earlier month: changed only there
            continue
        entry = entries.get(row.member.pk, DuesEntry())
        row_errors, due, paid = _entry_errors(row.member.name, entry, row.computed.amount)
        split_errors, own, voluntary = _advance_split(
            row.member.name, entry, due=due, paid=paid, monthly=row.computed.amount
        )
        errors += row_errors + split_errors
        paying = paid > 0
        if entry.method and entry.method not in DuesMethod.values:
            errors.append(_("%(name)s：交纳方式无效。") % {"name": row.member.name})
        if entry.paid_on is not None and entry.paid_on > timezone.localdate(now):
            errors.append(_("%(name)s：交纳日期不能晚于今天。") % {"name": row.member.name})
        row_method, row_paid_on = entry.method or method, entry.paid_on or paid_on
        months_ahead = entry.months_ahead if not split_errors else 0
        reduction = quantize(entry.reduction or ZERO) if due != row.computed.amount else ZERO
        reason = entry.reduction_reason.strip() if reduction else ""
        previous = row.payment
        state: str
        decided: DuesPayment | None
        if not reduction or reduction <= reduction_approval_above():
            state, decided = ReductionState.NONE, None
        elif previous is not None and (previous.reduction, previous.reduction_reason) == (reduction, reason):
            state, decided = previous.reduction_state or ReductionState.PENDING, previous  # unchanged: as decided
        else:
            state, decided = ReductionState.PENDING, None  # new or changed: waits for the parent committee
        payments.append(
            DuesPayment(
                member=row.member,
                organization=sheet.organization,
                month=sheet.month,
                amount_due=due,
                amount_paid=own,
                status=entry.status,
                method=row_method if paying else "",
                paid_on=row_paid_on if paying else None,
                reduction=reduction,
                reduction_reason=reason,
                reduction_state=state,
                reduction_decided_by_id=decided.reduction_decided_by_id if decided else None,
                reduction_decided_at=decided.reduction_decided_at if decided else None,
                reduction_return_reason=decided.reduction_return_reason if decided else "",
                months_ahead=months_ahead,
                voluntary=voluntary,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
        ahead.extend(
            DuesPayment(
                member=row.member,
                organization=sheet.organization,
                month=shift_month(sheet.month, offset),
                amount_due=row.computed.amount,
                amount_paid=row.computed.amount,
                status=DuesStatus.PREPAID,
                method=row_method,
                paid_on=row_paid_on,
                prepaid_from=sheet.month,
                recorded_by=recorded_by,
                recorded_at=now,
            )
            for offset in range(1, months_ahead + 1)
        )
    errors += _prepayment_conflicts(sheet=sheet, ahead=ahead)
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
            "reduction_state",
            "reduction_decided_by",
            "reduction_decided_at",
            "reduction_return_reason",
            "months_ahead",
            "voluntary",
            "recorded_by",
            "recorded_at",
        ],
        batch_size=500,
    )
    totals = month_totals(payments)
    _rollup_write(organization=sheet.organization, month=sheet.month, totals=totals)
    _prepayments_write(sheet=sheet, ahead=ahead)
    return totals


def _prepayments_write(*, sheet: CollectionSheet, ahead: list[DuesPayment]) -> None:
    """Replace the months paid ahead from this sheet's month by `ahead`, and recompute the roll-ups of the months
    touched. Nothing to do (no statement) when the sheet has no prepayment now and had none before."""
    previous = set(sheet.prepaid_ahead_months)
    if not ahead and not previous:
        return
    DuesPayment.objects.filter(
        organization=sheet.organization, prepaid_from=sheet.month, status=DuesStatus.PREPAID
    ).delete()
    DuesPayment.objects.bulk_create(ahead, batch_size=500)
    for month in sorted(previous | {payment.month for payment in ahead}):
        dues_month_recompute(organization=sheet.organization, month=month)


def _prepayment_conflicts(*, sheet: CollectionSheet, ahead: list[DuesPayment]) -> list[str]:
    """A month paid ahead must not be closed or already recorded for the member (other than by this month's
    earlier prepayment). One query, only when there is a prepayment."""
    if not ahead:
        return []
    months = {payment.month for payment in ahead}
    members = {payment.member_id for payment in ahead}
    closed = set(
        DuesMonth.objects.filter(
            organization=sheet.organization, month__in=months, closed_at__isnull=False
        ).values_list("month", flat=True)
    )
    errors = [_("%(month)s的党费已结账，不能预交该月。") % {"month": f"{month:%Y-%m}"} for month in sorted(closed)]
    taken = (
        DuesPayment.objects.filter(member_id__in=members, month__in=months)
        .exclude(prepaid_from=sheet.month, status=DuesStatus.PREPAID)
        .select_related("member")
    )
    wanted = {(payment.member_id, payment.month) for payment in ahead}
    errors.extend(
        _("%(name)s：%(month)s已有交纳记录，不能再预交该月。")
        % {"name": payment.member.name, "month": f"{payment.month:%Y-%m}"}
        for payment in taken
        if (payment.member_id, payment.month) in wanted
    )
    return errors


def reduction_approval_above() -> Decimal:
    """A monthly reduction above this waits for the parent committee (`settings.DUES_REDUCTION_APPROVAL_ABOVE`)."""
    return Decimal(str(settings.DUES_REDUCTION_APPROVAL_ABOVE))


@transaction.atomic
def dues_reduction_decide(
    *, payment: DuesPayment, approve: bool, reason: str, decided_by: User, now: datetime.datetime | None = None
) -> DuesPayment:
    """The parent committee approves a pending reduction (the month then owes the reduced amount) or returns it
    with a reason (the month keeps owing the full amount until the branch records it otherwise). Who and when
    are kept on the payment; the branch-month roll-up follows, whether or not the month is closed."""
    payment = DuesPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.reduction_state != ReductionState.PENDING:
        raise ValidationError(_("该减免已审批，不能重复审批。"))
    if not approve and not reason.strip():
        raise ValidationError(_("退回须填写理由。"))
    payment.reduction_state = ReductionState.APPROVED if approve else ReductionState.RETURNED
    payment.reduction_return_reason = "" if approve else reason.strip()
    payment.reduction_decided_by = decided_by
    payment.reduction_decided_at = now or timezone.now()
    payment.save(
        update_fields=["reduction_state", "reduction_return_reason", "reduction_decided_by", "reduction_decided_at"]
    )
    dues_month_recompute(organization=payment.organization, month=payment.month)
    return payment


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
                voluntary=totals.voluntary,
            )
        ],
        update_conflicts=True,
        unique_fields=["organization", "month"],
        update_fields=["members", "paid_members", "due", "paid", "arrears", "voluntary"],
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
    payment.voluntary = voluntary_part(paid=paid, due=payment.amount_due)
    payment.recorded_by = amended_by
    payment.recorded_at = timezone.now()
    payment.save()
    amendment = DuesAmendment.objects.create(
        payment=payment, reason=reason.strip(), before=before, after=_snapshot(payment), amended_by=amended_by
    )
    dues_month_recompute(organization=payment.organization, month=payment.month)
    return amendment
