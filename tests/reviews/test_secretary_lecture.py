"""C8 (seed §二.6 各级党委（党组）书记每年至少为基层党员讲一次党课; issue #13 item 4): a 党课 held at a branch with a
committee's 书记 as the lecturer (a member record whose login holds the committee's secretary role) counts for
that committee's C8, and for the branch's own C5 as any 党课; incrementally as in a full recompute."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import MeetingKind
from branches.models import OrganizationKind, RoleKind
from reviews.compliance.selectors import committee_obligations
from reviews.compliance.services import compliance_recompute, organizations_recompute
from reviews.models import ComplianceResult
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, UserFactory, give_role
from tests.reviews.test_compliance_rollups import snapshot

pytestmark = pytest.mark.django_db

# A year whose every period (and grace window) is over whatever day the suite runs on.
YEAR = timezone.localdate().year - 2
AFTER = datetime.date(YEAR + 1, 3, 1)


@pytest.fixture
def committee_secretary(committee, sibling_branch):
    """The committee's 书记, organised in another branch below it."""
    user = UserFactory(username="committee_secretary")
    give_role(user, committee, RoleKind.SECRETARY)
    return MemberFactory(organization=sibling_branch, name="党委书记", user=user)


def lecture(organization, lecturer, *, month=5):
    starts = timezone.make_aware(datetime.datetime(YEAR, month, 12, 9))
    meeting = activities.meeting_create(
        organization=organization,
        created_by=None,
        kind=MeetingKind.PARTY_LECTURE,
        topic="党委书记讲党课",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        lecturer=lecturer,
    )
    return activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)


def result(organization, code, key):
    return ComplianceResult.objects.get(organization=organization, rule_code=code, period_key=key)


def test_it_counts_a_branch_lecture_by_the_committees_secretary_for_the_committees_c8(
    district, committee, branch, committee_secretary
):
    compliance_recompute(year=YEAR, today=AFTER)
    assert not result(committee, "C8", str(YEAR)).is_met

    given = lecture(branch, committee_secretary)
    organizations_recompute(organization_ids=[branch.pk], year=YEAR, today=AFTER)  # what the meeting's change runs

    c8 = result(committee, "C8", str(YEAR))
    assert c8.is_met and c8.meeting_ids == [given.pk]
    c5 = result(branch, "C5", f"{YEAR}-Q2")
    assert c5.is_met and c5.meeting_ids == [given.pk]  # the branch's own 党课, as any
    assert not result(district, "C8", str(YEAR)).is_met  # the district's 书记 did not give it
    incremental = snapshot()
    compliance_recompute(year=YEAR, today=AFTER)
    assert snapshot() == incremental


def test_it_shows_the_lecture_on_the_committees_todo(committee, branch, committee_secretary):
    given = lecture(branch, committee_secretary)

    obligations = committee_obligations(organization=committee, today=datetime.date(YEAR, 6, 1))

    (c8,) = [o for o in obligations.year if o.result.rule.code == "C8"]
    assert c8.is_met and [m.id for m in c8.counted] == [given.pk]


def test_it_counts_neither_a_lecture_by_someone_else_nor_one_outside_the_committees_subtree(
    district, committee, branch, committee_secretary
):
    other_committee = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district, name="别的党委")
    elsewhere = BranchFactory(parent=other_committee)
    with pytest.raises(ValidationError, match="请从本组织的党员中选择"):
        lecture(elsewhere, committee_secretary)  # not below the committee: not offered, refused
    lecture(branch, MemberFactory(organization=branch, name="普通党员"), month=6)  # not by its 书记

    compliance_recompute(year=YEAR, today=AFTER)

    assert not result(committee, "C8", str(YEAR)).is_met
    assert result(branch, "C5", f"{YEAR}-Q2").is_met


def test_it_offers_the_committees_secretary_as_the_lecturer_at_a_branch(client, secretary, branch, committee_secretary):
    client.force_login(secretary)

    response = client.get(reverse("activities:meeting_create", args=[branch.pk]) + "?kind=party_lecture")

    people = {value for value, _label in response.context["form"].fields["lecturer"].choices}
    assert committee_secretary.pk in people
