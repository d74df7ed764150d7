"""Reads for 党费: the secretary's collection sheet, a member's own dues, arrears, the officers' overview.

Each reads a fixed number of queries whatever the number of members or branches.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Substr

from activities.dues.models import (
    CENT,
    MAX_MONTHS_AHEAD,
    DuesBase,
    DuesMonth,
    DuesPayment,
    DuesRule,
    DuesStatus,
    ReductionState,
)
from activities.dues.rules import DuesAmount, base_for_month, monthly_amount
from branches.models import Member, MemberStatus, Organization
from portal.periods import shift_month

# Statuses that leave a month owed (arrears); a partial payment is not 足额.
OWED_STATUSES = (DuesStatus.UNPAID, DuesStatus.PARTIAL)
ARREARS_WINDOW_MONTHS = 24  # how far back a run of unpaid months is looked for


def dues_rules() -> list[DuesRule]:
    """Every bracket rule (a few dozen rows): one query."""
    return list(DuesRule.objects.order_by("category", "effective_from", "lower"))


def month_end(month: datetime.date) -> datetime.date:
    return shift_month(month, 1) - datetime.timedelta(days=1)


@dataclass
class CollectionRow:
    member: Member
    base: DuesBase | None
    computed: DuesAmount
    payment: DuesPayment | None

    @property
    def amount_due(self) -> Decimal:
        """The payment's due once recorded (it keeps its reduction); else the computed amount."""
        return self.payment.amount_due if self.payment else self.computed.amount

    @property
    def status(self) -> str:
        return self.payment.status if self.payment else DuesStatus.PAID

    @property
    def amount_paid(self) -> Decimal:
        return self.payment.amount_paid if self.payment else self.amount_due


@dataclass
class CollectionSheet:
    organization: Organization
    month: datetime.date
    dues_month: DuesMonth | None
    rows: list[CollectionRow]

    @property
    def is_closed(self) -> bool:
        return self.dues_month is not None and self.dues_month.is_closed

    @property
    def is_recorded(self) -> bool:
        return any(row.payment for row in self.rows)

    @property
    def total_due(self) -> Decimal:
        return sum((row.amount_due for row in self.rows), Decimal("0.00"))

    @property
    def missing_bases(self) -> int:
        return sum(1 for row in self.rows if row.base is None)

    @property
    def prepaid_ahead_months(self) -> list[datetime.date]:
        """The following months paid ahead (预交) with this month's payments, as recorded."""
        months = {
            shift_month(self.month, offset)
            for row in self.rows
            if row.payment is not None
            for offset in range(1, row.payment.months_ahead + 1)
        }
        return sorted(months)

    @property
    def voluntary(self) -> Decimal:
        return sum((row.payment.voluntary for row in self.rows if row.payment), Decimal("0.00"))


def collection_sheet(*, organization: Organization, month: datetime.date) -> CollectionSheet:
    """Every member who owes dues for the month with the computed amount and any payment recorded.

    A member owes from the month of their 入党日期 (预备党员 pay from the day they are approved). Members
    recorded earlier and since gone keep their row. Five queries: members, bases, rules, payments, the month.
    """
    month = month.replace(day=1)
    payments = {
        p.member_id: p
        for p in DuesPayment.objects.filter(organization=organization, month=month).select_related("member")
    }
    members = list(
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE, joined_on__lte=month_end(month))
        .exclude(pk__in=payments.keys())
        .order_by("name", "pk")
    )
    members += [p.member for p in payments.values()]
    members.sort(key=lambda m: (m.name, m.pk))
    bases: dict[int, list[DuesBase]] = defaultdict(list)
    for found in DuesBase.objects.filter(member__in=[m.pk for m in members], applies_from__lte=month):
        bases[found.member_id].append(found)
    rules = dues_rules()
    rows = []
    for member in members:
        base = base_for_month(bases.get(member.pk, []), month)
        computed = monthly_amount(base, month, rules) if base else DuesAmount(Decimal("0.00"), None)
        rows.append(CollectionRow(member=member, base=base, computed=computed, payment=payments.get(member.pk)))
    dues_month = DuesMonth.objects.filter(organization=organization, month=month).first()
    return CollectionSheet(organization=organization, month=month, dues_month=dues_month, rows=rows)


