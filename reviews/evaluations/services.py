"""Writes of 民主评议党员 (seed §二.3: 要坚持开展民主评议党员，客观公正评价党员表现；§二.4: 通过民主评议党员等制度
加强对党员的考核评价). Every write checks that its step is still open: a closed step is locked."""

from __future__ import annotations

import datetime
import random
import uuid

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
    STEP_ORDER,
    ApprovalStatus,
    BallotReceipt,
    EvaluationCampaign,
    EvaluationStage,
    EvaluationStep,
    GradeProposal,
    MutualBallot,
    SelfEvaluation,
    grade_scale,
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
    campaign = EvaluationCampaign(organization=organization, year=year, opened_by=opened_by)
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
    scale = {code for code, _label in grade_scale()}
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


@transaction.atomic
def grade_propose(
    *, campaign: EvaluationCampaign, member: Member, grade: str, reason: str, proposed_by: User
) -> GradeProposal:
    """The 支委会 proposes a member's grade. 基本合格 and 不合格 need a written reason and wait for the parent
    committee's approval (严格稳慎); a proposal can be changed until the step is closed (a returned one too)."""
    _open_stage(campaign, EvaluationStep.PROPOSAL)
    if member.organization_id != campaign.organization_id or member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("只能为本支部的党员提出评定意见。"))
    if grade not in {code for code, _label in grade_scale()}:
        raise ValidationError({"grade": _("评议等次无效，请从列表中选择。")})
    reason = reason.strip()
    careful = grade in CAREFUL_GRADES
    if careful and len(reason) < 10:
        raise ValidationError({"reason": _("评定为基本合格或不合格须写明理由（至少10个字），并报上级党组织审批。")})
    proposal, _created = GradeProposal.objects.update_or_create(
        campaign=campaign,
        member=member,
        defaults={
            "grade": grade,
            "reason": reason,
            "proposed_by": proposed_by,
            "status": ApprovalStatus.PENDING if careful else ApprovalStatus.STANDS,
            "reviewed_by": None,
            "reviewed_on": None,
            "review_reason": "",
        },
    )
    return proposal


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
