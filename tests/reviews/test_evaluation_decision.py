"""The 支部党员大会 that decides the 民主评议党员, and rule C6 (组织生活会 held and 民主评议 completed)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as meeting_services
from activities.models import MeetingKind
from reviews.compliance.rules import MEETING_RULES, MeetingFact, Outcome, PeriodKind, evaluate, period_containing
from reviews.evaluations import services
from reviews.evaluations.models import EvaluationStage, EvaluationStep, Grade
from reviews.models import ComplianceResult, Rule

C6 = next(rule for rule in MEETING_RULES if rule.code == "C6")
YEAR_2026 = period_containing(PeriodKind.YEAR, datetime.date(2026, 6, 1))


def test_c6_is_not_met_by_the_org_life_meeting_alone():
    facts = [MeetingFact(id=1, held_on=datetime.date(2026, 3, 1), kinds=frozenset({"org_life_meeting"}))]
    result = evaluate(C6, period=YEAR_2026, meetings=facts, today=datetime.date(2027, 2, 1))
    assert result.outcome == Outcome.MISSED
    assert "民主评议党员" in result.gap


def test_c6_is_met_with_the_org_life_meeting_and_the_evaluation_decided():
    facts = [
        MeetingFact(id=1, held_on=datetime.date(2026, 3, 1), kinds=frozenset({"org_life_meeting"})),
        MeetingFact(
            id=2, held_on=datetime.date(2026, 3, 2), kinds=frozenset({"general_meeting", "democratic_evaluation"})
        ),
    ]
    result = evaluate(C6, period=YEAR_2026, meetings=facts, today=datetime.date(2026, 12, 1))
    assert result.outcome == Outcome.MET
    assert result.meeting_ids == [1, 2]


def test_c6_is_not_met_by_the_evaluation_alone():
    facts = [MeetingFact(id=2, held_on=datetime.date(2026, 3, 2), kinds=frozenset({"democratic_evaluation"}))]
    assert evaluate(C6, period=YEAR_2026, meetings=facts, today=datetime.date(2026, 12, 1)).outcome == Outcome.DUE


def test_the_rule_rows_carry_the_new_c6_from_2026(db):
    current = Rule.objects.get(rule_set__code="beijing-2017", code="C6", effective_to__isnull=True)
    assert current.condition == "with_democratic_evaluation"
    assert current.effective_from == datetime.date(2026, 1, 1)
    assert current.previous.effective_to == datetime.date(2025, 12, 31)


def _held(branch, secretary, kind, days_ago, topic):
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    meeting = meeting_services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=kind,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="会议室",
    )
    return meeting_services.attendance_record(
        meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary
    )


def test_it_refuses_a_meeting_as_the_primary_kind_democratic_evaluation(branch, secretary):
    starts = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        meeting_services.meeting_create(
            organization=branch,
            created_by=secretary,
            kind=MeetingKind.DEMOCRATIC_EVALUATION,
            topic="评议",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )


def test_recording_the_decision_makes_c6_met(
    client, branch, secretary, member_user, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    if timezone.localdate() < datetime.date(year, 1, 10):
        pytest.skip("needs two meetings held earlier in the year")
    _held(branch, secretary, MeetingKind.ORG_LIFE_MEETING, 3, "组织生活会")
    general = _held(branch, secretary, MeetingKind.GENERAL_MEETING, 2, "审议民主评议结果")
    campaign = services.campaign_open(
        organization=branch, year=year, schedule=services.default_schedule(year=year), opened_by=secretary
    )
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == EvaluationStep.PROPOSAL:
            for member in (secretary.member, member_user.member):
                services.grade_propose(
                    campaign=campaign, member=member, grade=Grade.QUALIFIED, reason="", proposed_by=secretary
                )
        if stage.step == EvaluationStep.DECISION:
            break
        services.stage_close(stage=stage, closed_by=secretary)
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:evaluation_decision", args=[campaign.pk]), {"meeting": general.pk})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.decision_meeting_id == general.pk
    assert general.counted_kinds.filter(kind=MeetingKind.DEMOCRATIC_EVALUATION).exists()
    result = ComplianceResult.objects.get(organization=branch, rule_code="C6", period_key=str(year))
    assert result.is_met
    services.stage_close(stage=campaign.stages.get(step=EvaluationStep.DECISION), closed_by=secretary)


def test_the_decision_refuses_a_meeting_of_another_branch(
    client, branch, secretary, other_branch, other_branch_secretary
):
    year = timezone.localdate().year
    foreign = _held(other_branch, other_branch_secretary, MeetingKind.GENERAL_MEETING, 1, "外支部大会")
    campaign = services.campaign_open(
        organization=branch, year=year, schedule=services.default_schedule(year=year), opened_by=secretary
    )
    client.force_login(secretary)
    response = client.post(reverse("reviews:evaluation_decision", args=[campaign.pk]), {"meeting": foreign.pk})
    assert response.status_code == 404
    campaign.refresh_from_db()
    assert campaign.decision_meeting_id is None
    client.force_login(other_branch_secretary)
    response = client.post(reverse("reviews:evaluation_decision", args=[campaign.pk]), {"meeting": foreign.pk})
    assert response.status_code == 404


def test_the_decision_step_needs_the_meeting(branch, secretary, member_user):
    year = timezone.localdate().year
    campaign = services.campaign_open(
        organization=branch, year=year, schedule=services.default_schedule(year=year), opened_by=secretary
    )
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == EvaluationStep.PROPOSAL:
            for member in (secretary.member, member_user.member):
                services.grade_propose(
                    campaign=campaign, member=member, grade=Grade.QUALIFIED, reason="", proposed_by=secretary
                )
        if stage.step == EvaluationStep.DECISION:
            with pytest.raises(ValidationError) as error:
                services.stage_close(stage=stage, closed_by=secretary)
            assert "请先登记" in str(error.value)
            return
        services.stage_close(stage=stage, closed_by=secretary)
