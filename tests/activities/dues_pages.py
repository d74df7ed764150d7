"""Helpers for the 党费 tests: bases for a branch's members in few queries, the collection page's POST body."""

import datetime
from decimal import Decimal

from activities.dues.models import DuesBase, DuesCategory
from branches.models import Member, MemberStatus


def give_bases(branch, *, income: str = "4000.00", applies_from: datetime.date = datetime.date(2020, 1, 1)) -> None:
    """An in-service base for every active member of the branch (1 % for 4,000 元: 40.00 a month)."""
    DuesBase.objects.bulk_create(
        DuesBase(member=member, category=DuesCategory.IN_SERVICE, income=Decimal(income), applies_from=applies_from)
        for member in Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE)
    )


def collection_body(*, method: str = "transfer", paid_on: datetime.date, exceptions: dict | None = None) -> dict:
    """The page's POST: the method and date, and only the exceptions (rows not sent default to paid)."""
    body = {"method": method, "paid_on": paid_on.isoformat()}
    for member_id, (status, amount) in (exceptions or {}).items():
        body[f"s-{member_id}"] = status
        body[f"a-{member_id}"] = amount
    return body
