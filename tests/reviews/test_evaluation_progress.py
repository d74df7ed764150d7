"""民主评议 results: the member page's grades, the officers' 评议进度 of a subtree and its xlsx export."""

import io

import openpyxl
import pytest
from django.urls import reverse

from reviews.evaluations import services
from reviews.evaluations.models import EvaluationStage, EvaluationStep, GradeProposal
from tests.factories import BranchFactory, MemberFactory

YEAR = 2026


def _decide(campaign, secretary, grades):
    """Run the campaign through the 党员大会 decision with the given grades (member → grade), closing the
    decision step directly (the meeting is tested in test_evaluation_decision)."""
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == EvaluationStep.PROPOSAL:
            for member, grade in grades.items():
                services.grade_propose(campaign=campaign, member=member, grade=grade, reason="", proposed_by=secretary)
        if stage.step == EvaluationStep.DECISION:
            EvaluationStage.objects.filter(pk=stage.pk).update(closed_on=stage.ends_on, closed_by=secretary)
            return
        services.stage_close(stage=stage, closed_by=secretary)


@pytest.fixture
def decided(branch, secretary, member_user):
    campaign = services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )
    _decide(campaign, secretary, {secretary.member: "excellent", member_user.member: "qualified"})
    return campaign


def test_the_member_sees_their_grade_on_their_page(client, decided, member_user):
    client.force_login(member_user)
    html = client.get(member_user.member.get_absolute_url()).content.decode()
    assert "民主评议等次" in html and "2026年度" in html and "合格" in html


def test_the_grade_is_not_shown_before_the_decision(client, branch, secretary, member_user):
    campaign = services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == EvaluationStep.PROPOSAL:
            break
        services.stage_close(stage=stage, closed_by=secretary)
    services.grade_propose(
        campaign=campaign, member=member_user.member, grade="excellent", reason="", proposed_by=secretary
    )
    client.force_login(member_user)
    assert "民主评议等次" not in client.get(member_user.member.get_absolute_url()).content.decode()


def test_an_officer_sees_the_progress_of_the_subtree(client, decided, district_officer, district, committee):
    BranchFactory(name="第三党支部", code="BJ-DC-EDU-03", parent=committee)
    client.force_login(district_officer)
    response = client.get(reverse("reviews:evaluation_progress", args=[district.pk]), {"year": YEAR})
    assert response.status_code == 200
    progress = response.context["progress"]
    assert (progress.total.branches, progress.total.decided, progress.total.not_started) == (2, 1, 1)
    assert progress.total.grades == {"excellent": 1, "qualified": 1}
    assert [row.organization for row in progress.rows] == [committee]


def test_the_progress_export_is_an_xlsx_of_the_same_table(client, decided, district_officer, district):
    client.force_login(district_officer)
    response = client.get(reverse("reviews:evaluation_progress_export", args=[district.pk]), {"year": YEAR})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any(row[0] == "东城区教育系统党委" and row[1] == 1 and row[4] == 1 for row in values)
    assert any(row[0] == "合计" for row in values)


def test_the_progress_answers_404_outside_the_scope(client, decided, other_branch_secretary, district):
    client.force_login(other_branch_secretary)
    assert client.get(reverse("reviews:evaluation_progress", args=[district.pk])).status_code == 404
    assert client.get(reverse("reviews:evaluation_progress_export", args=[district.pk])).status_code == 404
    assert client.get(reverse("reviews:evaluation_cases", args=[district.pk])).status_code == 404


def test_the_progress_query_count_does_not_grow_with_the_subtree(
    client, decided, district_officer, district, committee, secretary, django_assert_max_num_queries
):
    client.force_login(district_officer)
    url = reverse("reviews:evaluation_progress", args=[district.pk])
    client.get(url, {"year": YEAR})
    with django_assert_max_num_queries(15) as small:
        client.get(url, {"year": YEAR})
    for index in range(12):
        other = BranchFactory(name=f"支部{index}", code=f"BJ-DC-EDU-X{index}", parent=committee)
        member = MemberFactory(organization=other, name=f"党员{index}")
        campaign = services.campaign_open(
            organization=other, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
        )
        if index % 2:
            _decide(campaign, secretary, {member: "qualified"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"year": YEAR})
    assert response.context["progress"].total.branches == 13
    assert GradeProposal.objects.count() == 2 + 6
