"""民主评议党员: the campaign and its steps, the 个人自评, the secret 党员互评."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from branches.models import RoleKind
from reviews.evaluations import selectors, services
from reviews.evaluations.models import (
    ApprovalStatus,
    BallotReceipt,
    EvaluationCampaign,
    EvaluationStage,
    EvaluationStep,
    Grade,
    GradeProposal,
    MutualBallot,
    SelfEvaluation,
)
from tests.factories import MemberFactory, UserFactory, give_role

YEAR = 2026


@pytest.fixture
def campaign(branch, secretary):
    return services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )


def _close_until(campaign, step, user):
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == step:
            return stage
        if not stage.is_closed:
            services.stage_close(stage=stage, closed_by=user)
    raise AssertionError(step)


def _close(campaign, step, user):
    stage = _close_until(campaign, step, user)
    return services.stage_close(stage=stage, closed_by=user)


def _open_post_data(year=YEAR):
    data = {"year": year}
    for step, (starts_on, ends_on) in services.default_schedule(year=year).items():
        data[f"{step}_starts_on"] = starts_on.isoformat()
        data[f"{step}_ends_on"] = ends_on.isoformat()
    return data


# The campaign ---------------------------------------------------------------------------------------------------


def test_it_opens_a_campaign_with_every_step_in_order(client, branch, secretary):
    client.force_login(secretary)
    response = client.post(reverse("reviews:evaluation_list", args=[branch.pk]), _open_post_data())
    campaign = EvaluationCampaign.objects.get(organization=branch, year=YEAR)
    assert response.status_code == 302
    assert response.url == campaign.get_absolute_url()
    steps = list(campaign.stages.order_by("position").values_list("step", flat=True))
    assert steps == list(EvaluationStep.values)


def test_it_refuses_a_second_campaign_for_the_same_year(branch, secretary, campaign):
    with pytest.raises(ValidationError) as error:
        services.campaign_open(
            organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
        )
    assert "已经发起" in str(error.value)


def test_it_shows_a_chinese_error_for_steps_out_of_order(client, branch, secretary):
    client.force_login(secretary)
    data = _open_post_data()
    data["mutual_starts_on"] = "2026-12-01"
    data["mutual_ends_on"] = "2026-11-01"
    response = client.post(reverse("reviews:evaluation_list", args=[branch.pk]), data)
    assert response.status_code == 200
    assert "截止日期不能早于开始日期。" in response.content.decode()
    assert not EvaluationCampaign.objects.exists()


def test_it_forbids_a_plain_member_to_open_a_campaign(client, branch, member_user):
    client.force_login(member_user)
    response = client.post(reverse("reviews:evaluation_list", args=[branch.pk]), _open_post_data())
    assert response.status_code == 403
    assert not EvaluationCampaign.objects.exists()


def test_it_closes_steps_in_order_only(campaign, secretary):
    preparation, talks = campaign.stages.order_by("position")[:2]
    with pytest.raises(ValidationError) as error:
        services.stage_close(stage=talks, closed_by=secretary)
    assert "请先完成前面的步骤" in str(error.value)
    services.stage_close(stage=preparation, closed_by=secretary, today=datetime.date(2026, 12, 10))
    preparation.refresh_from_db()
    assert preparation.closed_on == datetime.date(2026, 12, 10)
    with pytest.raises(ValidationError):
        services.stage_close(stage=preparation, closed_by=secretary)


def test_it_shows_where_the_branch_is_and_the_talk_coverage(client, campaign, secretary, member_user):
    _close(campaign, EvaluationStep.PREPARATION, secretary)
    client.force_login(secretary)
    response = client.get(campaign.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "当前步骤：谈心谈话" in html
    assert "谈心谈话覆盖（C11）：0/1 对" in html  # the secretary (committee) with the one other member
    assert "李党员" in html


def test_it_closes_a_step_through_the_page(client, campaign, secretary):
    client.force_login(secretary)
    response = client.post(reverse("reviews:evaluation_stage_close", args=[campaign.pk, "preparation"]))
    assert response.status_code == 302
    assert campaign.stages.get(step="preparation").is_closed


def test_it_keeps_a_member_from_closing_a_step(client, campaign, member_user):
    client.force_login(member_user)
    response = client.post(reverse("reviews:evaluation_stage_close", args=[campaign.pk, "preparation"]))
    assert response.status_code == 403
    assert not campaign.stages.get(step="preparation").is_closed


def test_it_answers_404_outside_the_scope_for_get_and_post(client, campaign, other_branch_secretary, branch):
    client.force_login(other_branch_secretary)
    for url in (
        reverse("reviews:evaluation_list", args=[branch.pk]),
        campaign.get_absolute_url(),
        reverse("reviews:evaluation_self", args=[campaign.pk]),
        reverse("reviews:evaluation_ballots", args=[campaign.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("reviews:evaluation_list", args=[branch.pk]), _open_post_data()).status_code == 404
    close = reverse("reviews:evaluation_stage_close", args=[campaign.pk, "preparation"])
    assert client.post(close).status_code == 404
    assert not campaign.stages.get(step="preparation").is_closed


def test_it_refuses_foreign_member_ids_in_a_ballot(client, campaign, secretary, member_user, other_branch):
    foreigner = MemberFactory(organization=other_branch, name="外支部党员")
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    client.force_login(member_user)
    own = selectors.ballot_page(campaign=campaign, voter=member_user.member).subjects
    data = {f"grade_{m.pk}": Grade.QUALIFIED for m in own}
    data[f"grade_{foreigner.pk}"] = Grade.UNQUALIFIED
    response = client.post(reverse("reviews:evaluation_ballots", args=[campaign.pk]), data)
    assert response.status_code == 302
    assert not MutualBallot.objects.filter(subject=foreigner).exists()
    assert MutualBallot.objects.count() == len(own)


def test_it_lets_an_officer_above_see_the_campaign(client, campaign, district_officer):
    client.force_login(district_officer)
    assert client.get(campaign.get_absolute_url()).status_code == 200


def test_the_campaign_page_query_count_does_not_grow_with_the_branch(
    client, campaign, secretary, branch, django_assert_max_num_queries
):
    client.force_login(secretary)
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    client.get(campaign.get_absolute_url())
    with django_assert_max_num_queries(12) as small:
        client.get(campaign.get_absolute_url())
    MemberFactory.create_batch(198, organization=branch)  # 200 with the secretary and the member
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    assert response.context["page"].member_count == 199


# 个人自评 -----------------------------------------------------------------------------------------------------


def test_it_saves_the_self_evaluation_and_shows_the_evidence(client, campaign, member_user):
    client.force_login(member_user)
    url = reverse("reviews:evaluation_self", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "出席 0/0 次" in response.content.decode()
    response = client.post(url, {"political": "坚定理想信念。", "discipline": "", "character": "", "contribution": ""})
    assert response.status_code == 302
    assert SelfEvaluation.objects.get(member=member_user.member).political == "坚定理想信念。"
    assert "个人自评：1/2 人已填写" in client.get(campaign.get_absolute_url()).content.decode()


def test_it_asks_for_at_least_one_dimension(client, campaign, member_user):
    client.force_login(member_user)
    url = reverse("reviews:evaluation_self", args=[campaign.pk])
    response = client.post(url, {"political": " ", "discipline": "", "character": "", "contribution": ""})
    assert "请至少填写一个方面的自评内容。" in response.content.decode()


def test_it_locks_the_self_evaluation_once_its_step_is_closed(campaign, secretary, member_user):
    _close(campaign, EvaluationStep.SELF_EVALUATION, secretary)
    with pytest.raises(ValidationError) as error:
        services.self_evaluation_save(
            campaign=campaign, member=member_user.member, political="x", discipline="", character="", contribution=""
        )
    assert "已经结束" in str(error.value)


def test_the_self_evaluation_page_query_count_does_not_grow_with_the_branch(
    client, campaign, member_user, branch, django_assert_max_num_queries
):
    client.force_login(member_user)
    url = reverse("reviews:evaluation_self", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    MemberFactory.create_batch(198, organization=branch)  # 200 with the secretary and the member
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_it_shows_no_self_evaluation_page_to_a_member_of_another_branch(client, campaign, other_branch):
    user = UserFactory(username="outsider")
    MemberFactory(organization=other_branch, name="外人", user=user)
    client.force_login(user)
    response = client.post(
        reverse("reviews:evaluation_self", args=[campaign.pk]),
        {"political": "x", "discipline": "", "character": "", "contribution": ""},
    )
    assert response.status_code == 404
    assert not SelfEvaluation.objects.exists()


# 党员互评 -----------------------------------------------------------------------------------------------------


def _grades(campaign, voter, grade=Grade.QUALIFIED):
    subjects = selectors.ballot_page(campaign=campaign, voter=voter).subjects
    return {member.pk: (grade, "") for member in subjects}


def test_it_stores_ballots_without_the_voter_and_refuses_a_second_vote(campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    voter = member_user.member
    assert services.ballots_cast(campaign=campaign, voter=voter, grades=_grades(campaign, voter)) == 1
    assert BallotReceipt.objects.filter(campaign=campaign, member=voter).exists()
    with pytest.raises(ValidationError) as error:
        services.ballots_cast(campaign=campaign, voter=voter, grades=_grades(campaign, voter))
    assert "只能投一次" in str(error.value)
    assert MutualBallot.objects.count() == 1


def test_it_refuses_ballots_once_the_step_is_closed(campaign, secretary, member_user):
    _close(campaign, EvaluationStep.MUTUAL, secretary)
    voter = member_user.member
    with pytest.raises(ValidationError) as error:
        services.ballots_cast(campaign=campaign, voter=voter, grades=_grades(campaign, voter))
    assert "已经结束" in str(error.value)


def test_it_asks_for_a_grade_for_every_member(client, campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    client.force_login(member_user)
    response = client.post(reverse("reviews:evaluation_ballots", args=[campaign.pk]), {})
    assert "请为王书记选择评议等次。" in response.content.decode()
    assert not BallotReceipt.objects.exists()


def test_it_shows_tallies_only_once_the_step_is_closed_and_only_to_the_committee(
    client, campaign, secretary, member_user
):
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    services.ballots_cast(
        campaign=campaign,
        voter=member_user.member,
        grades={secretary.member.pk: (Grade.EXCELLENT, "带头学习")},
    )
    client.force_login(secretary)
    assert "带头学习" not in client.get(campaign.get_absolute_url()).content.decode()
    _close(campaign, EvaluationStep.MUTUAL, secretary)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "党员互评结果" in html and "带头学习" in html
    client.force_login(member_user)
    assert "带头学习" not in client.get(campaign.get_absolute_url()).content.decode()


def test_a_committee_member_sees_the_tallies(client, campaign, secretary, branch):
    user = UserFactory(username="weiyuan")
    give_role(user, branch, RoleKind.COMMITTEE_MEMBER)
    _close(campaign, EvaluationStep.MUTUAL, secretary)
    client.force_login(user)
    assert "党员互评结果" in client.get(campaign.get_absolute_url()).content.decode()


def test_the_ballots_of_a_200_member_branch_save_in_five_statements(
    campaign, secretary, branch, django_assert_max_num_queries
):
    MemberFactory.create_batch(199, organization=branch)  # with the secretary: 200
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    voter = secretary.member
    grades = _grades(campaign, voter)
    assert len(grades) == 199
    with django_assert_max_num_queries(5):
        services.ballots_cast(campaign=campaign, voter=voter, grades=grades)
    assert MutualBallot.objects.count() == 199


def test_ballots_cannot_be_traced_to_voters(campaign, secretary, branch):
    """No column of a ballot names the voter or a time, keys are random, the rows' order after the step closes
    does not follow the voting order, and the receipts carry nothing but who voted."""
    voters = [secretary.member, *MemberFactory.create_batch(5, organization=branch)]
    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    ballot_columns = {
        column.name
        for column in connection.introspection.get_table_description(connection.cursor(), MutualBallot._meta.db_table)
    }
    assert ballot_columns == {"id", "campaign_id", "subject_id", "grade", "comment"}
    receipt_columns = {
        column.name
        for column in connection.introspection.get_table_description(connection.cursor(), BallotReceipt._meta.db_table)
    }
    assert receipt_columns == {"id", "campaign_id", "member_id"}
    # Each voter gives a grade that identifies them, so the test can tell whose ballot is where.
    marks = {}
    for index, voter in enumerate(voters):
        comment = f"voter-{index}"
        marks[comment] = index
        grades = {pk: (Grade.QUALIFIED, comment) for pk in _grades(campaign, voter)}
        services.ballots_cast(campaign=campaign, voter=voter, grades=grades)
    _close(campaign, EvaluationStep.MUTUAL, secretary)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT comment FROM {MutualBallot._meta.db_table}")  # noqa: S608 - the model's own table
        physical = [marks[row[0]] for row in cursor.fetchall()]
    assert len(physical) == 30
    # In voting order the rows would be six runs of five; after the reshuffle they are not.
    assert physical != sorted(physical)
    by_key = [marks[c] for c in MutualBallot.objects.order_by("id").values_list("comment", flat=True)]
    assert by_key != sorted(by_key)


# 支委会 proposes, the parent committee approves ---------------------------------------------------------------


def test_it_needs_a_reason_for_an_unqualified_proposal(campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    with pytest.raises(ValidationError) as error:
        services.grade_propose(
            campaign=campaign, member=member_user.member, grade=Grade.UNQUALIFIED, reason="", proposed_by=secretary
        )
    assert "须写明理由" in str(error.value)


def test_an_unqualified_grade_waits_for_the_parent_committee(
    client, campaign, secretary, member_user, district_officer, committee
):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_grades", args=[campaign.pk])
    for member, grade, reason in (
        (secretary.member, Grade.QUALIFIED, ""),
        (member_user.member, Grade.UNQUALIFIED, "全年无正当理由未参加组织生活，经批评教育仍不改正。"),
    ):
        response = client.post(url, {"member": member.pk, "grade": grade, "reason": reason})
        assert response.status_code == 302
    _close(campaign, EvaluationStep.PROPOSAL, secretary)
    with pytest.raises(ValidationError) as error:
        _close(campaign, EvaluationStep.DECISION, secretary)
    assert "未经上级党组织同意" in str(error.value)

    client.force_login(district_officer)
    cases_url = reverse("reviews:evaluation_cases", args=[committee.pk])
    assert "全年无正当理由" in client.get(cases_url).content.decode()
    proposal = GradeProposal.objects.get(member=member_user.member)
    review = reverse("reviews:evaluation_case_review", args=[proposal.pk])
    client.post(review, {"decision": "return", "reason": ""})
    proposal.refresh_from_db()
    assert proposal.status == ApprovalStatus.PENDING  # a return needs a reason
    client.post(review, {"decision": "approve", "reason": "同意"})
    proposal.refresh_from_db()
    assert proposal.status == ApprovalStatus.APPROVED and proposal.stands
    with pytest.raises(ValidationError) as error:  # now only the 党员大会 is missing
        _close(campaign, EvaluationStep.DECISION, secretary)
    assert "请先登记" in str(error.value)


def test_the_branch_secretary_cannot_approve_their_own_case(client, campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    proposal = services.grade_propose(
        campaign=campaign,
        member=member_user.member,
        grade=Grade.UNQUALIFIED,
        reason="全年无正当理由未参加组织生活，经批评教育仍不改正。",
        proposed_by=secretary,
    )
    client.force_login(secretary)
    response = client.post(reverse("reviews:evaluation_case_review", args=[proposal.pk]), {"decision": "approve"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ApprovalStatus.PENDING


def test_grades_answer_404_outside_the_scope_and_for_foreign_members(
    client, campaign, secretary, member_user, other_branch_secretary, other_branch
):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    proposal = services.grade_propose(
        campaign=campaign, member=member_user.member, grade=Grade.QUALIFIED, reason="", proposed_by=secretary
    )
    client.force_login(other_branch_secretary)
    url = reverse("reviews:evaluation_grades", args=[campaign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"member": member_user.member.pk, "grade": Grade.EXCELLENT}).status_code == 404
    review = reverse("reviews:evaluation_case_review", args=[proposal.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 404
    # The branch's own secretary naming a member of another branch in the body.
    foreigner = MemberFactory(organization=other_branch, name="外支部党员")
    client.force_login(secretary)
    assert client.post(url, {"member": foreigner.pk, "grade": Grade.EXCELLENT}).status_code == 404
    assert not GradeProposal.objects.filter(member=foreigner).exists()
    proposal.refresh_from_db()
    assert proposal.grade == Grade.QUALIFIED


def test_the_grades_page_query_count_does_not_grow_with_the_branch(
    client, campaign, secretary, branch, django_assert_max_num_queries
):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_grades", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    MemberFactory.create_batch(30, organization=branch)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_evidence_is_the_members_year_from_the_portal(branch, secretary, member_user):
    from django.utils import timezone

    from activities.meetings import services as meeting_services
    from activities.meetings.services import AttendanceEntry
    from activities.models import AttendanceStatus, MeetingKind
    from activities.talks.services import heart_talk_record

    today = timezone.localdate()
    if today < datetime.date(today.year, 1, 6):
        pytest.skip("needs meetings held earlier in the same year")
    member = member_user.member
    for days, kind, status in (
        (4, MeetingKind.THEME_DAY, AttendanceStatus.PRESENT),
        (3, MeetingKind.PARTY_LECTURE, AttendanceStatus.LEAVE),
    ):
        starts = timezone.now() - datetime.timedelta(days=days)
        meeting = meeting_services.meeting_create(
            organization=branch,
            created_by=secretary,
            kind=kind,
            topic=f"会议{days}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            location="会议室",
        )
        entries = {} if status == AttendanceStatus.PRESENT else {member.pk: AttendanceEntry(status, "出差")}
        meeting_services.attendance_record(
            meeting=meeting, version=meeting.version, entries=entries, recorded_by=secretary
        )
    heart_talk_record(
        organization=branch,
        initiator=secretary.member,
        counterpart=member,
        held_on=today - datetime.timedelta(days=1),
        summary="交流思想",
        recorded_by=secretary,
    )
    evidence = selectors.member_evidence(member=member, year=today.year, today=today)
    assert (evidence.attendance.expected, evidence.attendance.present, evidence.attendance.leave) == (2, 1, 1)
    assert (evidence.makeup_open, evidence.makeup_done) == (1, 0)
    assert evidence.talks == 1
    assert evidence.required_hours == 32
    assert evidence.commitment is None and evidence.pioneer_posts == []
    assert selectors.member_evidence(member=secretary.member, year=today.year, today=today).required_hours == 56


def test_it_reminds_those_who_have_not_voted_once_a_day(client, campaign, secretary, member_user):
    from notifications.models import Notification

    _close_until(campaign, EvaluationStep.MUTUAL, secretary)
    services.ballots_cast(campaign=campaign, voter=secretary.member, grades=_grades(campaign, secretary.member))
    client.force_login(secretary)
    url = reverse("reviews:evaluation_remind", args=[campaign.pk, "mutual"])
    assert client.post(url).status_code == 302
    client.post(url)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["member"]
    client.force_login(member_user)
    assert client.post(url).status_code == 403


def test_reminders_answer_404_outside_the_scope(client, campaign, other_branch_secretary):
    client.force_login(other_branch_secretary)
    url = reverse("reviews:evaluation_remind", args=[campaign.pk, "self_evaluation"])
    assert client.post(url).status_code == 404
