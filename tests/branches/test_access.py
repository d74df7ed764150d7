"""Scope: every URL that takes an object id answers 404 outside the user's subtree."""

import pytest
from django.urls import reverse

from branches.models import Organization, RoleKind
from branches.permissions import (
    can_manage_organization,
    can_view_full_id_number,
    members_visible_to,
    organizations_visible_to,
)
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

ORGANIZATION_URLS = [
    "branches:organization_detail",
    "branches:organization_children",
    "branches:organization_edit",
    "branches:organization_move",
    "branches:organization_create",
    "branches:group_create",
    "branches:member_create",
    "branches:roster_import",
    "branches:roster_template",
    "branches:roster_export",
]
MEMBER_URLS = [
    "branches:member_detail",
    "branches:member_edit",
    "branches:member_transfer",
    "branches:member_status",
    "branches:member_account_create",
]


@pytest.mark.parametrize("name", ORGANIZATION_URLS)
def test_it_answers_404_for_an_organization_in_another_subtree(client, other_branch_secretary, branch, name):
    client.force_login(other_branch_secretary)
    assert client.get(reverse(name, args=[branch.pk])).status_code == 404
    assert client.post(reverse(name, args=[branch.pk]), {}).status_code in (404, 405)


@pytest.mark.parametrize("name", MEMBER_URLS)
def test_it_answers_404_for_a_member_in_another_subtree(client, other_branch_secretary, branch, name):
    member = MemberFactory(organization=branch)
    client.force_login(other_branch_secretary)
    assert client.get(reverse(name, args=[member.pk])).status_code == 404
    assert client.post(reverse(name, args=[member.pk]), {}).status_code in (404, 405)


def test_it_answers_404_for_a_group_in_another_subtree(client, other_branch_secretary, branch):
    group = PartyGroupFactory(organization=branch)
    client.force_login(other_branch_secretary)
    assert client.get(reverse("branches:group_edit", args=[group.pk])).status_code == 404


def test_it_answers_404_for_an_id_that_does_not_exist(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("branches:organization_detail", args=[999999])).status_code == 404
    assert client.get(reverse("branches:member_detail", args=[999999])).status_code == 404


def test_it_sends_anonymous_users_to_login(client, branch):
    response = client.get(reverse("branches:organization_detail", args=[branch.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_district_officer_sees_the_district_subtree_only(district_officer, district, branch, other_branch):
    visible = set(organizations_visible_to(district_officer).values_list("pk", flat=True))
    assert district.pk in visible
    assert branch.pk in visible
    assert other_branch.pk not in visible
    assert district.parent_id not in visible  # not the city above


def test_a_secretary_sees_the_branch_and_not_its_sibling(secretary, branch, sibling_branch, committee):
    visible = set(organizations_visible_to(secretary).values_list("pk", flat=True))
    assert visible == {branch.pk}
    assert sibling_branch.pk not in visible
    assert committee.pk not in visible


def test_a_member_sees_only_their_own_record(member_user, branch):
    other = MemberFactory(organization=branch)
    visible = set(members_visible_to(member_user).values_list("pk", flat=True))
    assert visible == {member_user.member.pk}
    assert other.pk not in visible


def test_a_member_gets_404_for_another_members_page(client, member_user, branch):
    other = MemberFactory(organization=branch)
    client.force_login(member_user)
    assert client.get(reverse("branches:member_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("branches:member_detail", args=[member_user.member.pk])).status_code == 200


def test_a_member_cannot_change_the_roster(client, member_user, branch):
    client.force_login(member_user)
    assert not can_manage_organization(member_user, branch)
    assert client.get(reverse("branches:member_create", args=[branch.pk])).status_code == 403


def test_a_propaganda_committee_member_sees_but_does_not_manage(client, branch):
    user = UserFactory()
    give_role(user, branch, RoleKind.PROPAGANDA)
    client.force_login(user)
    assert client.get(reverse("branches:organization_detail", args=[branch.pk])).status_code == 200
    assert client.get(reverse("branches:member_create", args=[branch.pk])).status_code == 403


def test_the_administrator_sees_the_whole_city(administrator, branch, other_branch):
    visible = set(organizations_visible_to(administrator).values_list("pk", flat=True))
    assert {branch.pk, other_branch.pk} <= visible


def test_only_the_explicit_permission_shows_id_numbers(client, secretary, branch):
    member = MemberFactory(
        organization=branch,
    )
    client.force_login(secretary)
    page = client.get(reverse("branches:member_detail", args=[member.pk])).text
    assert member.id_number not in page
    assert member.id_number_masked in page
    assert not can_view_full_id_number(secretary)


def test_the_permission_holder_sees_the_full_id_number(client, secretary, branch):
    from django.contrib.auth.models import Permission

    secretary.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    member = MemberFactory(organization=branch)
    client.force_login(secretary)
    page = client.get(reverse("branches:member_detail", args=[member.pk])).text
    assert member.id_number in page


def test_a_branch_secretary_cannot_create_organizations(client, secretary, branch, committee):
    client.force_login(secretary)
    # The committee is outside the secretary's scope: 404, not 403.
    assert client.get(reverse("branches:organization_create", args=[committee.pk])).status_code == 404


def test_an_officer_creates_a_branch_under_their_committee(client, district_officer, committee):
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:organization_create", args=[committee.pk]),
        {"name": "新建党支部", "code": "NEW-01", "kind": "branch", "category": "school"},
    )
    assert response.status_code == 302
    created = Organization.objects.get(code="NEW-01")
    assert created.parent == committee
    assert created.path.startswith(committee.path)


def test_it_rejects_a_kind_that_cannot_sit_under_the_parent(client, district_officer, committee):
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:organization_create", args=[committee.pk]),
        {"name": "错误的区委", "code": "BAD-01", "kind": "district", "category": "other"},
    )
    assert response.status_code == 200
    assert "不能设在" in response.text
    assert not Organization.objects.filter(code="BAD-01").exists()


def test_an_administrator_cannot_raise_their_own_rights_in_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:branches_user_change", args=[administrator.pk]))
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.text
    assert 'name="user_permissions"' not in response.text


def test_the_user_admin_lists_only_accounts_in_scope(client, district_officer, secretary, other_branch_secretary):
    from branches.services import role_assign

    role_assign(user=district_officer, organization=district_officer.roles.get().organization, kind="administrator")
    client.force_login(district_officer)
    page = client.get(reverse("admin:branches_user_changelist")).text
    assert "secretary" in page
    assert "other_secretary" not in page
