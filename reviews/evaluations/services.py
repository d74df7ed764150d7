"""Writes of 民主评议党员 (seed §二.3: 要坚持开展民主评议党员，客观公正评价党员表现；§二.4: 通过民主评议党员等制度
加强对党员的考核评价). Every write checks that its step is still open: a closed step is locked."""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.meetings.services import meeting_update
from activities.models import Meeting, MeetingKind, MeetingStatus
from branches.models import Member, MemberStatus, Organization, User
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send
from reviews.evaluations.models import (
    CAREFUL_GRADES,
    CAREFUL_OUTCOMES,
    STEP_ORDER,
    ApprovalStatus,
    BallotReceipt,
    Disposition,
    DispositionKind,
    EvaluationCampaign,
    EvaluationProblem,
    EvaluationStage,
    EvaluationStep,
    Grade,
    GradeAmendment,
    GradePolicy,
    GradeProposal,
    MutualBallot,
    Opinion,
    OpinionSource,
    ProbationOutcome,
    SelfEvaluation,
    probation_end,
)

# The usual schedule (December to March): (step, first day, last day) as offsets from 1 December of the year.
_DEFAULT_SPANS: dict[str, tuple[int, int]] = {
    EvaluationStep.PREPARATION: (0, 14),
    EvaluationStep.TALKS: (7, 30),
    EvaluationStep.OPINIONS: (15, 37),
    EvaluationStep.SELF_EVALUATION: (31, 51),
    EvaluationStep.MUTUAL: (45, 65),
    EvaluationStep.PROPOSAL: (66, 75),
    EvaluationStep.DECISION: (76, 90),
    EvaluationStep.REPORT: (91, 105),
    EvaluationStep.ANNOUNCEMENT: (106, 120),
}

_secure_random = random.SystemRandom()


def default_schedule(*, year: int) -> dict[str, tuple[datetime.date, datetime.date]]:
    """The usual dates of each step for the 评议 of `year`: from 1 December to the end of March."""
    start = datetime.date(year, 12, 1)
    return {
        step: (start + datetime.timedelta(days=first), start + datetime.timedelta(days=last))
        for step, (first, last) in _DEFAULT_SPANS.items()
    }


@transaction.atomic
def campaign_open(
    *,
    organization: Organization,
    year: int,
    schedule: dict[str, tuple[datetime.date, datetime.date]],
    opened_by: User,
) -> EvaluationCampaign:
    """Open the branch's 民主评议党员 for `year` with every step and its dates (each step after the one before)."""
    if not organization.is_branch:
        raise ValidationError(_("民主评议党员以党支部为单位开展，请在党支部页面发起。"))
    if EvaluationCampaign.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": _("本支部%(year)d年度的民主评议已经发起。") % {"year": year}})
    errors = {}
    previous_start = None
    for step in STEP_ORDER:
        if step not in schedule:
            errors[f"{step}_starts_on"] = _("请填写每个步骤的开始和截止日期。")
            continue
        starts_on, ends_on = schedule[step]
        if ends_on < starts_on:
            errors[f"{step}_ends_on"] = _("截止日期不能早于开始日期。")
        if previous_start is not None and starts_on < previous_start:
            errors[f"{step}_starts_on"] = _("各步骤应按顺序开展：开始日期不能早于上一步骤。")
        previous_start = starts_on
    if errors:
        raise ValidationError(errors)
    # The administrators' settings in force today stay with the campaign: a later change never rewrites it.
    policy = GradePolicy.objects.filter(effective_from__lte=timezone.localdate()).order_by("-effective_from").first()
    campaign = EvaluationCampaign(organization=organization, year=year, opened_by=opened_by, policy=policy)
    campaign.full_clean()
    campaign.save()
    stages = []
    for position, step in enumerate(STEP_ORDER, start=1):
        stage = EvaluationStage(
            campaign=campaign, step=step, position=position, starts_on=schedule[step][0], ends_on=schedule[step][1]
        )
        stage.full_clean(exclude=["campaign"])
        stages.append(stage)
    EvaluationStage.objects.bulk_create(stages)
    return campaign


