"""The problem roll-ups: every change of a problem moves the rows of its organisation and every node above by the
difference, in the same transaction; the nightly rebuild recounts as of the new day ("overdue" moves with the
calendar); the maintained rows always equal a recount."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import RoleKind
from reviews.oversight import services
from reviews.oversight.models import Problem, ProblemRollup, ProblemSource
from reviews.oversight.rollups import Figures, problem_rollups_count, problem_rollups_rebuild, rollup_day
from reviews.oversight.selectors import rectification_figures
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # closing stamps the real time: the year of the roll-ups' day must be the same


def _stored() -> dict[int, Figures]:
    return {
        row.node_id: Figures(row.open, row.overdue, row.closed_this_year)
        for row in ProblemRollup.objects.all()
        if row.open or row.overdue or row.closed_this_year
    }


def _register(organization, user, *, deadline):
    return services.problem_register(
        organization=organization,
        source=ProblemSource.SELF_CHECK,
        description="三会一课记录不全",
        responsible="王书记",
        deadline=deadline,
        created_by=user,
        found_on=TODAY - datetime.timedelta(days=60),
    )


def test_the_maintained_rollups_equal_a_recount(
    city, district, committee, branch, sibling_branch, other_branch, secretary, district_officer
):
    if True:
        problem_rollups_rebuild(today=TODAY)
        late = _register(branch, secretary, deadline=TODAY - datetime.timedelta(days=3))
        soon = _register(branch, secretary, deadline=TODAY + datetime.timedelta(days=10))
        other = _register(sibling_branch, district_officer, deadline=TODAY - datetime.timedelta(days=1))
        far = _register(other_branch, district_officer, deadline=TODAY + datetime.timedelta(days=90))
        services.problem_start(problem=late, by=secretary)
        services.problem_submit(problem=late, by=secretary, measures="补录", evidence="已补录")
        services.problem_return(problem=late, by=district_officer, reason="佐证不足")
        services.problem_submit(problem=late, by=secretary, measures="补录", evidence="已补录并附记录")
        services.problem_verify(problem=late, by=district_officer)
        services.problem_submit(problem=soon, by=secretary, measures="整改", evidence="已整改")
        services.problem_verify(problem=soon, by=district_officer)
        assert rollup_day() == TODAY
        assert _stored() == problem_rollups_count(as_of=TODAY)
        assert _stored()[district.pk] == Figures(open=1, overdue=1, closed_this_year=2)
        assert _stored()[city.pk] == Figures(open=2, overdue=1, closed_this_year=2)
        assert branch.pk not in {k for k, v in _stored().items() if v.open}
        assert other.pk and far.pk


def test_the_nightly_rebuild_moves_overdue_with_the_calendar(city, branch, secretary):
    if True:
        problem_rollups_rebuild(today=TODAY)
        _register(branch, secretary, deadline=TODAY + datetime.timedelta(days=1))
        assert _stored()[branch.pk] == Figures(open=1, overdue=0)
    later = TODAY + datetime.timedelta(days=2)
    assert problem_rollups_rebuild(today=later) == len(branch.path.strip("/").split("/"))
    assert _stored()[branch.pk] == Figures(open=1, overdue=1)
    assert _stored()[city.pk] == Figures(open=1, overdue=1)
    assert rollup_day() == later
    # A second run of the night changes nothing.
    problem_rollups_rebuild(today=later)
    assert _stored() == problem_rollups_count(as_of=later)


def test_a_change_before_the_nights_rebuild_is_judged_as_of_the_rollups_day(branch, secretary, district_officer):
    """Between midnight and the rebuild the rows are still those of yesterday; a change keeps them consistent."""
    yesterday = TODAY - datetime.timedelta(days=1)
    problem_rollups_rebuild(today=yesterday)
    problem = _register(branch, secretary, deadline=yesterday)  # overdue today, not as of the rows' day
    other = _register(branch, secretary, deadline=yesterday)
    assert _stored()[branch.pk] == Figures(open=2, overdue=0)
    services.problem_submit(problem=problem, by=secretary, measures="整改", evidence="已整改")
    services.problem_verify(problem=problem, by=district_officer)
    assert _stored() == problem_rollups_count(as_of=yesterday)
    problem_rollups_rebuild(today=TODAY)
    assert _stored()[branch.pk].overdue == 1
    assert other.pk


def test_a_failed_change_moves_no_rollup(branch, secretary):
    problem = _register(branch, secretary, deadline=TODAY + datetime.timedelta(days=5))
    before = _stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.problem_submit(problem=problem, by=secretary, measures="整改", evidence="已整改")
        raise RuntimeError
    assert _stored() == before


def test_the_beat_rebuilds_the_problem_rollups_nightly():
    from django.conf import settings

    from reviews.tasks import problem_rollups_rebuild as task

    entry = settings.CELERY_BEAT_SCHEDULE["reviews-problem-rollups"]
    assert entry["task"] == "reviews.tasks.problem_rollups_rebuild"
    assert task.apply(kwargs={"today": "2027-02-01"}).get() == 0


# The 整改 card and column of the compliance dashboard ------------------------------------------------------------


def _dashboard(client, user, organization):
    client.force_login(user)
    return client.get(reverse("reviews:dashboard", args=[organization.pk]))


def test_the_dashboard_shows_the_rectification_card_and_column_from_the_rollups(
    client, district, committee, branch, secretary, district_officer
):
    from reviews.compliance.services import compliance_recompute

    compliance_recompute(year=TODAY.year, today=TODAY)
    _register(branch, secretary, deadline=TODAY - datetime.timedelta(days=2))
    _register(branch, secretary, deadline=TODAY + datetime.timedelta(days=20))
    done = _register(branch, secretary, deadline=TODAY + datetime.timedelta(days=20))
    services.problem_submit(problem=done, by=secretary, measures="整改", evidence="已整改")
    services.problem_verify(problem=done, by=district_officer)
    response = _dashboard(client, district_officer, district)
    assert response.status_code == 200
    rectification = response.context["rectification"]
    assert rectification.node == Figures(open=2, overdue=1, closed_this_year=1)
    assert rectification.of(committee.pk) == Figures(open=2, overdue=1, closed_this_year=1)
    html = response.content.decode()
    assert "整改：未销号问题" in html and "逾期 1，本年已销号 1" in html
    assert 'class="text-end text-nowrap rectification-cell">2<span class="d-block small text-danger">逾期 1' in html
    # Read from the roll-ups: a problem row written behind the services' back does not show.
    Problem.objects.filter(pk=done.pk).update(state="open", closed_at=None)
    assert _dashboard(client, district_officer, district).context["rectification"].node.open == 2


def test_the_rectification_figures_cost_one_query_whatever_the_subtree(district, committee, secretary, branch):
    from tests.branches.test_query_budgets import bulk_branches

    few = rectification_figures(node=committee, child_ids=[branch.pk])
    many = bulk_branches(committee, 30, members_each=0)
    for other in many[:10]:
        _register(other, secretary, deadline=TODAY - datetime.timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        figures = rectification_figures(node=committee, child_ids=[branch.pk, *(b.pk for b in many)])
    assert len(captured) == 1
    assert figures.node == Figures(open=10, overdue=10) and few.node == Figures()
    assert sum(f.open for f in figures.by_child.values()) == 10


# The weekly digest of overdue problems ---------------------------------------------------------------------------


def test_the_weekly_digest_goes_once_a_week_to_the_parents_officers(
    committee, branch, sibling_branch, secretary, district_officer
):
    from notifications.models import Notification
    from reviews.oversight.reminders import problem_overdue_digests_send

    officer = UserFactory(username="committee-officer")
    give_role(officer, committee, RoleKind.OFFICER)
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    _register(branch, secretary, deadline=monday - datetime.timedelta(days=3))
    _register(branch, secretary, deadline=monday - datetime.timedelta(days=9))
    _register(sibling_branch, secretary, deadline=monday - datetime.timedelta(days=1))
    _register(sibling_branch, secretary, deadline=monday + datetime.timedelta(days=5))  # not overdue
    closed = _register(sibling_branch, secretary, deadline=monday - datetime.timedelta(days=20))
    services.problem_submit(problem=closed, by=secretary, measures="整改", evidence="已整改")
    services.problem_verify(problem=closed, by=district_officer)
    assert problem_overdue_digests_send(today=monday) == 1
    assert problem_overdue_digests_send(today=monday + datetime.timedelta(days=3)) == 0  # same week
    digest = Notification.objects.get(recipient=officer)
    assert digest.title == "本周下级逾期未销号的整改问题：3个"
    assert f"{branch.name}：2个，最早时限{(monday - datetime.timedelta(days=9)).isoformat()}" in digest.body
    assert f"{sibling_branch.name}：1个" in digest.body
    assert digest.url == reverse("reviews:problem_ledger", args=[committee.pk])
    # The branch's own secretary gets no digest: it goes to the parent; the district is not the parent.
    assert not Notification.objects.exclude(recipient=officer).exists()
    assert problem_overdue_digests_send(today=monday + datetime.timedelta(days=7)) == 1


def test_the_beat_sends_the_overdue_digests_weekly():
    from django.conf import settings

    from reviews.tasks import problem_overdue_digests_send as task

    entry = settings.CELERY_BEAT_SCHEDULE["reviews-problem-overdue-digests"]
    assert entry["task"] == "reviews.tasks.problem_overdue_digests_send"
    assert entry["schedule"].day_of_week == {1}
    assert task.apply(kwargs={"today": "2027-02-01"}).get() == 0
