import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services
from branches.models import Member, Membership, MemberStatus, Organization, OrganizationKind
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, PartyGroupFactory

pytestmark = pytest.mark.django_db


def test_it_gives_each_organization_a_path_under_its_parent(city, district, committee, branch):
    assert city.path == Organization.path_segment(city.pk)
    assert branch.path == committee.path + Organization.path_segment(branch.pk)
    assert branch.depth == 4
    assert set(Organization.objects.subtree_of(district)) == {district, committee, branch}


def test_moving_a_subtree_rewrites_every_path_below_it(city, district, other_district, committee, branch):
    group_branch = BranchFactory(parent=committee)
    services.organization_move(organization=committee, new_parent=other_district)
    committee.refresh_from_db()
    branch.refresh_from_db()
    group_branch.refresh_from_db()
    assert committee.parent == other_district
    assert committee.path == other_district.path + Organization.path_segment(committee.pk)
    assert branch.path == committee.path + Organization.path_segment(branch.pk)
    assert group_branch.path.startswith(committee.path)
    assert branch.depth == 4
    assert set(Organization.objects.subtree_of(district)) == {district}
    assert set(Organization.objects.subtree_of(other_district)) == {other_district, committee, branch, group_branch}


def test_it_refuses_to_move_an_organization_below_itself(committee, branch):
    with pytest.raises(ValidationError):
        services.organization_move(organization=committee, new_parent=branch)


def test_it_refuses_a_parent_of_the_wrong_kind(district, branch, sibling_branch):
    with pytest.raises(ValidationError):
        services.organization_move(organization=branch, new_parent=sibling_branch)


def test_an_officer_moves_a_branch_through_the_page(client, district_officer, district, committee, branch):
    other_committee = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district)
    client.force_login(district_officer)
    url = reverse("branches:organization_move", args=[branch.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"new_parent": other_committee.pk})
    assert response.status_code == 302
    branch.refresh_from_db()
    assert branch.parent == other_committee


def test_an_officer_cannot_move_a_branch_outside_their_scope(client, district_officer, branch, other_district):
    client.force_login(district_officer)
    response = client.post(reverse("branches:organization_move", args=[branch.pk]), {"new_parent": other_district.pk})
    assert response.status_code == 200  # the form refuses the choice
    assert "选择一个有效的选项" in response.text or "Select a valid choice" in response.text
    branch.refresh_from_db()
    assert branch.parent != other_district


def test_a_secretary_cannot_move_their_branch(client, secretary, branch):
    client.force_login(secretary)
    assert client.get(reverse("branches:organization_move", args=[branch.pk])).status_code == 403


def test_transferring_a_member_keeps_where_they_were(branch, sibling_branch):
    group = PartyGroupFactory(organization=branch)
    member = MemberFactory(organization=branch, group=group, started_on=datetime.date(2020, 1, 1))
    services.member_transfer(
        member=member, to_organization=sibling_branch, on=datetime.date(2025, 3, 1), note="工作调动"
    )
    member.refresh_from_db()
    assert member.organization == sibling_branch
    assert member.group is None
    stays = list(member.memberships.order_by("started_on"))
    assert [(s.organization_id, s.started_on, s.ended_on) for s in stays] == [
        (branch.pk, datetime.date(2020, 1, 1), datetime.date(2025, 3, 1)),
        (sibling_branch.pk, datetime.date(2025, 3, 1), None),
    ]


def test_a_transfer_before_the_member_arrived_is_refused(branch, sibling_branch):
    member = MemberFactory(organization=branch, started_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.member_transfer(member=member, to_organization=sibling_branch, on=datetime.date(2023, 1, 1))
    member.refresh_from_db()
    assert member.organization == branch
    assert Membership.objects.filter(member=member).count() == 1


def test_a_secretary_transfers_a_member_through_the_page(client, district_officer, branch, sibling_branch):
    member = MemberFactory(organization=branch, started_on=datetime.date(2020, 1, 1))
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:member_transfer", args=[member.pk]),
        {"to_organization": sibling_branch.pk, "on": "2025-06-01", "note": "调动"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == sibling_branch
    page = client.get(member.get_absolute_url()).text
    assert branch.name in page and sibling_branch.name in page


def test_leaving_closes_the_membership(branch):
    member = MemberFactory(organization=branch, started_on=datetime.date(2020, 1, 1))
    services.member_status_change(member=member, status=MemberStatus.DECEASED, on=datetime.date(2025, 1, 5))
    assert member.memberships.get().ended_on == datetime.date(2025, 1, 5)


def test_the_same_id_number_cannot_be_registered_twice(branch, sibling_branch):
    member = MemberFactory(organization=branch)
    with pytest.raises(ValidationError) as error:
        MemberFactory(organization=sibling_branch, id_number=member.id_number)
    assert "已登记" in str(error.value)
    assert Member.objects.count() == 1


def test_members_belong_to_branches_only(committee):
    with pytest.raises(ValidationError):
        MemberFactory(organization=committee)


def test_a_probationary_member_has_no_full_membership_date(branch):
    with pytest.raises(ValidationError):
        MemberFactory(organization=branch, membership_type="probationary", full_member_on=datetime.date(2020, 1, 1))


def test_a_secretary_registers_a_member_with_a_checked_id_number(client, secretary, branch):
    client.force_login(secretary)
    url = reverse("branches:member_create", args=[branch.pk])
    data = {
        "name": "陈红",
        "gender": "female",
        "ethnicity": "汉族",
        "membership_type": "full",
        "joined_on": "2012-07-01",
        "full_member_on": "2013-07-01",
        "id_number": "110105198506010012",  # wrong check digit
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "校验位不正确" in response.text
    assert not Member.objects.filter(name="陈红").exists()

    from branches.idnumbers import compose

    data["id_number"] = compose(region="110105", birth_date=datetime.date(1985, 6, 1), sequence=12)
    response = client.post(url, data)
    assert response.status_code == 302
    member = Member.objects.get(name="陈红")
    assert member.birth_date == datetime.date(1985, 6, 1)
    assert member.memberships.count() == 1


def test_the_stored_id_number_is_not_in_clear(branch):
    member = MemberFactory(organization=branch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM branches_member WHERE id = %s", [member.pk])
        row = cursor.fetchone()
    assert member.id_number
    assert all(member.id_number not in str(value) for value in row)


def test_the_branch_page_warns_about_structure_and_term(client, secretary, branch):
    from branches.services import organization_update

    today = datetime.date.today()
    organization_update(
        organization=branch,
        term_started_on=today - datetime.timedelta(days=3 * 365 - 30),
        term_ends_on=today + datetime.timedelta(days=30),
    )
    client.force_login(secretary)
    page = client.get(branch.get_absolute_url()).text
    assert "不足3名" in page  # only the secretary is a member
    assert "请准备换届选举" in page


def test_an_administrator_role_opens_the_django_admin(client, city):
    from branches.models import RoleKind
    from tests.conftest import enrol_totp
    from tests.factories import UserFactory

    user = UserFactory()
    role = services.role_assign(user=user, organization=city, kind=RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    client.force_login(user)
    assert client.get(reverse("admin:branches_member_changelist")).status_code == 200
    assert not user.has_perm("branches.view_full_id_number")
    services.role_revoke(role=role)
    user.refresh_from_db()
    assert not user.is_staff
