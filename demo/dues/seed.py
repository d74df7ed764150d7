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

from django.db import connection, transaction
from django.utils import timezone

from activities.dues.models import DuesBase, DuesCategory, DuesMonth, DuesPayment, DuesStatus, ReductionState
from activities.dues.rules import monthly_amount, quantize
from activities.dues.selectors import dues_rules, month_end
from activities.dues.services import reduction_approval_above
from branches.models import Member, MemberStatus, Organization, Role, RoleKind
from demo.bulk import copy_text_rows, is_postgresql
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
    district = Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    if district is None:
        return DuesDemoResult()
    return dues_year_generate(root=district, seed=seed, today=today, story_branch_code=tree_tables.DEMO_BRANCH_CODE)


# Columns written by COPY (PostgreSQL); the primary key comes from its sequence.
PAYMENT_COLUMNS = (
    "member",
    "organization",
    "month",
    "amount_due",
    "amount_paid",
    "status",
    "method",
    "paid_on",
    "reduction",
    "reduction_reason",
    "reduction_state",
    "reduction_return_reason",
    "months_ahead",
    "voluntary",
    "recorded_by",
    "recorded_at",
)
BASE_COLUMNS = ("member", "applies_from", "category", "income", "recorded_at")
MONTH_COLUMNS = (
    "organization",
    "month",
    "members",
    "paid_members",
    "due",
    "paid",
    "arrears",
    "voluntary",
    "closed_at",
    "closed_by",
)
ZERO = Decimal("0.00")


def _amounts(base: DuesBase, months: list[datetime.date], rules: list, cache: dict) -> list[Decimal]:
    """The base's amount in each month; the brackets in force are looked up once per category and month, and
    equal bases share the result (a district has thousands of members on a handful of rule versions)."""
    key = (base.category, base.income, base.agreed_amount)
    found = cache.get(key)
    if found is None:
        found = cache[key] = [monthly_amount(base, month, rules).amount for month in months]
    return found


def dues_year_generate(
    *, root: Organization, seed: int, today: datetime.date, story_branch_code: str | None = None
) -> DuesDemoResult:
    """A dues base for every active member under `root` and the twelve closed months before this one, with the
    branch-month roll-ups computed from the same rows (so they equal `dues_month_recompute`).

    Written in bulk: COPY on PostgreSQL (50,000 members × 12 months in well under a minute), bulk_create
    elsewhere; one transaction. In the branch `story_branch_code` one member without a login has paid nothing for
    the last seven months and another pays half by the branch's decision. Idempotent: a subtree with payments
    is left alone."""
    started = time.monotonic()
    result = DuesDemoResult()
    if DuesPayment.objects.filter(organization__path__startswith=root.path).exists():
        return result
    rng = random.Random(f"{seed}:dues")  # noqa: S311 - demo data
    this_month = today.replace(day=1)
    months = [shift_month(this_month, -offset) for offset in range(MONTHS, 0, -1)]
    month_ends = [month_end(month) for month in months]
    members = list(
        Member.objects.filter(organization__path__startswith=root.path, status=MemberStatus.ACTIVE)
        .only("pk", "organization_id", "name", "user_id", "joined_on", "is_student", "is_retired")
        .order_by("organization__path", "name", "pk")
    )
    story_ids: set[int] = set()
    if story_branch_code:
        story_ids = set(
            Organization.objects.filter(code=story_branch_code, path__startswith=root.path).values_list("pk", flat=True)
        )
    story = [m for m in members if m.organization_id in story_ids and m.user_id is None]
    arrears_member = story[0] if story else None
    reduced_member = story[1] if len(story) > 1 else None
    secretaries = dict(
        Role.objects.filter(organization__path__startswith=root.path, kind=RoleKind.SECRETARY).values_list(
            "organization_id", "user_id"
        )
    )
    rules = dues_rules()
    approval_above = reduction_approval_above()
    now = timezone.now()
    bases = [_base(member, rng, months[0]) for member in members]
    cache: dict = {}
    payments: list[tuple] = []
    totals: dict[tuple[int, datetime.date], list] = {}
    for member, base in zip(members, bases, strict=True):
        amounts = _amounts(base, months, rules, cache)
        if member is arrears_member:
            missed = set(months[-ARREARS_MONTHS:])
        elif member is not reduced_member and rng.random() < SCATTERED_MISS_SHARE:
            missed = set(rng.sample(months[:-1], rng.choice((1, 2))))
        else:
            missed = set()
        recorder = secretaries.get(member.organization_id)
        for month, last_day, computed in zip(months, month_ends, amounts, strict=True):
            if member.joined_on and member.joined_on > last_day:
                continue  # 预备党员 pay from the month they were approved
            reduction = quantize(computed / 2) if member is reduced_member else ZERO
            due = computed - reduction
            unpaid = month in missed
            paid = ZERO if unpaid else due
            payments.append(
                (
                    member.pk,
                    member.organization_id,
                    month,
                    due,
                    paid,
                    DuesStatus.UNPAID.value if unpaid else DuesStatus.PAID.value,
                    "" if unpaid else "transfer",
                    None if unpaid else month + datetime.timedelta(days=rng.randrange(4, 20)),
                    reduction,
                    REDUCTION_REASON if reduction else "",
                    ReductionState.APPROVED.value if reduction > approval_above else "",  # the committee agreed
                    "",
                    0,
                    ZERO,
                    recorder,
                    now,
                )
            )
            cell = totals.get((member.organization_id, month))
            if cell is None:
                cell = totals[(member.organization_id, month)] = [0, 0, ZERO, ZERO, ZERO]
            cell[0] += 1
            cell[1] += paid >= due
            cell[2] += due
            cell[3] += paid
            cell[4] += due - paid
    rollups = [
        (organization_id, month, c[0], c[1], c[2], c[3], c[4], ZERO, now, secretaries.get(organization_id))
        for (organization_id, month), c in totals.items()
    ]
    base_rows = [(b.member.pk, b.applies_from, b.category, b.income, now) for b in bases]
    with transaction.atomic():
        if is_postgresql():
            copy_text_rows(DuesBase, BASE_COLUMNS, base_rows)
            copy_text_rows(DuesPayment, PAYMENT_COLUMNS, payments)
            copy_text_rows(DuesMonth, MONTH_COLUMNS, rollups)
        else:
            DuesBase.objects.bulk_create(bases, batch_size=2000, ignore_conflicts=True)
            DuesPayment.objects.bulk_create(
                (DuesPayment(**_fields(PAYMENT_COLUMNS, row)) for row in payments), batch_size=2000
            )
            DuesMonth.objects.bulk_create(
                (DuesMonth(**_fields(MONTH_COLUMNS, row)) for row in rollups), batch_size=2000
            )
    if is_postgresql():
        with connection.cursor() as cursor:
            for model in (DuesBase, DuesPayment, DuesMonth):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.bases_created = len(bases)
    result.payments_created = len(payments)
    result.months_closed = len(rollups)
    result.in_arrears = arrears_member.name if arrears_member else ""
    result.reduced = reduced_member.name if reduced_member else ""
    result.seconds = time.monotonic() - started
    return result


def _fields(columns: tuple[str, ...], row: tuple) -> dict:
    """A COPY row as model keyword arguments (foreign keys by id)."""
    foreign_keys = {"member", "organization", "recorded_by", "closed_by"}
    return {f"{name}_id" if name in foreign_keys else name: value for name, value in zip(columns, row, strict=True)}