@transaction.atomic
def stage_close(*, stage: EvaluationStage, closed_by: User, today: datetime.date | None = None) -> EvaluationStage:
    """Close a step (in order: the steps before it must be closed). A closed step is locked.

    Closing the 党员互评 step writes every ballot of the campaign again in a random order with new random keys,
    so that nothing in the table (not even the order of its rows) follows the order in which members voted.
    """
    stage = EvaluationStage.objects.select_for_update().select_related("campaign").get(pk=stage.pk)
    if stage.is_closed:
        raise ValidationError(_("该步骤已经完成，不能重复确认。"))
    if EvaluationStage.objects.filter(
        campaign_id=stage.campaign_id, position__lt=stage.position, closed_on__isnull=True
    ).exists():
        raise ValidationError(_("请先完成前面的步骤，再确认本步骤完成。"))
    if stage.step == EvaluationStep.MUTUAL:
        _reshuffle_ballots(campaign_id=stage.campaign_id)
    if stage.step == EvaluationStep.PROPOSAL:
        missing = (
            Member.objects.filter(organization_id=stage.campaign.organization_id, status=MemberStatus.ACTIVE)
            .exclude(grade_proposals__campaign_id=stage.campaign_id)
            .count()
        )
        if missing:
            raise ValidationError(_("还有%(n)d名党员没有评定意见，请先为每名党员提出评定等次。") % {"n": missing})
    if stage.step == EvaluationStep.DECISION:
        waiting = GradeProposal.objects.filter(
            campaign_id=stage.campaign_id, status__in=[ApprovalStatus.PENDING, ApprovalStatus.RETURNED]
        ).count()
        if waiting:
            raise ValidationError(
                _("还有%(n)d个基本合格或不合格的评定意见未经上级党组织同意，不能确认审议决定。") % {"n": waiting}
            )
        if stage.campaign.decision_meeting_id is None:
            raise ValidationError(_("请先登记审议决定评议结果的支部党员大会。"))
    stage.closed_on = today or timezone.localdate()
    stage.closed_by = closed_by
    stage.save(update_fields=["closed_on", "closed_by"])
    return stage


def _reshuffle_ballots(*, campaign_id: int) -> None:
    rows = list(MutualBallot.objects.filter(campaign_id=campaign_id).values_list("subject_id", "grade", "comment"))
    _secure_random.shuffle(rows)
    MutualBallot.objects.filter(campaign_id=campaign_id).delete()
    MutualBallot.objects.bulk_create(
        [
            MutualBallot(id=uuid.uuid4(), campaign_id=campaign_id, subject_id=subject_id, grade=grade, comment=comment)
            for subject_id, grade, comment in rows
        ]
    )


def _open_stage(campaign: EvaluationCampaign, step: str) -> EvaluationStage:
    stage = EvaluationStage.objects.get(campaign=campaign, step=step)
    if stage.is_closed:
        raise ValidationError(_("“%(step)s”已经结束，不能再修改。") % {"step": EvaluationStep(step).label})
    return stage


@transaction.atomic
def self_evaluation_save(
    *,
    campaign: EvaluationCampaign,
    member: Member,
    political: str,
    discipline: str,
    character: str,
    contribution: str,
) -> SelfEvaluation:
    """Save the member's 个人自评 on the 四个合格 (the member writes; nothing is computed into a grade)."""
    _open_stage(campaign, EvaluationStep.SELF_EVALUATION)
    if member.organization_id != campaign.organization_id:
        raise ValidationError(_("只能填写本支部民主评议的个人自评。"))
    texts = {
        "political": political.strip(),
        "discipline": discipline.strip(),
        "character": character.strip(),
        "contribution": contribution.strip(),
    }
    if not any(texts.values()):
        raise ValidationError(_("请至少填写一个方面的自评内容。"))
    evaluation, _created = SelfEvaluation.objects.update_or_create(campaign=campaign, member=member, defaults=texts)
    return evaluation


def ballots_cast(*, campaign: EvaluationCampaign, voter: Member, grades: dict[int, tuple[str, str]]) -> int:
    """Cast the voter's secret 党员互评 ballots: a grade (and an optional comment) for every other active member.

    Three statements whatever the size of the branch: the members (with whether the step is still open and
    whether the voter has voted), the receipt (its unique key also refuses a second vote cast at the same
    moment: then nothing is written), and one bulk insert of the ballots in a random order, each with a random
    key and neither the voter nor a time. Returns the number of ballots.
    """
    try:
        return _ballots_write(campaign=campaign, voter=voter, grades=grades)
    except IntegrityError:
        raise ValidationError(_("您已经投过票了，每人只能投一次。")) from None


