"""Rule M1's other half (党章 第九条): consecutive months of unpaid dues warn at 3 and 5 months and flag at 6; the
flag's level is the worse of the attendance and the dues runs; the M1 flags page shows the dues months."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.dues import selectors, services
from activities.dues.models import DuesStatus
from portal.periods import shift_month
from reviews.members import rules as member_rules
from reviews.models import FlagLevel, MemberFlag
from tests.activities.dues_pages import give_bases
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 10)


def record(branch, by, *, months: int, unpaid: dict[int, int]) -> None:
    """Record the last `months` months (ending with June 2026); member pk → how many of the latest are unpaid."""
    for offset in range(months, 0, -1):
        month = shift_month(TODAY.replace(day=1), -offset)
        sheet = selectors.collection_sheet(organization=branch, month=month)
        entries = {pk: services.DuesEntry(status=DuesStatus.UNPAID) for pk, run in unpaid.items() if offset <= run}
        services.dues_collection_save(
            sheet=sheet, entries=entries, method="cash", paid_on=datetime.date(2026, 7, 1), recorded_by=by
        )


def test_six_unpaid_months_flag_a_member_and_three_warn(secretary, branch):
    six = MemberFactory(organization=branch, name="欠六个月")
    three = MemberFactory(organization=branch, name="欠三个月")
    paid = MemberFactory(organization=branch, name="按时交纳")
    give_bases(branch)
    record(branch, secretary, months=8, unpaid={six.pk: 6, three.pk: 3})

    assert member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY) == 2
    flag = MemberFlag.objects.get(member=six)
    assert (flag.level, flag.dues_months, flag.months) == (FlagLevel.FLAG_6, 6, 0)
    assert MemberFlag.objects.get(member=three).level == FlagLevel.WARN_3
    assert not MemberFlag.objects.filter(member=paid).exists()


def test_paying_ends_the_run_and_the_flag(secretary, branch):
    member = MemberFactory(organization=branch, name="补交")
    give_bases(branch)
    record(branch, secretary, months=6, unpaid={member.pk: 6})
    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)
    assert MemberFlag.objects.get(member=member).level == FlagLevel.FLAG_6
    july = TODAY.replace(day=1)
    sheet = selectors.collection_sheet(organization=branch, month=july)
    services.dues_collection_save(sheet=sheet, entries={}, method="cash", paid_on=TODAY, recorded_by=secretary)
    assert sheet.rows and all(row.computed.amount == Decimal("40.00") for row in sheet.rows)
    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)
    assert not MemberFlag.objects.filter(member=member).exists()


def test_the_flags_page_shows_the_dues_months(client, secretary, branch):
    member = MemberFactory(organization=branch, name="欠费党员")
    give_bases(branch)
    record(branch, secretary, months=6, unpaid={member.pk: 6})
    member_rules.member_flags_refresh(organization_ids=[branch.pk], today=TODAY)
    client.force_login(secretary)
    html = client.get(reverse("reviews:member_flags", args=[branch.pk])).content.decode()
    assert "欠费党员" in html and "连续未交党费月数" in html
    assert '<td class="text-end" data-dues-months>6</td>' in html
