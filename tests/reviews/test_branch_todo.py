"""The branch page's to-do block (reviews:branch_todo), judged by the same engine as the month view."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import MeetingKind
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