@transaction.atomic
def _ballots_write(*, campaign: EvaluationCampaign, voter: Member, grades: dict[int, tuple[str, str]]) -> int:
    open_stage = EvaluationStage.objects.filter(
        campaign_id=campaign.pk, step=EvaluationStep.MUTUAL, closed_on__isnull=True
    )
    voted = BallotReceipt.objects.filter(campaign_id=campaign.pk, member_id=voter.pk)
    rows = list(
        Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE)
        .annotate(step_open=Exists(open_stage), voted=Exists(voted))
        .values_list("pk", "step_open", "voted")
    )
    if rows and not rows[0][1]:
        raise ValidationError(_("党员互评已经结束，不能再投票。"))
    if rows and rows[0][2]:
        raise ValidationError(_("您已经投过票了，每人只能投一次。"))
    eligible = {pk for pk, _open, _voted in rows}
    if voter.pk not in eligible:
        raise ValidationError(_("只有本支部的党员可以参加互评。"))
    subjects = eligible - {voter.pk}
    if set(grades) != subjects:
        raise ValidationError(_("请为本支部的每一位其他党员选择评议等次。"))
    scale = set(campaign.grades)
    if any(grade not in scale for grade, _comment in grades.values()):
        raise ValidationError(_("评议等次无效，请从列表中选择。"))
    if any(len(comment) > 200 for _grade, comment in grades.values()):
        raise ValidationError(_("每条意见不超过200字。"))
    BallotReceipt.objects.create(campaign=campaign, member=voter)
    ballots = [
        MutualBallot(id=uuid.uuid4(), campaign_id=campaign.pk, subject_id=pk, grade=grade, comment=comment.strip())
        for pk, (grade, comment) in grades.items()
    ]
    _secure_random.shuffle(ballots)
    MutualBallot.objects.bulk_create(ballots)
    return len(ballots)


def excellent_limit(*, cap: int | None, members: int) -> int | None:
    """How many members at most may be 优秀 under a cap (a percentage of the branch's members), rounded down."""
    return None if cap is None else (cap * members) // 100


@transaction.atomic
def grade_propose(
    *,
    campaign: EvaluationCampaign,
    member: Member,
    grade: str,
    reason: str,
    proposed_by: User,
    probation_outcome: str = "",
) -> GradeProposal:
    """The 支委会 proposes a member's grade. 基本合格 and 不合格 need a written reason and wait for the parent
    committee's approval (严格稳慎); a proposal can be changed until the step is closed (a returned one too).

    A 预备党员 is evaluated separately: instead of a grade, a suggestion on the probation (按期转正, 延长预备期,
    取消预备党员资格) with the probation's end date; extending or cancelling is handled with care like a 不合格.
    The share of 优秀 is held under the campaign's cap (the administrators' setting in force when it opened)."""
    _open_stage(campaign, EvaluationStep.PROPOSAL)
    if member.organization_id != campaign.organization_id or member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("只能为本支部的党员提出评定意见。"))
    ends_on = probation_end(member)
    reason = reason.strip()
    if ends_on is not None:
        if probation_outcome not in ProbationOutcome.values:
            raise ValidationError(
                {"probation_outcome": _("预备党员单独评议：请选择按期转正、延长预备期或取消预备党员资格。")}
            )
        grade = ""
        careful = probation_outcome in CAREFUL_OUTCOMES
        if careful and len(reason) < 10:
            raise ValidationError(
                {"reason": _("建议延长预备期或取消预备党员资格须写明理由（至少10个字），并报上级党组织审批。")}
            )
    else:
        probation_outcome = ""
        if grade not in campaign.grades:
            raise ValidationError({"grade": _("评议等次无效，请从列表中选择。")})
        careful = grade in CAREFUL_GRADES
        if careful and len(reason) < 10:
            raise ValidationError({"reason": _("评定为基本合格或不合格须写明理由（至少10个字），并报上级党组织审批。")})
        if grade == Grade.EXCELLENT and campaign.excellent_cap is not None:
            _check_excellent_cap(campaign=campaign, member=member)
    proposal, _created = GradeProposal.objects.update_or_create(
        campaign=campaign,
        member=member,
        defaults={
            "grade": grade,
            "probation_outcome": probation_outcome,
            "probation_ends_on": ends_on,
            "reason": reason,
            "proposed_by": proposed_by,
            "status": ApprovalStatus.PENDING if careful else ApprovalStatus.STANDS,
            "reviewed_by": None,
            "reviewed_on": None,
            "review_reason": "",
        },
    )
    return proposal


