"""双重组织生活 (issue #13 item 5): a leading cadre sits on a leadership team; the team's 民主生活会 and
理论学习中心组学习 expect the team, C7 can require the team's attendance, and M2 shows both halves — their own
branch and their team — rolled up to the committees above."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.meetings.services import AttendanceEntry
from activities.models import AttendanceStatus, MeetingKind
from branches import services as branches
from branches.forms import MemberForm
from reviews.compliance.rules import Condition
from reviews.compliance.services import compliance_recompute
from reviews.members import rules as member_rules
from reviews.models import ComplianceResult, Rule
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 8, 20)


def held(organization, day, *, kind, absent=()):
    starts = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9))
    meeting = activities.meeting_create(
        organization=organization,
        created_by=None,
        kind=kind,
        topic="组织生活",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    entries = {m.pk: AttendanceEntry(AttendanceStatus.ABSENT) for m in absent}
    return activities.attendance_record(meeting=meeting, version=meeting.version, entries=entries, recorded_by=None)


@pytest.fixture
def cadres(branch, sibling_branch, committee):
    on_team = MemberFactory(organization=branch, name="局长", is_leading_cadre=True, leadership_team=committee)
    other = MemberFactory(organization=sibling_branch, name="副局长", is_leading_cadre=True, leadership_team=committee)
    plain = MemberFactory(organization=branch, name="处长", is_leading_cadre=True)
    return on_team, other, plain


def test_the_teams_meetings_expect_the_cadres_on_it_wherever_their_branch_is(committee, cadres):
    on_team, other, plain = cadres
    meeting = held(committee, datetime.date(2025, 3, 5), kind=MeetingKind.DEMOCRATIC_LIFE_MEETING, absent=[other])
    recorded = dict(meeting.attendances.values_list("member__name", "status"))
    assert recorded == {"局长": AttendanceStatus.PRESENT, "副局长": AttendanceStatus.ABSENT}
    # Any other meeting of the committee does not.
    lecture = held(committee, datetime.date(2025, 3, 6), kind=MeetingKind.PARTY_LECTURE)
    assert not lecture.attendances.exists()


def test_m2_shows_both_halves_for_a_cadre_on_a_team(branch, committee, cadres):
    on_team, _other, plain = cadres
    held(branch, datetime.date(2025, 2, 10), kind=MeetingKind.THEME_DAY)  # Q1: both came to the branch
    held(committee, datetime.date(2025, 3, 5), kind=MeetingKind.CENTRAL_GROUP_STUDY)  # Q1: the team met
    held(branch, datetime.date(2025, 5, 10), kind=MeetingKind.THEME_DAY, absent=[on_team])
    held(committee, datetime.date(2025, 6, 5), kind=MeetingKind.CENTRAL_GROUP_STUDY, absent=[on_team])

    result = member_rules.cadre_attendance(organization=branch, year=2025, today=TODAY)

    rows = {row.member.name: row for row in result.rows}
    assert [c.state for c in rows["局长"].cells] == ["met", "missed", "due"]
    assert [c.state for c in rows["局长"].team_cells] == ["met", "missed", "due"]
    assert [c.state for c in rows["处长"].cells] == ["met", "met", "due"]
    assert rows["处长"].team_cells == []
    assert rows["局长"].team_cells[2].label == "本季度待参加"


def test_a_team_that_held_nothing_says_so(branch, committee, cadres):
    result = member_rules.cadre_attendance(organization=branch, year=2025, today=TODAY)
    row = next(row for row in result.rows if row.member.name == "局长")
    assert [c.label for c in row.team_cells[:2]] == ["班子未开展", "班子未开展"]


def test_m2_flags_roll_up_to_the_committee_and_district_pages(
    client, district_officer, district, committee, cadres, monkeypatch
):
    on_team, other, plain = cadres
    held(committee, datetime.date(2025, 3, 5), kind=MeetingKind.DEMOCRATIC_LIFE_MEETING, absent=[other])
    held(plain.organization, datetime.date(2025, 2, 10), kind=MeetingKind.THEME_DAY, absent=[plain])

    for node in (committee, district):
        result = member_rules.cadre_attendance(organization=node, year=2025, today=TODAY)
        assert result.is_rollup
        assert {row.member.name for row in result.rows} == {"副局长", "处长"}
        assert result.missed_total == 2

    client.force_login(district_officer)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    page = client.get(reverse("reviews:member_flags", args=[district.pk])).content.decode()
    assert "党员领导干部双重组织生活" in page and "副局长" in page
    assert "本级及下级有2名党员领导干部未参加组织生活" in page


def test_the_cadres_team_is_chosen_among_the_committees_above_their_branch(branch, committee, district, other_branch):
    form = MemberForm(organization=branch)
    assert set(form.fields["leadership_team"].queryset) == {committee, district, district.parent}
    member = MemberFactory(organization=branch)
    with pytest.raises(ValidationError) as error:
        branches.member_update(member=member, leadership_team=committee)
    assert "leadership_team" in error.value.message_dict
    cadre = MemberFactory(organization=other_branch, is_leading_cadre=True)
    with pytest.raises(ValidationError):
        branches.member_update(member=cadre, leadership_team=other_branch)


def test_c7_can_require_the_teams_attendance(committee, cadres):
    _on_team, other, _plain = cadres
    meeting = held(committee, datetime.date(2025, 3, 5), kind=MeetingKind.DEMOCRATIC_LIFE_MEETING, absent=[other])

    def c7() -> bool:
        compliance_recompute(year=2025, today=TODAY)
        return ComplianceResult.objects.get(organization=committee, rule_code="C7", period_key="2025").is_met

    assert c7(), "by default a 民主生活会 held is enough"
    Rule.objects.filter(code="C7").update(condition=Condition.WITH_TEAM_ATTENDANCE)
    assert not c7(), "a member of the team was absent"
    entries = {other.pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差")}
    activities.attendance_record(meeting=meeting, version=meeting.version, entries=entries, recorded_by=None)
    assert c7(), "on leave is not absent"


def test_the_committee_records_its_teams_attendance_on_the_meetings_page(client, district_officer, committee, cadres):
    _on_team, other, _plain = cadres
    starts = timezone.now() - datetime.timedelta(days=1)
    meeting = activities.meeting_create(
        organization=committee,
        created_by=None,
        kind=MeetingKind.CENTRAL_GROUP_STUDY,
        topic="中心组学习",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    client.force_login(district_officer)
    page = client.get(reverse("activities:meeting_record", args=[meeting.pk])).content.decode()
    assert "局长" in page and "副局长" in page and "处长" not in page
