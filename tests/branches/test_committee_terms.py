"""换届: recording an election updates the term dates and the committee roles in one transaction and keeps the
history; the branch page lists past terms; the officers' page of terms due costs the same for 20 and 2,000
branches; foreign ids (in the path or the form) answer 404 or are refused, and nothing is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization, OrganizationCategory, Role, RoleKind
from branches.permissions import organizations_visible_to
from branches.terms import services
from branches.terms.models import CommitteeSeat, CommitteeTerm
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


@pytest.fixture
def people(branch, secretary):
    """The outgoing secretary (王书记, with a login), a member with a login, and one without."""
    old = secretary.member
    zhang_user = UserFactory(username="zhang", first_name="张委员")
    zhang = MemberFactory(organization=branch, name="张委员", user=zhang_user)
    liu = MemberFactory(organization=branch, name="刘委员")
    return old, zhang, liu


def _elect(branch, officer, seats, on):
    return services.committee_election_record(
        organization=branch,
        elected_on=on,
        seats=[services.Seat(member=m, kind=k) for m, k in seats],
        recorded_by=officer,
    )


def test_it_records_an_election_with_term_dates_roles_and_history(branch, committee_officer, secretary, people):
    old, zhang, liu = people
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=3 * 365 + 10)
    first = _elect(branch, committee_officer, [(old, RoleKind.SECRETARY), (zhang, RoleKind.ORGANIZER)], first_day)
    assert first.term_years == 3
    assert first.ends_on == services.term_end(elected_on=first_day, years=3)
    second = _elect(
        branch,
        committee_officer,
        [(zhang, RoleKind.SECRETARY), (liu, RoleKind.ORGANIZER), (old, RoleKind.COMMITTEE_MEMBER)],
        today,
    )
    branch.refresh_from_db()
    first.refresh_from_db()
    assert (branch.term_started_on, branch.term_ends_on) == (today, second.ends_on)
    assert first.ended_on == today and second.ended_on is None
    # The roles the access module reads: 王 is no longer 书记 but 支委; 张 is 书记 (no longer 组织委员).
    roles = set(Role.objects.filter(organization=branch).values_list("user__username", "kind"))
    assert roles == {("secretary", RoleKind.COMMITTEE_MEMBER), ("zhang", RoleKind.SECRETARY)}
    # The history stays: both committees with their seats.
    assert list(CommitteeSeat.objects.filter(term=first).values_list("member__name", "kind")) == [
        ("王书记", RoleKind.SECRETARY),
        ("张委员", RoleKind.ORGANIZER),
    ]
    assert CommitteeSeat.objects.filter(term=second).count() == 3


def test_a_village_branch_gets_a_five_year_term(committee, committee_officer):
    village = BranchFactory(parent=committee, category=OrganizationCategory.VILLAGE)
    member = MemberFactory(organization=village)
    term = _elect(village, committee_officer, [(member, RoleKind.SECRETARY)], datetime.date(2024, 2, 29))
    assert term.term_years == 5
    assert term.ends_on == datetime.date(2029, 2, 28)


@pytest.mark.parametrize(
    "problem",
    ["no_secretary", "two_secretaries", "same_member_twice", "foreign_member", "future", "not_after_last"],
)
def test_bad_elections_are_refused_and_nothing_changes(
    problem, branch, other_branch, committee_officer, secretary, people
):
    old, zhang, _liu = people
    today = timezone.localdate()
    _elect(branch, committee_officer, [(old, RoleKind.SECRETARY)], today - datetime.timedelta(days=30))
    before_roles = set(Role.objects.values_list("pk", "user_id", "kind"))
    stranger = MemberFactory(organization=other_branch)
    seats, on = {
        "no_secretary": ([(zhang, RoleKind.ORGANIZER)], today),
        "two_secretaries": ([(zhang, RoleKind.SECRETARY), (old, RoleKind.SECRETARY)], today),
        "same_member_twice": ([(zhang, RoleKind.SECRETARY), (zhang, RoleKind.ORGANIZER)], today),
        "foreign_member": ([(zhang, RoleKind.SECRETARY), (stranger, RoleKind.ORGANIZER)], today),
        "future": ([(zhang, RoleKind.SECRETARY)], today + datetime.timedelta(days=1)),
        "not_after_last": ([(zhang, RoleKind.SECRETARY)], today - datetime.timedelta(days=30)),
    }[problem]
    with pytest.raises(ValidationError):
        _elect(branch, committee_officer, seats, on)
    assert CommitteeTerm.objects.count() == 1
    assert set(Role.objects.values_list("pk", "user_id", "kind")) == before_roles


def test_the_branch_page_lists_past_terms(client, branch, committee_officer, secretary, people):
    old, zhang, _liu = people
    today = timezone.localdate()
    _elect(branch, committee_officer, [(old, RoleKind.SECRETARY)], today - datetime.timedelta(days=1200))
    _elect(branch, committee_officer, [(zhang, RoleKind.SECRETARY)], today)
    client.force_login(zhang.user)
    page = client.get(reverse("branches:organization_detail", args=[branch.pk])).content.decode()
    assert "历届委员会" in page
    assert "本届" in page and "换届" in page
    assert "书记 王书记" in page and "书记 张委员" in page
    assert reverse("branches:election_create", args=[branch.pk]) not in page  # the branch does not elect itself


def test_the_parent_officer_records_an_election_through_the_form(client, branch, committee_officer, people):
    old, zhang, liu = people
    client.force_login(committee_officer)
    url = reverse("branches:election_create", args=[branch.pk])
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    response = client.post(
        url,
        {"elected_on": today, "secretary": zhang.pk, "organizer": liu.pk, "committee_members": [old.pk]},
    )
    assert response.status_code == 302
    term = CommitteeTerm.objects.get()
    assert sorted(term.seats.values_list("member__name", flat=True)) == sorted(["张委员", "刘委员", "王书记"])
    assert Role.objects.filter(organization=branch, user=zhang.user, kind=RoleKind.SECRETARY).exists()


def test_the_branch_secretary_may_not_record_its_own_election(client, branch, secretary, people):
    _old, zhang, _liu = people
    client.force_login(secretary)
    url = reverse("branches:election_create", args=[branch.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"elected_on": timezone.localdate().isoformat(), "secretary": zhang.pk}).status_code == 403
    assert not CommitteeTerm.objects.exists()


def test_foreign_member_ids_in_the_form_are_refused(client, branch, other_branch, committee_officer, people):
    _old, zhang, _liu = people
    stranger = MemberFactory(organization=other_branch, name="外支部党员")
    client.force_login(committee_officer)
    url = reverse("branches:election_create", args=[branch.pk])
    today = timezone.localdate().isoformat()
    for data in (
        {"elected_on": today, "secretary": stranger.pk},
        {"elected_on": today, "secretary": zhang.pk, "committee_members": [stranger.pk]},
        {"elected_on": today, "secretary": zhang.pk, "organizer": stranger.pk},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "外支部党员" not in response.content.decode()
        assert response.context["form"].errors
    assert not CommitteeTerm.objects.exists()
    assert not Role.objects.filter(organization=branch, user=zhang.user).exists()


def test_foreign_branches_answer_404_for_get_and_post(client, other_branch, other_district, committee_officer, people):
    _old, zhang, _liu = people
    client.force_login(committee_officer)
    for url in (
        reverse("branches:election_create", args=[other_branch.pk]),
        reverse("branches:terms_due", args=[other_district.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"elected_on": "2026-01-01", "secretary": zhang.pk}).status_code in (404, 405)
    assert not CommitteeTerm.objects.exists()
    other_branch.refresh_from_db()
    assert other_branch.term_ends_on is None


def _due_tree(parent, count):
    today = timezone.localdate()
    branches = bulk_branches(parent, count)
    for index, branch in enumerate(branches):
        branch.term_started_on = today - datetime.timedelta(days=1000)
        branch.term_ends_on = today + datetime.timedelta(days=(index % 400) - 100)
    Organization.objects.bulk_update(branches, ["term_started_on", "term_ends_on"], batch_size=500)
    secretaries = UserFactory.create_batch(3)
    for user, branch in zip(secretaries, branches, strict=False):
        give_role(user, branch, RoleKind.SECRETARY)
    return branches


def test_the_terms_due_page_lists_overdue_and_due_branches(client, committee, committee_officer, branch, secretary):
    today = timezone.localdate()
    Organization.objects.filter(pk=branch.pk).update(
        term_started_on=today - datetime.timedelta(days=1100), term_ends_on=today - datetime.timedelta(days=5)
    )
    later = BranchFactory(parent=committee, name="远期支部")
    Organization.objects.filter(pk=later.pk).update(
        term_started_on=today, term_ends_on=today + datetime.timedelta(days=400)
    )
    soon = BranchFactory(parent=committee, name="近期支部")
    Organization.objects.filter(pk=soon.pk).update(
        term_started_on=today - datetime.timedelta(days=1000), term_ends_on=today + datetime.timedelta(days=90)
    )
    client.force_login(committee_officer)
    response = client.get(reverse("branches:terms_due", args=[committee.pk]))
    due = response.context["due"]
    assert [row.organization.pk for row in due.overdue] == [branch.pk]
    assert due.overdue[0].secretaries == ["王书记"]
    assert [row.organization.pk for row in due.due] == [soon.pk]
    page = response.content.decode()
    assert "已超期5天" in page and "近期支部" in page and "远期支部" not in page


def test_the_officers_menu_links_the_terms_due_page(client, committee, committee_officer):
    client.force_login(committee_officer)
    page = client.get(reverse("branches:organization_detail", args=[committee.pk])).content.decode()
    assert reverse("branches:terms_due", args=[committee.pk]) in page


def test_the_terms_due_page_costs_the_same_for_20_and_2000_branches(
    client, district, committee, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = UserFactory()
    give_role(officer, district, RoleKind.OFFICER)
    enrol_totp(officer)
    _due_tree(committee, 20)
    client.force_login(officer)
    url = reverse("branches:terms_due", args=[district.pk])
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _due_tree(committee, 1980)
    assert organizations_visible_to(officer).filter(kind="branch").count() == 2000
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["due"].overdue) + len(response.context["due"].due) > 1000
    assert len(large) == len(small)