def _check_excellent_cap(*, campaign: EvaluationCampaign, member: Member) -> None:
    cap = campaign.excellent_cap
    members = Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE).count()
    limit = excellent_limit(cap=cap, members=members) or 0
    others = (
        GradeProposal.objects.filter(campaign=campaign, grade=Grade.EXCELLENT)
        .exclude(member=member)
        .select_for_update()
        .count()
    )
    if others + 1 > limit:
        raise ValidationError(
            {
                "grade": _(
                    "评为优秀的党员不能超过本支部党员的%(cap)d%%（%(members)d名党员中最多%(limit)d名），"
                    "已经提出%(n)d名，请调整后再保存。"
                )
                % {"cap": cap, "members": members, "limit": limit, "n": others}
            }
        )


@transaction.atomic
def grade_review(
    *, proposal: GradeProposal, approve: bool, reason: str, reviewed_by: User, today: datetime.date | None = None
) -> GradeProposal:
    """The parent committee approves a 基本合格/不合格 proposal, or returns it with a reason."""
    proposal = GradeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ApprovalStatus.PENDING:
        raise ValidationError(_("该评定意见不在待审批状态。"))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("退回时请写明理由。")})
    proposal.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    proposal.reviewed_by = reviewed_by
    proposal.reviewed_on = today or timezone.localdate()
    proposal.review_reason = reason
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def decision_record(*, campaign: EvaluationCampaign, meeting: Meeting, recorded_by: User) -> EvaluationCampaign:
    """Record the 支部党员大会 that decided the grades; it is marked as counting as 民主评议党员 (through
    activities' meeting service, so compliance — rule C6 — is judged again)."""
    _open_stage(campaign, EvaluationStep.DECISION)
    if meeting.organization_id != campaign.organization_id or meeting.kind != MeetingKind.GENERAL_MEETING:
        raise ValidationError({"meeting": _("请选择本支部召开的支部党员大会。")})
    if meeting.status == MeetingStatus.PLANNED:
        raise ValidationError({"meeting": _("这次支部党员大会还没有登记为已召开，请先登记会议情况。")})
    kinds = set(meeting.counted_kinds.values_list("kind", flat=True))
    if MeetingKind.DEMOCRATIC_EVALUATION not in kinds:
        if meeting.is_filed:
            raise ValidationError({"meeting": _("这次会议已归档：请先提交更正，勾选“同时计为民主评议党员”，再登记。")})
        meeting_update(
            meeting=meeting,
            version=meeting.version,
            updated_by=recorded_by,
            counts_as=sorted((kinds - {meeting.kind}) | {MeetingKind.DEMOCRATIC_EVALUATION}),
        )
    campaign.decision_meeting = meeting
    campaign.save(update_fields=["decision_meeting", "updated_at"])
    return campaign


REMINDABLE_STEPS = (EvaluationStep.SELF_EVALUATION, EvaluationStep.MUTUAL)


def evaluation_remind(*, campaign: EvaluationCampaign, step: str, today: datetime.date | None = None) -> int:
    """Remind the branch's members with a login who have not yet written their 个人自评 (or cast their 互评
    ballot) while that step is open: once a day each (the reminders' unique key). Returns how many were sent."""
    today = today or timezone.localdate()
    if step not in REMINDABLE_STEPS:
        raise ValidationError(_("这个步骤不需要提醒党员。"))
    _open_stage(campaign, step)
    done = (
        SelfEvaluation.objects.filter(campaign=campaign)
        if step == EvaluationStep.SELF_EVALUATION
        else BallotReceipt.objects.filter(campaign=campaign)
    )
    waiting = (
        Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE, user__isnull=False)
        .exclude(pk__in=done.values("member_id"))  # type: ignore[misc]  # either queryset has member_id
        .values_list("user_id", flat=True)
    )
    if step == EvaluationStep.SELF_EVALUATION:
        title = _("请填写%(year)d年度民主评议个人自评") % {"year": campaign.year}
        url = reverse("reviews:evaluation_self", args=[campaign.pk])
    else:
        title = _("请参加%(year)d年度民主评议党员互评") % {"year": campaign.year}
        url = reverse("reviews:evaluation_ballots", args=[campaign.pk])
    body = _("%(branch)s的民主评议党员正在进行，您还没有完成这一步。") % {"branch": campaign.organization.name}
    messages = [
        ReminderMessage(
            recipient_id=user_id,
            kind=ReminderKind.EVALUATION_PENDING,
            object_key=f"evaluation:{campaign.pk}:{step}",
            period=today.isoformat(),
            title=str(title),
            body=str(body),
            url=url,
        )
        for user_id in waiting
    ]
    return reminders_send(messages=messages, email=False)


