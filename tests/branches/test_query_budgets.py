"""Query budgets: pages cost the same number of queries whatever the size of the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import idnumbers
from branches.models import Member, Membership, Organization, OrganizationKind
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, OrganizationFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 10


def bulk_branches(parent: Organization, count: int, members_each: int = 0) -> list[Organization]:
    """Many branches (and members) in few queries; same rows as the services would write."""
    start = Organization.objects.count()
    Organization.objects.bulk_create(
        Organization(
            name=f"批量党支部{start + i}",
            code=f"BULK-{parent.pk}-{start + i}",
            kind=OrganizationKind.BRANCH,
            parent=parent,
            path=f"tmp-{parent.pk}-{start + i}",
        )
        for i in range(count)
    )
    branches = list(Organization.objects.filter(path__startswith=f"tmp-{parent.pk}-"))
    for branch in branches:
        branch.path = parent.path + Organization.path_segment(branch.pk)
        branch.depth = branch.path.count("/")
    Organization.objects.bulk_update(branches, ["path", "depth"], batch_size=500)
    members = []
    for branch in branches:
        for j in range(members_each):
            member = Member(organization=branch, name=f"党员{branch.pk}-{j}", gender="male", joined_on="2010-07-01")
            member.set_id_number(_id(branch.pk, j))
            members.append(member)
    created = Member.objects.bulk_create(members, batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(member=m, organization_id=m.organization_id, started_on="2020-01-01") for m in created],
        batch_size=1000,
    )
    return branches


def _id(branch_pk: int, j: int) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=branch_pk * 7 + j // 1000)
    return idnumbers.compose(region="110102", birth_date=birth, sequence=j)


def count_queries(client, url, django_assert_max_num_queries, budget=PAGE_BUDGET) -> int:
    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_roster_page_of_a_200_member_branch_stays_within_budget(
    client, secretary, branch, sibling_branch, django_assert_max_num_queries
):
    groups = [PartyGroupFactory(organization=branch, name=f"第{i}党小组") for i in range(3)]
    for i in range(199):
        MemberFactory(organization=branch, group=groups[i % 3], is_retired=i % 5 == 0)
    MemberFactory(organization=sibling_branch)
    client.force_login(secretary)
    big = count_queries(
        client, reverse("branches:organization_detail", args=[branch.pk]), django_assert_max_num_queries
    )

    tiny_secretary_client = client.__class__()
    tiny_secretary = UserFactory()
    give_role(tiny_secretary, sibling_branch)
    tiny_secretary_client.force_login(tiny_secretary)
    tiny = count_queries(
        tiny_secretary_client,
        reverse("branches:organization_detail", args=[sibling_branch.pk]),
        django_assert_max_num_queries,
    )
    assert big <= tiny + 1  # the secretary's own member record adds at most one lookup


def test_the_filtered_roster_stays_within_budget(client, secretary, branch, django_assert_max_num_queries):
    for i in range(30):
        MemberFactory(organization=branch, is_floating=i % 2 == 0)
    client.force_login(secretary)
    url = reverse("branches:organization_detail", args=[branch.pk]) + "?category=is_floating&status=active&page=2"
    count_queries(client, url, django_assert_max_num_queries)


def test_the_tree_of_a_2000_branch_subtree_costs_what_a_tiny_one_costs(
    client, district_officer, district, committee, other_district, django_assert_max_num_queries
):

    # Tiny subtree: an officer of the other district with one branch.
    tiny_officer = UserFactory()
    give_role(tiny_officer, other_district, "officer")
    enrol_totp(tiny_officer)
    bulk_branches(other_district, 1, members_each=2)
    client.force_login(tiny_officer)
    tiny = count_queries(client, reverse("branches:organization_tree"), django_assert_max_num_queries)

    # Large subtree: 2,000 branches under 20 grassroots committees in the district.
    committees = [committee] + [
        OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district) for _ in range(19)
    ]
    for parent in committees:
        bulk_branches(parent, 100, members_each=1)
    client.force_login(district_officer)
    large = count_queries(client, reverse("branches:organization_tree"), django_assert_max_num_queries)
    assert large == tiny

    # Expanding one committee of 100 branches costs the same as expanding a small node.
    expand = count_queries(
        client, reverse("branches:organization_children", args=[committee.pk]), django_assert_max_num_queries
    )
    assert expand <= PAGE_BUDGET


def test_the_tree_shows_subtree_counts(client, district_officer, district, committee):
    branches = bulk_branches(committee, 3, members_each=4)
    client.force_login(district_officer)
    page = client.get(reverse("branches:organization_tree")).text
    assert "东城区委" in page
    assert "3 个支部 · 12 名党员" in page
    assert branches[0].name not in page  # branches are loaded when their committee is expanded
    children = client.get(reverse("branches:organization_children", args=[committee.pk])).text
    assert branches[0].name in children
    assert "4 名党员" in children
