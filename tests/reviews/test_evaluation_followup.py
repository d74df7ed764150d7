"""民主评议党员, after the ballots: 征求意见 and the problems found, the administrators' grade settings with the cap on
优秀, 预备党员 evaluated separately, dispositions of 基本合格/不合格 and corrections after the 党员大会 decided."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import MembershipType, MemberStatus, RoleKind
from reviews.evaluations import services
from reviews.evaluations.models import (
    ApprovalStatus,
    Disposition,
    DispositionKind,
    EvaluationProblem,
    EvaluationStage,
    EvaluationStep,
    Grade,
    GradeAmendment,
    GradePolicy,
    GradeProposal,
    Opinion,
    OpinionSource,
    ProbationOutcome,
)
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

YEAR = 2026
ONE_DAY = datetime.timedelta(days=1)
REASON = "全年无正当理由未参加组织生活，经批评教育仍不改正。"


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


def _decide(campaign, secretary, grades):
    """Propose the grades (member → grade or ProbationOutcome), approve the careful ones as the district would,
    and close the decision step directly (the meeting is tested in test_evaluation_decision)."""
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    for member, grade in grades.items():
        outcome = grade if grade in ProbationOutcome.values else ""
        services.grade_propose(
            campaign=campaign,
            member=member,
            grade="" if outcome else grade,
            probation_outcome=outcome,
            reason=REASON,
            proposed_by=secretary,
        )
    GradeProposal.objects.filter(campaign=campaign, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.APPROVED
    )
    stage = _close_until(campaign, EvaluationStep.DECISION, secretary)
    EvaluationStage.objects.filter(pk=stage.pk).update(closed_on=stage.ends_on, closed_by=secretary)


# 征求意见 ---------------------------------------------------------------------------------------------------------


def test_a_member_gives_opinions_and_the_secretary_sees_them_with_the_masses(client, campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.OPINIONS, secretary)
    url = reverse("reviews:evaluation_opinions", args=[campaign.pk])
    client.force_login(member_user)
    assert client.post(url, {"action": "opinion", "text": " "}).status_code == 200
    assert not Opinion.objects.exists()
    response = client.post(url, {"action": "opinion", "text": "建议支部组织生活多结合业务工作。"})
    assert response.status_code == 302
    # A member may not enter the masses' opinions.
    assert client.post(url, {"action": "masses", "masses-text": "x", "masses-count": 3}).status_code == 403
    client.force_login(secretary)
    response = client.post(url, {"action": "masses", "masses-text": "希望党员在社区服务中更主动。", "masses-count": 7})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "建议支部组织生活多结合业务工作。" in html and "7人提出" in html
    masses = Opinion.objects.get(source=OpinionSource.MASSES)
    assert masses.count == 7 and masses.author is None
    # Another member sees only their own opinions, not the first member's.
    other = UserFactory(username="another")
    MemberFactory(organization=campaign.organization, name="另一党员", user=other)
    client.force_login(other)
    assert "建议支部组织生活多结合业务工作。" not in client.get(url).content.decode()


def test_opinions_lock_once_their_step_is_closed(campaign, secretary, member_user):
    stage = _close_until(campaign, EvaluationStep.OPINIONS, secretary)
    services.stage_close(stage=stage, closed_by=secretary)
    with pytest.raises(ValidationError) as error:
        services.opinion_submit(campaign=campaign, member=member_user.member, text="意见", user=member_user)
    assert "已经结束" in str(error.value)
    with pytest.raises(ValidationError):
        services.masses_opinion_enter(campaign=campaign, text="意见", count=2, entered_by=secretary)


def test_the_secretary_enters_a_problem_once_with_its_measures(client, campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.OPINIONS, secretary)
    opinion = services.masses_opinion_enter(campaign=campaign, text="党员联系群众不够。", count=4, entered_by=secretary)
    url = reverse("reviews:evaluation_opinions", args=[campaign.pk])
    client.force_login(secretary)
    deadline = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    data = {
        "action": "problem",
        "problem-source": OpinionSource.MASSES,
        "problem-description": "党员联系服务群众不经常。",
        "problem-member": member_user.member.pk,
        "problem-opinion": opinion.pk,
        "problem-responsible": "王书记",
        "problem-measures": "每名党员每季度走访联系户一次。",
        "problem-deadline": deadline,
    }
    response = client.post(url, {**data, "problem-deadline": "2020-01-01"})
    assert "整改时限不能早于今天。" in response.content.decode()
    assert client.post(url, data).status_code == 302
    problem = EvaluationProblem.objects.get()
    assert (problem.member, problem.opinion, problem.source) == (member_user.member, opinion, OpinionSource.MASSES)
    assert "每名党员每季度走访联系户一次。" in client.get(url).content.decode()


def test_opinions_answer_404_outside_the_scope_and_for_foreign_ids(
    client, campaign, secretary, other_branch_secretary, other_branch
):
    _close_until(campaign, EvaluationStep.OPINIONS, secretary)
    url = reverse("reviews:evaluation_opinions", args=[campaign.pk])
    client.force_login(other_branch_secretary)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "masses", "masses-text": "外部", "masses-count": 1}).status_code == 404
    assert not Opinion.objects.exists()
    # The branch's own secretary naming a member (or an opinion) of another branch in the body.
    foreigner = MemberFactory(organization=other_branch, name="外支部党员")
    other_campaign = services.campaign_open(
        organization=other_branch,
        year=YEAR,
        schedule=services.default_schedule(year=YEAR),
        opened_by=other_branch_secretary,
    )
    _close_until(other_campaign, EvaluationStep.OPINIONS, other_branch_secretary)
    foreign_opinion = services.masses_opinion_enter(
        campaign=other_campaign, text="外部意见", count=1, entered_by=other_branch_secretary
    )
    client.force_login(secretary)
    base = {
        "action": "problem",
        "problem-source": OpinionSource.SELF_CHECK,
        "problem-description": "问题",
        "problem-responsible": "王书记",
        "problem-measures": "措施",
        "problem-deadline": (timezone.localdate() + ONE_DAY).isoformat(),
    }
    assert client.post(url, {**base, "problem-member": foreigner.pk}).status_code == 404
    assert client.post(url, {**base, "problem-opinion": foreign_opinion.pk}).status_code == 404
    assert not EvaluationProblem.objects.exists()


# The administrators' settings and the cap on 优秀 -------------------------------------------------------------------


def test_the_cap_on_excellent_is_shown_and_enforced_at_the_proposal(client, branch, secretary, member_user):
    GradePolicy.objects.create(effective_from=datetime.date(2017, 1, 1), grades=list(Grade.values), excellent_cap=50)
    campaign = services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_grades", args=[campaign.pk])
    assert "优秀比例上限 50%：本支部最多 1 名，已提出 0 名。" in client.get(url).content.decode()
    assert client.post(url, {"member": secretary.member.pk, "grade": Grade.EXCELLENT}).status_code == 302
    response = client.post(url, {"member": member_user.member.pk, "grade": Grade.EXCELLENT})
    assert "评为优秀的党员不能超过本支部党员的50%（2名党员中最多1名），已经提出1名" in response.content.decode()
    assert GradeProposal.objects.filter(grade=Grade.EXCELLENT).count() == 1
    # Changing the same member's grade again does not count them twice.
    assert client.post(url, {"member": secretary.member.pk, "grade": Grade.EXCELLENT}).status_code == 302


def test_a_campaign_keeps_the_settings_in_force_when_it_opened(branch, secretary):
    today = timezone.localdate()
    old = GradePolicy.objects.create(effective_from=datetime.date(2017, 1, 1), grades=["qualified", "unqualified"])
    campaign = services.campaign_open(
        organization=branch, year=YEAR, schedule=services.default_schedule(year=YEAR), opened_by=secretary
    )
    GradePolicy.objects.create(effective_from=today + ONE_DAY, grades=list(Grade.values), excellent_cap=20)
    campaign.refresh_from_db()
    assert campaign.policy == old
    assert [code for code, _label in campaign.scale] == ["qualified", "unqualified"]
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    with pytest.raises(ValidationError) as error:
        services.grade_propose(
            campaign=campaign, member=secretary.member, grade=Grade.EXCELLENT, reason="", proposed_by=secretary
        )
    assert "评议等次无效" in str(error.value)


@pytest.fixture
def city_admin(city):
    user = UserFactory(username="city_admin", is_staff=True)
    give_role(user, city, RoleKind.ADMINISTRATOR)
    codenames = [f"{action}_gradepolicy" for action in ("view", "add", "change", "delete")]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reviews", codename__in=codenames))
    enrol_totp(user)
    return user


def _policy_data(**changes):
    data = {
        "effective_from": (timezone.localdate() + ONE_DAY).isoformat(),
        "grades": ["excellent", "qualified", "unqualified"],
        "excellent_cap": "15",
        "note": "",
    }
    data.update(changes)
    return data


def test_the_administrator_adds_a_version_from_a_later_date_only(client, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:reviews_gradepolicy_add")
    response = client.post(url, _policy_data(effective_from=timezone.localdate().isoformat()))
    assert "生效日期须晚于今天：设置的变更不改写已经发起的民主评议。" in response.content.decode()
    response = client.post(url, _policy_data(grades=["excellent", "qualified"]))
    assert "须包含合格和不合格" in response.content.decode()
    response = client.post(url, _policy_data(excellent_cap="150"))
    assert response.status_code == 200 and not GradePolicy.objects.exists()
    assert client.post(url, _policy_data()).status_code == 302
    policy = GradePolicy.objects.get()
    assert (policy.grades, policy.excellent_cap, policy.created_by) == (
        ["excellent", "qualified", "unqualified"],
        15,
        city_admin,
    )


def test_a_version_in_force_is_read_only(client, city_admin):
    policy = GradePolicy.objects.create(effective_from=datetime.date(2017, 1, 1), grades=list(Grade.values))
    client.force_login(city_admin)
    url = reverse("admin:reviews_gradepolicy_change", args=[policy.pk])
    client.post(url, _policy_data())
    policy.refresh_from_db()
    assert policy.effective_from == datetime.date(2017, 1, 1) and policy.excellent_cap is None


# 预备党员 -----------------------------------------------------------------------------------------------------------


def test_a_probationary_member_gets_an_outcome_linked_to_the_probation_end(client, campaign, secretary, branch):
    joined = datetime.date(YEAR, 3, 15)
    probationer = MemberFactory(
        organization=branch,
        name="预备党员甲",
        membership_type=MembershipType.PROBATIONARY,
        joined_on=joined,
        full_member_on=None,
    )
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_grades", args=[campaign.pk])
    html = client.get(url).content.decode()
    assert "预备党员（单独评议）" in html and "预备期满 2027-03-15" in html
    response = client.post(url, {"member": probationer.pk, "grade": Grade.QUALIFIED})
    assert "预备党员单独评议：请选择按期转正、延长预备期或取消预备党员资格。" in response.content.decode()
    response = client.post(url, {"member": probationer.pk, "probation_outcome": ProbationOutcome.EXTEND})
    assert "须写明理由" in response.content.decode()
    client.post(url, {"member": probationer.pk, "probation_outcome": ProbationOutcome.EXTEND, "reason": REASON})
    proposal = GradeProposal.objects.get(member=probationer)
    assert proposal.grade == "" and proposal.probation_outcome == ProbationOutcome.EXTEND
    assert proposal.probation_ends_on == datetime.date(YEAR + 1, 3, 15)
    assert proposal.status == ApprovalStatus.PENDING  # extending waits for the parent committee
    probationer.refresh_from_db()
    assert probationer.membership_type == MembershipType.PROBATIONARY  # a suggestion only


# Dispositions ---------------------------------------------------------------------------------------------------


def test_dispositions_are_recorded_with_dates_and_never_change_the_member(client, campaign, secretary, member_user):
    _decide(campaign, secretary, {secretary.member: Grade.QUALIFIED, member_user.member: Grade.UNQUALIFIED})
    proposal = GradeProposal.objects.get(member=member_user.member)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_disposition", args=[proposal.pk])
    today = timezone.localdate()
    response = client.post(url, {"kind": DispositionKind.CORRECTION, "decided_on": today.isoformat()})
    assert response.status_code == 302 and not Disposition.objects.exists()  # 限期改正 needs a deadline
    deadline = today + datetime.timedelta(days=90)
    data = {"kind": DispositionKind.CORRECTION, "decided_on": today.isoformat(), "deadline": deadline.isoformat()}
    client.post(url, data)
    disposition = Disposition.objects.get()
    assert (disposition.kind, disposition.deadline) == (DispositionKind.CORRECTION, deadline)
    follow = reverse("reviews:evaluation_follow_up", args=[proposal.pk])
    client.post(
        follow,
        {"disposition": disposition.pk, "follow_up": "已按时参加组织生活。", "followed_up_on": today.isoformat()},
    )
    disposition.refresh_from_db()
    assert disposition.follow_up == "已按时参加组织生活。" and disposition.followed_up_on == today
    client.post(url, {"kind": DispositionKind.PERSUADE, "decided_on": today.isoformat()})
    assert Disposition.objects.count() == 2
    member_user.member.refresh_from_db()
    assert member_user.member.status == MemberStatus.ACTIVE
    html = client.get(reverse("reviews:evaluation_grades", args=[campaign.pk])).content.decode()
    assert "限期改正" in html and "劝其退党" in html and "已按时参加组织生活。" in html


def test_persuading_to_leave_is_only_for_unqualified(campaign, secretary, member_user):
    _decide(campaign, secretary, {secretary.member: Grade.QUALIFIED, member_user.member: Grade.BASICALLY_QUALIFIED})
    proposal = GradeProposal.objects.get(member=member_user.member)
    with pytest.raises(ValidationError) as error:
        services.disposition_record(
            proposal=proposal,
            kind=DispositionKind.REMOVE,
            decided_on=timezone.localdate(),
            deadline=None,
            note="",
            recorded_by=secretary,
        )
    assert "只适用于评定为不合格的党员" in str(error.value)
    qualified = GradeProposal.objects.get(member=secretary.member)
    with pytest.raises(ValidationError):
        services.disposition_record(
            proposal=qualified,
            kind=DispositionKind.CORRECTION,
            decided_on=timezone.localdate(),
            deadline=timezone.localdate() + ONE_DAY,
            note="",
            recorded_by=secretary,
        )


# Corrections after the decision -------------------------------------------------------------------------------


def test_a_correction_after_the_decision_is_an_amendment_keeping_the_original(client, campaign, secretary, member_user):
    _decide(campaign, secretary, {secretary.member: Grade.QUALIFIED, member_user.member: Grade.QUALIFIED})
    proposal = GradeProposal.objects.get(member=member_user.member)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_amend", args=[proposal.pk])
    client.post(url, {"grade": Grade.EXCELLENT, "reason": ""})
    assert not GradeAmendment.objects.exists()  # a reason is required
    client.post(url, {"grade": Grade.EXCELLENT, "reason": "统计时录入错误，党员大会决定为优秀。"})
    client.post(url, {"grade": Grade.BASICALLY_QUALIFIED, "reason": "经复查，按党员大会决议更正为基本合格。"})
    amendments = list(GradeAmendment.objects.order_by("number"))
    assert [(a.number, a.grade_before, a.grade_after) for a in amendments] == [
        (1, Grade.QUALIFIED, Grade.EXCELLENT),
        (2, Grade.EXCELLENT, Grade.BASICALLY_QUALIFIED),
    ]
    assert amendments[0].amended_by == secretary and amendments[0].amended_at is not None
    proposal.refresh_from_db()
    assert proposal.grade == Grade.BASICALLY_QUALIFIED and proposal.status == ApprovalStatus.PENDING
    html = client.get(reverse("reviews:evaluation_grades", args=[campaign.pk])).content.decode()
    assert "更正1：合格 → 优秀" in html and "统计时录入错误" in html


def test_no_amendment_before_the_decision_and_the_proposal_step_locks(campaign, secretary, member_user):
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    proposal = services.grade_propose(
        campaign=campaign, member=member_user.member, grade=Grade.QUALIFIED, reason="", proposed_by=secretary
    )
    with pytest.raises(ValidationError) as error:
        services.grade_amend(
            proposal=proposal, grade=Grade.EXCELLENT, probation_outcome="", reason="更正原因写明", amended_by=secretary
        )
    assert "审议决定后" in str(error.value)
    services.grade_propose(
        campaign=campaign, member=secretary.member, grade=Grade.QUALIFIED, reason="", proposed_by=secretary
    )
    services.stage_close(stage=_close_until(campaign, EvaluationStep.PROPOSAL, secretary), closed_by=secretary)
    with pytest.raises(ValidationError) as error:
        services.grade_propose(
            campaign=campaign, member=member_user.member, grade=Grade.EXCELLENT, reason="", proposed_by=secretary
        )
    assert "已经结束" in str(error.value)


def test_dispositions_and_amendments_answer_404_outside_the_scope(
    client, campaign, secretary, member_user, other_branch_secretary, other_branch, district_officer
):
    _decide(campaign, secretary, {secretary.member: Grade.QUALIFIED, member_user.member: Grade.UNQUALIFIED})
    proposal = GradeProposal.objects.get(member=member_user.member)
    today = timezone.localdate().isoformat()
    disposition = services.disposition_record(
        proposal=proposal,
        kind=DispositionKind.CORRECTION,
        decided_on=timezone.localdate(),
        deadline=timezone.localdate() + ONE_DAY,
        note="",
        recorded_by=secretary,
    )
    client.force_login(other_branch_secretary)
    for name, data in (
        ("reviews:evaluation_disposition", {"kind": DispositionKind.PERSUADE, "decided_on": today}),
        ("reviews:evaluation_follow_up", {"disposition": disposition.pk, "follow_up": "x", "followed_up_on": today}),
        ("reviews:evaluation_amend", {"grade": Grade.QUALIFIED, "reason": "外部更正原因"}),
    ):
        url = reverse(name, args=[proposal.pk])
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, data).status_code == 404
    # A plain member of the branch may not record anything.
    client.force_login(member_user)
    url = reverse("reviews:evaluation_amend", args=[proposal.pk])
    assert client.post(url, {"grade": Grade.QUALIFIED, "reason": "自己更正原因"}).status_code == 403
    # The branch's secretary naming another proposal's disposition in the body.
    other_member = MemberFactory(organization=other_branch, name="外支部党员")
    other_campaign = services.campaign_open(
        organization=other_branch,
        year=YEAR,
        schedule=services.default_schedule(year=YEAR),
        opened_by=other_branch_secretary,
    )
    _decide(other_campaign, other_branch_secretary, {other_member: Grade.UNQUALIFIED})
    foreign = services.disposition_record(
        proposal=GradeProposal.objects.get(member=other_member),
        kind=DispositionKind.CORRECTION,
        decided_on=timezone.localdate(),
        deadline=timezone.localdate() + ONE_DAY,
        note="",
        recorded_by=other_branch_secretary,
    )
    client.force_login(secretary)
    follow = reverse("reviews:evaluation_follow_up", args=[proposal.pk])
    response = client.post(follow, {"disposition": foreign.pk, "follow_up": "跨支部", "followed_up_on": today})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.follow_up == ""
    assert GradeProposal.objects.get(member=member_user.member).grade == Grade.UNQUALIFIED
    assert Disposition.objects.count() == 2


def test_problems_lock_once_the_campaign_is_reported(campaign, secretary, member_user):
    _decide(campaign, secretary, {secretary.member: Grade.QUALIFIED, member_user.member: Grade.QUALIFIED})
    fields = {
        "campaign": campaign,
        "source": OpinionSource.SELF_CHECK,
        "description": "学习不够系统。",
        "responsible": "王书记",
        "measures": "制定学习计划。",
        "deadline": timezone.localdate() + ONE_DAY,
        "entered_by": secretary,
    }
    services.problem_add(**fields)
    services.stage_close(stage=_close_until(campaign, EvaluationStep.REPORT, secretary), closed_by=secretary)
    with pytest.raises(ValidationError) as error:
        services.problem_add(**fields)
    assert "已经结束" in str(error.value)
    assert EvaluationProblem.objects.count() == 1


def test_the_opinions_page_query_count_does_not_grow_with_the_branch(
    client, campaign, secretary, branch, django_assert_max_num_queries
):
    _close_until(campaign, EvaluationStep.OPINIONS, secretary)
    client.force_login(secretary)
    url = reverse("reviews:evaluation_opinions", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    members = MemberFactory.create_batch(198, organization=branch)
    for member in members[:20]:
        services.opinion_submit(campaign=campaign, member=member, text=f"{member.name}的意见", user=secretary)
        services.problem_add(
            campaign=campaign,
            source=OpinionSource.MEMBERS,
            description="问题",
            member=member,
            responsible="王书记",
            measures="措施",
            deadline=timezone.localdate() + ONE_DAY,
            entered_by=secretary,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_probationary_case_shows_its_outcome_to_the_parent_committee(
    client, campaign, secretary, branch, district_officer, committee
):
    probationer = MemberFactory(
        organization=branch,
        name="预备党员乙",
        membership_type=MembershipType.PROBATIONARY,
        joined_on=datetime.date(YEAR, 5, 1),
        full_member_on=None,
    )
    _close_until(campaign, EvaluationStep.PROPOSAL, secretary)
    services.grade_propose(
        campaign=campaign,
        member=probationer,
        grade="",
        probation_outcome=ProbationOutcome.CANCEL,
        reason=REASON,
        proposed_by=secretary,
    )
    client.force_login(district_officer)
    html = client.get(reverse("reviews:evaluation_cases", args=[committee.pk])).content.decode()
    assert "预备党员乙 · 取消预备党员资格" in html