# 征求意见 and the problems found ---------------------------------------------------------------------------------


@transaction.atomic
def opinion_submit(*, campaign: EvaluationCampaign, member: Member, text: str, user: User) -> Opinion:
    """A member's own opinion on the branch's (or its committee's) work, during the 征求意见 step."""
    _open_stage(campaign, EvaluationStep.OPINIONS)
    if member.organization_id != campaign.organization_id or member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("只有本支部的党员可以提出意见。"))
    opinion = Opinion(
        campaign=campaign, source=OpinionSource.MEMBERS, author=member, text=text.strip(), count=1, entered_by=user
    )
    if not opinion.text:
        raise ValidationError({"text": _("请填写意见内容。")})
    opinion.full_clean()
    opinion.save()
    return opinion


@transaction.atomic
def masses_opinion_enter(*, campaign: EvaluationCampaign, text: str, count: int, entered_by: User) -> Opinion:
    """An opinion of the masses (群众意见) entered by the secretary, with how many people raised it."""
    _open_stage(campaign, EvaluationStep.OPINIONS)
    if count is None or count < 1:
        raise ValidationError({"count": _("提出人数至少为1。")})
    opinion = Opinion(
        campaign=campaign, source=OpinionSource.MASSES, text=text.strip(), count=count, entered_by=entered_by
    )
    if not opinion.text:
        raise ValidationError({"text": _("请填写意见内容。")})
    opinion.full_clean()
    opinion.save()
    return opinion


@transaction.atomic
def problem_add(
    *,
    campaign: EvaluationCampaign,
    source: str,
    description: str,
    responsible: str,
    measures: str,
    deadline: datetime.date,
    entered_by: User,
    member: Member | None = None,
    opinion: Opinion | None = None,
    today: datetime.date | None = None,
) -> EvaluationProblem:
    """Enter a problem found in the 对照检查 or in the opinions, once, with who is responsible, the measures and the
    deadline (seed §二.3: 问题查找、整改). Open until the campaign is reported to the parent committee."""
    _open_stage(campaign, EvaluationStep.REPORT)
    today = today or timezone.localdate()
    errors: dict[str, Any] = {}
    if member is not None and member.organization_id != campaign.organization_id:
        errors["member"] = _("涉及的党员须是本支部党员。")
    if opinion is not None and opinion.campaign_id != campaign.pk:
        errors["opinion"] = _("来源意见须是本次评议征求的意见。")
    if deadline is not None and deadline < today:
        errors["deadline"] = _("整改时限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    problem = EvaluationProblem(
        campaign=campaign,
        source=source,
        description=description.strip(),
        member=member,
        responsible=responsible.strip(),
        measures=measures.strip(),
        deadline=deadline,
        opinion=opinion,
        entered_by=entered_by,
    )
    problem.full_clean()
    problem.save()
    return problem


# After the 支部党员大会 decided: dispositions and corrections --------------------------------------------------------


def _decided(campaign: EvaluationCampaign) -> None:
    if not EvaluationStage.objects.filter(
        campaign=campaign, step=EvaluationStep.DECISION, closed_on__isnull=False
    ).exists():
        raise ValidationError(_("支部党员大会审议决定后才能登记。"))


@transaction.atomic
def disposition_record(
    *,
    proposal: GradeProposal,
    kind: str,
    decided_on: datetime.date,
    deadline: datetime.date | None,
    note: str,
    recorded_by: User,
    today: datetime.date | None = None,
) -> Disposition:
    """Record how a 基本合格/不合格 member is handled: 限期改正 (with a deadline), 劝其退党 or 除名 (不合格 only).
    A recorded decision only: the member's status is not changed here."""
    today = today or timezone.localdate()
    _decided(proposal.campaign)
    if proposal.grade not in CAREFUL_GRADES or not proposal.stands:
        raise ValidationError(_("只有经上级同意的基本合格、不合格党员需要登记处置决定。"))
    errors: dict[str, Any] = {}
    if kind in (DispositionKind.PERSUADE, DispositionKind.REMOVE) and proposal.grade != Grade.UNQUALIFIED:
        errors["kind"] = _("劝其退党、除名只适用于评定为不合格的党员。")
    if decided_on is not None and decided_on > today:
        errors["decided_on"] = _("决定日期不能晚于今天。")
    if kind == DispositionKind.CORRECTION:
        if deadline is None:
            errors["deadline"] = _("限期改正须填写改正期限。")
        elif decided_on is not None and deadline <= decided_on:
            errors["deadline"] = _("改正期限须晚于决定日期。")
    else:
        deadline = None
    if errors:
        raise ValidationError(errors)
    disposition = Disposition(
        proposal=proposal,
        kind=kind,
        decided_on=decided_on,
        deadline=deadline,
        note=note.strip(),
        recorded_by=recorded_by,
    )
    disposition.full_clean()
    disposition.save()
    return disposition


