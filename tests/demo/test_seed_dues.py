"""seed_demo's 党费: bases and a closed year of payments for the demo district, one member over six months in
arrears (flagged by M1), one reduction with its reason; the roll-ups equal a recompute; a second run adds
nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from activities.dues.models import DuesBase, DuesMonth, DuesPayment, DuesStatus
from activities.dues.services import dues_month_recompute
from demo.tree import tables as tree_tables
from reviews.models import FlagLevel, MemberFlag

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_a_year_of_dues_with_arrears_and_a_reduction_once():
    out = io.StringIO()
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=out)
    assert "党费：新增党费基数" in out.getvalue()
    demo = DuesMonth.objects.filter(organization__code=tree_tables.DEMO_BRANCH_CODE)
    assert demo.count() == 12 and all(month.is_closed for month in demo)
    assert not DuesMonth.objects.filter(month=TODAY.replace(day=1)).exists()  # this month: the walkthrough's
    assert DuesBase.objects.count() > 0

    reduced = DuesPayment.objects.filter(reduction__gt=0)
    assert reduced.exists() and set(reduced.values_list("reduction_reason", flat=True)) != {""}
    # a reduction above DUES_REDUCTION_APPROVAL_ABOVE is recorded as approved by the parent committee
    assert all(p.reduction_state == "approved" for p in reduced if p.reduction > Decimal("50.00"))
    assert all(not p.is_owed for p in reduced)

    arrears = DuesPayment.objects.filter(
        organization__code=tree_tables.DEMO_BRANCH_CODE, status=DuesStatus.UNPAID
    ).values_list("member_id", flat=True)
    member_id = max(set(arrears), key=list(arrears).count)
    flag = MemberFlag.objects.get(member_id=member_id)
    assert flag.level == FlagLevel.FLAG_6 and flag.dues_months >= 6

    sample = demo.order_by("month").last()
    maintained = (sample.members, sample.paid_members, sample.due, sample.paid, sample.arrears)
    totals = dues_month_recompute(organization=sample.organization, month=sample.month)
    assert (totals.members, totals.paid_members, totals.due, totals.paid, totals.arrears) == maintained

    counts = (DuesBase.objects.count(), DuesPayment.objects.count(), DuesMonth.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (DuesBase.objects.count(), DuesPayment.objects.count(), DuesMonth.objects.count()) == counts
