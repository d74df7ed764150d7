"""民主评议党员: the yearly campaign of a branch, its steps, the 个人自评, the secret 党员互评 ballots, the grades.

Source: seed §二.3 (要坚持开展民主评议党员，客观公正评价党员表现，帮助引导党员自觉认识问题、自我改进提高，严格稳慎处置
不合格党员), §二.4 (通过民主评议党员等制度加强对党员的考核评价；“合格党员行为规范”大讨论成果作为民主评议工作的重要
依据) and §三 (注重从党支部工作成效和党员作用发挥看效果、让党员群众作评价). The portal records what the branch
does; it never computes a grade and never changes a member's status by itself.

Ballot secrecy: a `MutualBallot` carries no voter, no time and a random primary key; a member's ballots are
written in one shuffled bulk insert, and when the step closes every ballot of the campaign is written again in
a random order (so even the physical order of the rows says nothing about who voted when). `BallotReceipt`
only says that a member has voted, so nobody votes twice; it carries no time either.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization
from portal.models import TimeStampedModel


class EvaluationStep(models.TextChoices):
    """The steps of 民主评议党员, in their order."""

    PREPARATION = "preparation", _("学习准备")
    TALKS = "talks", _("谈心谈话")
    OPINIONS = "opinions", _("征求意见")
    SELF_EVALUATION = "self_evaluation", _("个人自评")
    MUTUAL = "mutual", _("党员互评和民主测评")
    PROPOSAL = "proposal", _("支委会提出评定意见")
    DECISION = "decision", _("支部党员大会审议决定")
    REPORT = "report", _("报上级党组织")
    ANNOUNCEMENT = "announcement", _("公布评议结果")


STEP_ORDER: tuple[str, ...] = tuple(EvaluationStep.values)


class Grade(models.TextChoices):
    """Every grade the portal knows; the scale in use is `settings.EVALUATION_GRADES` (default all four)."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


# Grades handled with care (稳慎): a written reason and the parent committee's approval before they stand.
CAREFUL_GRADES = frozenset({Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED})


def grade_scale() -> list[tuple[str, str]]:
    """The configured grade scale as choices, best first."""
    return [(code, str(label)) for code, label in Grade.choices if code in settings.EVALUATION_GRADES]


class EvaluationCampaign(TimeStampedModel):
    """One branch's 民主评议党员 for one year (usually held December to March)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="evaluation_campaigns"
    )
    year = models.PositiveSmallIntegerField(_("评议年度"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    decision_meeting = models.ForeignKey(
        "activities.Meeting",
        verbose_name=_("审议决定的支部党员大会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("民主评议党员")
        verbose_name_plural = _("民主评议党员")
        ordering = ["-year", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="evaluation_campaign_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:evaluation_campaign", args=[self.pk])


class EvaluationStage(models.Model):
    """One step of a campaign with its dates; a closed step is locked (its records no longer change)."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="stages"
    )
    step = models.CharField(_("步骤"), max_length=20, choices=EvaluationStep.choices)
    position = models.PositiveSmallIntegerField(_("顺序"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    closed_on = models.DateField(_("完成日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("评议步骤")
        verbose_name_plural = _("评议步骤")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "step"], name="evaluation_stage_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="evaluation_stage_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.get_step_display()}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class SelfEvaluation(TimeStampedModel):
    """A member's 个人自评 on the 四个合格 (seed §二.2: 政治合格、执行纪律合格、品德合格、发挥作用合格)."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="self_evaluations"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+")
    political = models.TextField(_("政治合格"), blank=True)
    discipline = models.TextField(_("执行纪律合格"), blank=True)
    character = models.TextField(_("品德合格"), blank=True)
    contribution = models.TextField(_("发挥作用合格"), blank=True)

    class Meta:
        verbose_name = _("个人自评")
        verbose_name_plural = _("个人自评")
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="self_evaluation_once")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.member_id}"


class BallotReceipt(models.Model):
    """That a member has cast their 党员互评 ballots (and nothing about what, or when)."""

    id = models.UUIDField(_("编号"), primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="receipts"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="ballot_receipt_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.member_id}"


class MutualBallot(models.Model):
    """One secret grade given to a member in the 党员互评: no voter, no time, a random key."""

    id = models.UUIDField(_("编号"), primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="ballots"
    )
    subject = models.ForeignKey(Member, verbose_name=_("被评议党员"), on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("评议等次"), max_length=20, choices=Grade.choices)
    comment = models.CharField(_("意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("互评票")
        verbose_name_plural = _("互评票")
        indexes = [models.Index(fields=["campaign", "subject"], name="ballot_campaign_subject_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.subject_id}"


class ApprovalStatus(models.TextChoices):
    """Where a proposed grade stands: 优秀/合格 stand as proposed; 基本合格/不合格 wait for the parent committee."""

    STANDS = "stands", _("无需审批")
    PENDING = "pending", _("待上级审批")
    APPROVED = "approved", _("上级已同意")
    RETURNED = "returned", _("上级已退回")


class GradeProposal(TimeStampedModel):
    """The 支委会's proposed grade for a member, with its reason; a 基本合格 or 不合格 needs a written reason and
    the parent committee's approval before it stands (seed §二.3: 严格稳慎处置不合格党员)."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="proposals"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="grade_proposals")
    grade = models.CharField(_("评定等次"), max_length=20, choices=Grade.choices)
    reason = models.TextField(_("理由"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("审批状态"), max_length=20, choices=ApprovalStatus.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(_("审批日期"), null=True, blank=True)
    review_reason = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("评定意见")
        verbose_name_plural = _("评定意见")
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="grade_proposal_once")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.member_id} {self.get_grade_display()}"

    @property
    def stands(self) -> bool:
        return self.status in (ApprovalStatus.STANDS, ApprovalStatus.APPROVED)