@transaction.atomic
def disposition_follow_up(
    *, disposition: Disposition, follow_up: str, followed_up_on: datetime.date, today: datetime.date | None = None
) -> Disposition:
    """Record the follow-up of a 限期改正 (how the member corrected, checked on a date)."""
    today = today or timezone.localdate()
    if disposition.kind != DispositionKind.CORRECTION:
        raise ValidationError(_("只有限期改正需要登记跟踪情况。"))
    errors: dict[str, Any] = {}
    if not follow_up.strip():
        errors["follow_up"] = _("请填写跟踪情况。")
    if followed_up_on is None or followed_up_on < disposition.decided_on or followed_up_on > today:
        errors["followed_up_on"] = _("跟踪日期须在决定日期和今天之间。")
    if errors:
        raise ValidationError(errors)
    disposition.follow_up = follow_up.strip()
    disposition.followed_up_on = followed_up_on
    disposition.full_clean()
    disposition.save(update_fields=["follow_up", "followed_up_on", "updated_at"])
    return disposition


@transaction.atomic
def grade_amend(
    *, proposal: GradeProposal, grade: str, probation_outcome: str, reason: str, amended_by: User
) -> GradeAmendment:
    """Correct a grade after the 支部党员大会 decided it: an amendment with a reason, versioned (who, when, before,
    after; the original stays in the first amendment). A correction to 基本合格/不合格 (or to extending or
    cancelling a probation) waits again for the parent committee's approval."""
    proposal = GradeProposal.objects.select_for_update().select_related("campaign", "member").get(pk=proposal.pk)
    _decided(proposal.campaign)
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("更正评定结果须写明更正原因（至少5个字）。")})
    if proposal.probation_ends_on is not None:
        if probation_outcome not in ProbationOutcome.values:
            raise ValidationError({"probation_outcome": _("请选择按期转正、延长预备期或取消预备党员资格。")})
        grade = ""
        careful = probation_outcome in CAREFUL_OUTCOMES
    else:
        probation_outcome = ""
        if grade not in proposal.campaign.grades:
            raise ValidationError({"grade": _("评议等次无效，请从列表中选择。")})
        careful = grade in CAREFUL_GRADES
    if grade == proposal.grade and probation_outcome == proposal.probation_outcome:
        raise ValidationError({"grade": _("更正后的评定结果与现在相同，无需更正。")})
    amendment = GradeAmendment(
        proposal=proposal,
        number=proposal.amendments.count() + 1,
        grade_before=proposal.grade,
        grade_after=grade,
        outcome_before=proposal.probation_outcome,
        outcome_after=probation_outcome,
        reason=reason,
        amended_by=amended_by,
    )
    amendment.full_clean()
    amendment.save()
    proposal.grade = grade
    proposal.probation_outcome = probation_outcome
    proposal.status = ApprovalStatus.PENDING if careful else ApprovalStatus.STANDS
    proposal.reviewed_by = None
    proposal.reviewed_on = None
    proposal.review_reason = ""
    proposal.save()
    return amendment


# The administrators' settings ----------------------------------------------------------------------------------


def policy_errors(
    *, policy: GradePolicy, today: datetime.date | None = None, original_from: datetime.date | None = None
) -> dict[str, str]:
    """What stops saving a version of the 民主评议 settings: a version in force (or past) is never changed, and a
    new or changed version takes effect from tomorrow at the earliest, so no opened campaign is rewritten."""
    today = today or timezone.localdate()
    if original_from is not None and original_from <= today:
        return {"effective_from": str(_("已经生效的设置不能修改；请新增一个以后生效的版本。"))}
    if policy.effective_from is not None and policy.effective_from <= today:
        return {"effective_from": str(_("生效日期须晚于今天：设置的变更不改写已经发起的民主评议。"))}
    return {}
