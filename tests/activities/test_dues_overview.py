"""The officers' 党费 view: due, paid, rate and arrears per child and month from the branch-month roll-ups, in the
same number of queries for 20 branches as for 2,000."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.dues import selectors, services
from activities.dues.models import DuesMonth
from branches.models import OrganizationKind, RoleKind
from tests.activities.dues_pages import give_bases
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, OrganizationFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_officer(district):
    user = UserFactory(username="district_officer")
    give_role(user, district, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def url(organization, year=None) -> str:
    path = reverse("activities:dues_overview", args=[organization.pk])
    return f"{path}?year={year}" if year else path


def test_it_sums_each_child_and_month_from_the_roll_ups(
    client, district_officer, district, committee, branch, secretary
):
    today = timezone.localdate()
    month = today.replace(day=1)
    MemberFactory(organization=branch, name="张三")
    give_bases(branch)  # 2 members × 40.00
    sheet = selectors.collection_sheet(organization=branch, month=month)
    zhang = next(row.member.pk for row in sheet.rows if row.member.name == "张三")
    services.dues_collection_save(
        sheet=sheet,
        entries={zhang: services.DuesEntry(status="unpaid")},
        method="cash",
        paid_on=today,
        recorded_by=secretary,
    )
    client.force_login(district_officer)
    response = client.get(url(district))
    overview = response.context["overview"]
    (row,) = overview.rows  # the district's one child: the committee
    assert row.organization == committee
    assert (row.total.due, row.total.paid, row.total.arrears, row.total.rate) == (
        Decimal("80.00"),
        Decimal("40.00"),
        Decimal("40.00"),
        50,
    )
    assert row.cells[-1].rate == 50 and overview.months[-1] == month
    assert "50%" in response.content.decode()
    # The committee's own view lists the branch, linking to its collection page.
    html = client.get(url(committee)).content.decode()
    assert reverse("activities:dues_collection", args=[branch.pk]) in html


def test_it_costs_the_same_queries_for_20_and_2000_branches(
    client, district_officer, district, django_assert_max_num_queries
):
    today = timezone.localdate()
    months = [datetime.date(today.year, m, 1) for m in range(1, today.month + 1)]

    def subtree(count: int):
        committee = OrganizationFactory(parent=district, kind=OrganizationKind.PRIMARY_COMMITTEE)
        branches = bulk_branches(committee, count)
        DuesMonth.objects.bulk_create(
            [
                DuesMonth(
                    organization=b,
                    month=m,
                    members=10,
                    paid_members=9,
                    due=Decimal("400.00"),
                    paid=Decimal("360.00"),
                    arrears=Decimal("40.00"),
                )
                for b in branches
                for m in months
            ],
            batch_size=2000,
        )
        return committee

    small, large = subtree(20), subtree(2000)
    client.force_login(district_officer)
    counts = []
    for organization in (small, large):
        with django_assert_max_num_queries(15) as captured:
            response = client.get(url(organization))
        counts.append(len(captured))
        assert response.status_code == 200
    assert counts[0] == counts[1]
    overview = response.context["overview"]
    assert len(overview.rows) == 2000
    assert overview.total.rate == 90
    assert overview.total.due == Decimal("400.00") * 2000 * len(months)


def test_a_secretary_sees_the_branch_and_a_member_may_not(client, secretary, member_user, branch):
    client.force_login(secretary)
    assert client.get(url(branch)).status_code == 200
    client.force_login(member_user)
    assert client.get(url(branch)).status_code == 403


def test_out_of_scope_answers_404(client, district_officer, other_branch, other_district):
    client.force_login(district_officer)
    assert client.get(url(other_district)).status_code == 404
    assert client.get(url(other_branch)).status_code == 404
    assert client.post(url(other_branch)).status_code in (404, 405)


def test_officers_find_it_in_their_navigation(client, district_officer, district):
    client.force_login(district_officer)
    items = dict((str(label), u) for label, u in client.get(url(district)).context["nav_items"])
    assert items["党费收缴"] == reverse("activities:dues_overview", args=[district.pk])


def test_it_exports_the_overview_as_xlsx(client, district_officer, district, committee, branch, secretary):
    import io

    import openpyxl

    today = timezone.localdate()
    give_bases(branch)
    sheet = selectors.collection_sheet(organization=branch, month=today.replace(day=1))
    services.dues_collection_save(sheet=sheet, entries={}, method="cash", paid_on=today, recorded_by=secretary)
    client.force_login(district_officer)
    response = client.get(reverse("activities:dues_overview_export", args=[district.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    year_row = next(row for row in values if len(row) > 2 and row[0] == committee.name and row[2] == "全年")
    assert year_row[5:9] == [40, 40, 100, 0]


def test_it_sums_amounts_to_the_fen_on_every_database(client, district_officer, district, committee, branch):
    # SQLite adds decimals as floats (0.1 + 0.2 = 0.30000000000000004): the sums come back to the 分.
    month = timezone.localdate().replace(day=1)
    second = OrganizationFactory(parent=committee, kind=OrganizationKind.BRANCH, name="第二党支部")
    for organization, amount in ((branch, Decimal("0.10")), (second, Decimal("0.20"))):
        DuesMonth.objects.create(organization=organization, month=month, members=1, due=amount, arrears=amount)

    overview = selectors.dues_overview(organization=district, year=month.year, today=timezone.localdate())

    (row,) = overview.rows
    assert str(row.total.due) == "0.30" and str(row.total.arrears) == "0.30"
    client.force_login(district_officer)
    html = client.get(url(district)).content.decode()
    assert "0.30" in html and "0.3000" not in html
