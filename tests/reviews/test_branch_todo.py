"""The branch page's to-do block (reviews:branch_todo), judged by the same engine as the month view."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import MeetingKind
from tests.activities.conftest import local
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def todo_url(organization):
    return reverse("reviews:branch_todo", args=[organization.pk])


def test_it_loads_the_todo_on_the_branch_page(client, secretary, branch):
    client.force_login(secretary)
    page = client.get(reverse("branches:organization_detail", args=[branch.pk])).content.decode()
    assert todo_url(branch) in page


def test_it_shows_what_the_month_still_requires_and_the_member_rules(client, secretary, branch):
    client.force_login(secretary)
    content = client.get(todo_url(branch)).content.decode()
    assert "每月至少开展一次主题党日" in content
    assert "党员管理提示" in content


def test_it_drops_a_rule_once_a_meeting_meets_it(client, secretary, branch):
    starts = timezone.now() - datetime.timedelta(hours=3)
    meeting = activities.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)
    client.force_login(secretary)
    response = client.get(todo_url(branch))
    month = [o for o in response.context["obligations"].month if o.result.rule.code == "C3"]
    assert month and month[0].result.outcome == "met"


def test_it_hides_the_member_rules_from_a_plain_member(client, member_user, branch):
    client.force_login(member_user)
    response = client.get(todo_url(branch))
    assert response.status_code == 200
    assert response.context["member_rules"] is None


def test_it_answers_404_outside_the_scope(client, other_branch_secretary, branch):
    client.force_login(other_branch_secretary)
    assert client.get(todo_url(branch)).status_code == 404


def test_it_costs_the_same_queries_whatever_the_branch_size(client, secretary, branch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretary)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(todo_url(branch)).status_code == 200
        return len(captured)

    small = count()
    for _ in range(40):
        MemberFactory(organization=branch)
    assert count() == small <= 18


# After grace, a missed obligation stays on the to-do until the year is over (issue #13 item 6) -------------


@pytest.fixture
def on_day(monkeypatch):
    """Make `timezone.localdate()` (no argument) answer the given day (as tests/activities' fixture)."""
    real = timezone.localdate

    def freeze(day: datetime.date) -> None:
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return freeze


def test_it_keeps_a_missed_obligation_on_the_todo_with_a_late_entry_until_the_year_is_over(
    client, secretary, branch, on_day
):
    year = timezone.localdate().year - 1
    march = activities.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="三月主题党日",
        starts_at=local(year, 3, 10, 9),
        ends_at=local(year, 3, 10, 11),
    )
    activities.attendance_record(meeting=march, version=march.version, entries={}, recorded_by=secretary)
    client.force_login(secretary)

    on_day(datetime.date(year, 6, 20))  # May's grace ended on 10 June
    response = client.get(todo_url(branch))

    obligations = response.context["obligations"]
    theme_days = [o.result.period.key for o in obligations.missed if o.result.rule.code == "C3"]
    assert theme_days == [f"{year}-05", f"{year}-04", f"{year}-02", f"{year}-01"]  # March was met
    assert {o.result.period.key for o in obligations.missed if o.result.rule.code == "C2"} == {f"{year}-Q1"}
    assert not obligations.previous  # nothing in grace any more
    page = " ".join(response.content.decode().split())
    assert "本年度已逾期未完成" in page and "已逾期未完成" in page
    assert f"{year}年4月 未开展主题党日" in page
    late_entry = reverse("activities:meeting_create", args=[branch.pk]) + f"?kind=theme_day&amp;date={year}-04-30"
    assert late_entry in page

    # The link opens the meeting form with the kind and a day held in that month.
    form = client.get(late_entry.replace("&amp;", "&")).context["form"]
    assert form.initial["kind"] == "theme_day"
    assert timezone.localtime(form.initial["starts_at"]).date() == datetime.date(year, 4, 30)

    on_day(datetime.date(year + 1, 2, 20))  # the year is over (and its grace window too)
    response = client.get(todo_url(branch))
    assert not [o for o in response.context["obligations"].missed if o.result.period.start.year == year]
    assert f"{year}年4月 未开展主题党日" not in response.content.decode()
