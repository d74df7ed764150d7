"""党费 payments in the administrators' 年度导出 (branches/exports): in scope, by the month's year, masked IDs."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.dues import selectors, services
from activities.dues.services import DuesEntry
from activities.models import DuesPayment
from branches.models import RoleKind
from tests.activities.dues_pages import give_bases
from tests.branches.test_annual_exports import export, sheet_rows, table
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

DUES_EXPORT = "admin:activities_duespayment_annual_export"


@pytest.fixture
def district_admin(district):
    user = UserFactory(username="district_admin", first_name="区管理员")
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    return user


def record(branch, secretary, month, entries=None):
    services.dues_collection_save(
        sheet=selectors.collection_sheet(organization=branch, month=month),
        entries=entries or {},
        method="transfer",
        paid_on=month,
        recorded_by=secretary,
    )


@pytest.fixture
def dues_year(branch, secretary, other_branch, other_branch_secretary):
    own = MemberFactory(organization=branch, name="本支部党员", joined_on=datetime.date(2010, 1, 1))
    foreign = MemberFactory(organization=other_branch, name="西城党员", joined_on=datetime.date(2010, 1, 1))
    give_bases(branch)
    give_bases(other_branch)
    record(
        branch,
        secretary,
        datetime.date(2025, 3, 1),
        {own.pk: DuesEntry(status="advance", amount_paid=Decimal("1100.00"))},
    )
    record(branch, secretary, datetime.date(2024, 3, 1))
    record(other_branch, other_branch_secretary, datetime.date(2025, 3, 1))
    return {"own": own, "foreign": foreign}


def test_it_exports_a_year_of_dues_in_scope_with_masked_id_numbers(client, district_admin, dues_year):
    client.force_login(district_admin)
    response = export(client, DUES_EXPORT, year=2025)
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert rows[0][0] == "党费交纳"
    payments = table(rows, "党组织")
    names = {row["党员"] for row in payments}
    assert "本支部党员" in names and "西城党员" not in names
    assert {row["月份"].year for row in payments} == {2025}
    own = next(row for row in payments if row["党员"] == "本支部党员")
    assert own["身份证号"] == dues_year["own"].id_number_masked != dues_year["own"].id_number
    assert Decimal(str(own["实交（元）"])) == Decimal("1100.00") and Decimal(str(own["其中自愿多交（元）"])) == Decimal(
        "1060.00"
    )
    assert own["交纳情况"] == "多交/预交"


def test_the_change_list_links_the_export(client, district_admin, dues_year):
    client.force_login(district_admin)
    page = client.get(reverse("admin:activities_duespayment_changelist"))
    assert page.status_code == 200
    assert reverse(DUES_EXPORT) in page.text
    assert "西城党员" not in page.text


def test_a_secretary_gets_no_export(client, secretary, dues_year):
    before = DuesPayment.objects.count()
    client.force_login(secretary)
    response = export(client, DUES_EXPORT, year=2025)
    assert response.status_code in (302, 403)
    assert b"PK" not in response.content[:2]
    assert DuesPayment.objects.count() == before