def arrears_run(payments: Iterable[DuesPayment]) -> list[datetime.date]:
    """The months of the run of unpaid (or partly paid) months counted back from the latest recorded month.
    A paid month ends the run; a month with no record neither counts nor ends it. Pure."""
    run: list[datetime.date] = []
    for payment in sorted(payments, key=lambda p: p.month, reverse=True):
        if not payment.is_owed:
            break
        run.append(payment.month)
    return run


@dataclass(frozen=True)
class MemberArrears:
    organization_id: int
    months: int


def arrears_by_member(*, organization_ids: Iterable[int], today: datetime.date) -> dict[int, MemberArrears]:
    """Consecutive unpaid months per active member of these branches (members with none left out). One query.

    Read by rule M1 (reviews.members.rules) and the branch pages."""
    since = shift_month(today.replace(day=1), -ARREARS_WINDOW_MONTHS)
    rows = DuesPayment.objects.filter(
        member__organization_id__in=list(organization_ids),
        member__status=MemberStatus.ACTIVE,
        month__gte=since,
        month__lte=today,
    ).values_list(
        "member_id",
        "member__organization_id",
        "month",
        "status",
        "amount_due",
        "amount_paid",
        "reduction",
        "reduction_state",
    )
    per_member: dict[int, list[DuesPayment]] = defaultdict(list)
    branch_of: dict[int, int] = {}
    for member_id, organization_id, month, status, due, paid, reduction, state in rows:
        per_member[member_id].append(
            DuesPayment(
                month=month,
                status=status,
                amount_due=due,
                amount_paid=paid,
                reduction=reduction,
                reduction_state=state,
            )
        )
        branch_of[member_id] = organization_id
    result = {}
    for member_id, payments in per_member.items():
        run = len(arrears_run(payments))
        if run:
            result[member_id] = MemberArrears(organization_id=branch_of[member_id], months=run)
    return result


@dataclass
class MemberDues:
    member: Member
    base: DuesBase | None
    current: DuesAmount | None
    payments: list[DuesPayment]
    arrears_months: list[datetime.date]
    bases: list[DuesBase] = field(default_factory=list)
    prepaid_until: datetime.date | None = None  # the last future month paid ahead (预交)

    @property
    def arrears_amount(self) -> Decimal:
        months = set(self.arrears_months)
        return sum((p.arrears for p in self.payments if p.month in months), Decimal("0.00"))


def member_dues(*, member: Member, today: datetime.date, months: int = 12) -> MemberDues:
    """A member's own dues: the base and amount now, the last `months` months recorded, the arrears.
    Three queries (bases, rules, payments)."""
    this_month = today.replace(day=1)
    bases = list(DuesBase.objects.filter(member=member).order_by("-applies_from"))
    base = base_for_month(bases, this_month)
    current = monthly_amount(base, this_month, dues_rules()) if base else None
    found = list(
        DuesPayment.objects.filter(
            member=member,
            month__gte=shift_month(this_month, -ARREARS_WINDOW_MONTHS),
            month__lte=shift_month(this_month, MAX_MONTHS_AHEAD),
        ).order_by("-month")
    )
    recent = [p for p in found if p.month <= this_month]
    ahead = [p.month for p in found if p.month > this_month and p.status == DuesStatus.PREPAID]
    return MemberDues(
        member=member,
        base=base,
        current=current,
        payments=[p for p in recent if p.month > shift_month(this_month, -months)],
        arrears_months=arrears_run(recent),
        bases=bases,
        prepaid_until=max(ahead) if ahead else None,
    )


