"""党费 demo data for `manage.py seed_demo` (2008 中组部《关于中国共产党党费收缴、使用和管理的规定》; seed §二.6).

The story, with M = this month: every active member of the demo district has a dues base (in service by income
after tax, retired by pension, students at 0.2 元) from twelve months before M; the twelve months before M are
recorded and closed, nearly everyone paid in full by transfer; the current month is left for the walkthrough
(`secretary` records it on the collection page). In the demo branch one member without a login (not `member`)
has paid nothing for the last seven months — rule M1 flags them once the flags are refreshed — and another pays
half by the branch committee's decision (a reduction with its reason). Elsewhere a few members miss a month or two.

Written in bulk (a district is thousands of members × twelve months), with the branch-month roll-ups computed from
the same rows, so the roll-ups equal `dues_month_recompute`. Idempotent: a district with payments is left alone.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from activities.dues.models import DuesBase, DuesCategory, DuesMonth, DuesPayment, DuesStatus
from activities.dues.rules import monthly_amount, quantize
from activities.dues.selectors import dues_rules, month_end
from activities.dues.services import month_totals
from branches.models import Member, MemberStatus, Organization, Role, RoleKind
from demo.tree import tables as tree_tables
from portal.periods import shift_month

MONTHS = 12
ARREARS_MONTHS = 7  # the demo branch's member in arrears: over M1's six
REDUCTION_REASON = "支部委员会决定：因病住院，经济困难，本年度党费减半交纳"
SCATTERED_MISS_SHARE = 0.02  # members elsewhere who miss one or two months


@dataclass
class DuesDemoResult:
    bases_created: int = 0
    payments_created: int = 0
    months_closed: int = 0
    in_arrears: str = ""
    reduced: str = ""
    seconds: float = 0.0


def _base(member: Member, rng: random.Random, start: datetime.date) -> DuesBase:
    if member.is_student:
        return DuesBase(member=member, applies_from=start, category=DuesCategory.STUDENT, income=Decimal(0))
    if member.is_retired:
        pension = Decimal(rng.randrange(3000, 9000, 50))
        return DuesBase(member=member, applies_from=start, category=DuesCategory.RETIRED, income=pension)
    income = Decimal(rng.randrange(2500, 16000, 10))
    return DuesBase(member=member, applies_from=start, category=DuesCategory.IN_SERVICE, income=income)


def dues_demo_seed(*, seed: int, today: datetime.date) -> DuesDemoResult:
    """Bases and a closed year of payments for the demo district (see the module docstring)."""
    started = time.monotonic()
    result = DuesDemoResult()
    district = Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    if district is None or DuesPayment.objects.filter(organization__path__startswith=district.path).exists():
        return result
    rng = random.Random(f"{seed}:dues")  # noqa: S311 - demo data
    this_month = today.replace(day=1)
    months = [shift_month(this_month, -offset) for offset in range(MONTHS, 0, -1)]
    members = list(
        Member.objects.filter(organization__path__startswith=district.path, status=MemberStatus.ACTIVE)
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    demo_branch = [m for m in members if m.organization.code == tree_tables.DEMO_BRANCH_CODE and m.user_id is None]
    arrears_member = demo_branch[0] if demo_branch else None
    reduced_member = demo_branch[1] if len(demo_branch) > 1 else None
    secretaries = dict(
        Role.objects.filter(organization__path__startswith=district.path, kind=RoleKind.SECRETARY).values_list(
            "organization_id", "user_id"
        )
    )
    rules = dues_rules()
    bases = [_base(member, rng, months[0]) for member in members]
    missed: dict[int, set[datetime.date]] = {}
    for member in members:
        if member is arrears_member:
            missed[member.pk] = set(months[-ARREARS_MONTHS:])
        elif member is not reduced_member and rng.random() < SCATTERED_MISS_SHARE:
            missed[member.pk] = set(rng.sample(months[:-1], rng.choice((1, 2))))
    now = timezone.now()
    payments: list[DuesPayment] = []
    for member, base in zip(members, bases, strict=True):
        for month in months:
            if member.joined_on and member.joined_on > month_end(month):
                continue  # 预备党员 pay from the month they were approved
            computed = monthly_amount(base, month, rules).amount
            reduction = quantize(computed / 2) if member is reduced_member else Decimal("0.00")
            due = computed - reduction
            unpaid = month in missed.get(member.pk, ())
            payments.append(
                DuesPayment(
                    member=member,
                    organization_id=member.organization_id,
                    month=month,
                    amount_due=due,
                    amount_paid=Decimal("0.00") if unpaid else due,
                    status=DuesStatus.UNPAID if unpaid else DuesStatus.PAID,
                    method="" if unpaid else "transfer",
                    paid_on=None if unpaid else month + datetime.timedelta(days=rng.randrange(4, 20)),
                    reduction=reduction,
                    reduction_reason=REDUCTION_REASON if reduction else "",
                    recorded_by_id=secretaries.get(member.organization_id),
                    recorded_at=now,
                )
            )
    by_branch_month: dict[tuple[int, datetime.date], list[DuesPayment]] = {}
    for payment in payments:
        by_branch_month.setdefault((payment.organization_id, payment.month), []).append(payment)
    rollups = []
    for (organization_id, month), rows in by_branch_month.items():
        totals = month_totals(rows)
        rollups.append(
            DuesMonth(
                organization_id=organization_id,
                month=month,
                members=totals.members,
                paid_members=totals.paid_members,
                due=totals.due,
                paid=totals.paid,
                arrears=totals.arrears,
                closed_at=now,
                closed_by_id=secretaries.get(organization_id),
            )
        )
    with transaction.atomic():
        DuesBase.objects.bulk_create(bases, batch_size=2000, ignore_conflicts=True)
        DuesPayment.objects.bulk_create(payments, batch_size=2000)
        DuesMonth.objects.bulk_create(rollups, batch_size=2000)
    result.bases_created = len(bases)
    result.payments_created = len(payments)
    result.months_closed = len(rollups)
    result.in_arrears = arrears_member.name if arrears_member else ""
    result.reduced = reduced_member.name if reduced_member else ""
    result.seconds = time.monotonic() - started
    return result