@dataclass
class OverviewCell:
    due: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    arrears: Decimal = Decimal("0.00")
    members: int = 0
    paid_members: int = 0
    voluntary: Decimal = Decimal("0.00")

    @property
    def rate(self) -> int | None:
        if not self.due:
            return None
        return min(100, int(self.paid * 100 / self.due))

    def add(self, other: OverviewCell) -> None:
        self.due += other.due
        self.paid += other.paid
        self.arrears += other.arrears
        self.members += other.members
        self.paid_members += other.paid_members
        self.voluntary += other.voluntary


@dataclass
class OverviewRow:
    organization: Organization
    cells: list[OverviewCell]
    total: OverviewCell


@dataclass
class DuesOverview:
    organization: Organization
    year: int
    months: list[datetime.date]
    rows: list[OverviewRow]
    totals: list[OverviewCell]
    total: OverviewCell


def _money(value: Decimal | float | None) -> Decimal:
    # SQLite sums decimals as floats (…450000000000): back to the 分 as every amount is stored.
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def dues_overview(
    *, organization: Organization, year: int, today: datetime.date, children: list[Organization] | None = None
) -> DuesOverview:
    """Due, paid, rate and arrears per child of `organization` (itself for a branch) and per month of the year,
    from the branch-month roll-ups. Two queries whatever the size of the subtree: the children, and the
    roll-ups summed by child (the child's path is a fixed-width prefix of every path below it) and month; one when
    the caller already has the children (the yearly report)."""
    months = [datetime.date(year, m, 1) for m in range(1, 13) if datetime.date(year, m, 1) <= today]
    if organization.is_branch:
        children = [organization]
        prefix_length = len(organization.path)
    else:
        if children is None:
            children = list(Organization.objects.filter(parent=organization).order_by("name", "pk"))
        prefix_length = len(organization.path) + len(Organization.path_segment(0))
    by_path = {child.path: child for child in children}
    sums = (
        DuesMonth.objects.filter(
            Q(organization__path__startswith=organization.path),
            month__gte=datetime.date(year, 1, 1),
            month__lte=datetime.date(year, 12, 1),
        )
        .annotate(child_path=Substr("organization__path", 1, prefix_length))
        .values("child_path", "month")
        .annotate(
            due_sum=Sum("due"),
            paid_sum=Sum("paid"),
            arrears_sum=Sum("arrears"),
            members_sum=Sum("members"),
            paid_members_sum=Sum("paid_members"),
            voluntary_sum=Sum("voluntary"),
        )
        .order_by()
    )
    cells: dict[tuple[str, datetime.date], OverviewCell] = {}
    for row in sums:
        cells[(row["child_path"], row["month"])] = OverviewCell(
            due=_money(row["due_sum"]),
            paid=_money(row["paid_sum"]),
            arrears=_money(row["arrears_sum"]),
            members=row["members_sum"] or 0,
            paid_members=row["paid_members_sum"] or 0,
            voluntary=_money(row["voluntary_sum"]),
        )
    totals = [OverviewCell() for _month in months]
    total = OverviewCell()
    rows = []
    for path, child in by_path.items():
        row_cells = [cells.get((path, month), OverviewCell()) for month in months]
        row_total = OverviewCell()
        for index, cell in enumerate(row_cells):
            row_total.add(cell)
            totals[index].add(cell)
        total.add(row_total)
        rows.append(OverviewRow(organization=child, cells=row_cells, total=row_total))
    return DuesOverview(organization=organization, year=year, months=months, rows=rows, totals=totals, total=total)


def pending_reductions(*, organization: Organization) -> list[DuesPayment]:
    """The reductions waiting for `organization`'s approval: those of the branches directly below it (the
    parent committee decides). One query."""
    return list(
        DuesPayment.objects.filter(reduction_state=ReductionState.PENDING, organization__parent=organization)
        .select_related("member", "organization", "recorded_by")
        .order_by("organization__path", "month", "member__name", "pk")
    )
