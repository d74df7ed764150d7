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

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, MembershipType, Organization
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


def grade_scale(grades: "list[str] | tuple[str, ...] | None" = None) -> list[tuple[str, str]]:
    """A grade scale as choices, best first: `grades` (a campaign's policy), else `settings.EVALUATION_GRADES`
    (the scale used when no administrator policy exists)."""
    codes = settings.EVALUATION_GRADES if grades is None else grades
    return [(code, str(label)) for code, label in Grade.choices if code in codes]


def probation_end(member: Member) -> datetime.date | None:
    """When a 预备党员's probation of one year ends (from the day they joined); None for a full member."""
    if member.membership_type != MembershipType.PROBATIONARY or member.joined_on is None:
        return None
    joined = member.joined_on
    try:
        return joined.replace(year=joined.year + 1)
    except ValueError:  # joined on 29 February
        return joined.replace(year=joined.year + 1, day=28)


class GradePolicy(TimeStampedModel):
    """The administrators' 民主评议 settings: the grade scale and an optional cap on the share of 优秀, versioned
    like the compliance rules. A version applies from its 生效日期; a campaign keeps the version in force on the
    day it was opened, and a version in force is never edited (a change is a new version from a later date), so
    a change never rewrites the past. With no version at all the scale is `settings.EVALUATION_GRADES`, no cap."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    grades = models.JSONField(_("评议等次"), help_text=_("从好到差排列；须包含合格和不合格。"))
    excellent_cap = models.PositiveSmallIntegerField(
        _("优秀比例上限（%）"),
        null=True,
        blank=True,
        help_text=_("评为优秀的党员占本支部参评党员的最高百分比；留空表示不限。"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("民主评议设置")
        verbose_name_plural = _("民主评议设置")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excellent_cap__isnull=True) | Q(excellent_cap__gte=1, excellent_cap__lte=100),
                name="grade_policy_cap_percent",
            )
        ]

    def __str__(self) -> str:
        return str(_("自%(date)s起") % {"date": self.effective_from.isoformat()})

    def clean(self) -> None:
        grades = self.grades if isinstance(self.grades, list) else []
        if (
            not grades
            or len(set(grades)) != len(grades)
            or set(grades) - set(Grade.values)
            or not {Grade.QUALIFIED, Grade.UNQUALIFIED} <= set(grades)
        ):
            raise ValidationError(
                {"grades": _("评议等次须从优秀、合格、基本合格、不合格中选择，且须包含合格和不合格。")}
            )
        if self.excellent_cap is not None and Grade.EXCELLENT not in grades:
            raise ValidationError({"excellent_cap": _("等次中没有优秀时不能设置优秀比例上限。")})
        # Keep the scale in the order of Grade (best first) whatever order it was entered in.
        self.grades = [code for code in Grade.values if code in grades]

    def scale(self) -> list[tuple[str, str]]:
        return grade_scale(self.grades)


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
    policy = models.ForeignKey(
        GradePolicy,
        verbose_name=_("民主评议设置"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("发起时生效的设置；留空表示默认等次、不限优秀比例。"),
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

    @property
    def grades(self) -> list[str]:
        """The campaign's grade scale (codes, best first)."""
        return list(self.policy.grades) if self.policy_id and self.policy else list(settings.EVALUATION_GRADES)

    @property
    def scale(self) -> list[tuple[str, str]]:
        return grade_scale(self.grades)

    @property
    def excellent_cap(self) -> int | None:
        return self.policy.excellent_cap if self.policy_id and self.policy else None


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


class ProbationOutcome(models.TextChoices):
    """What the 评议 of a 预备党员 suggests (a suggestion only: the portal never changes the member's status)."""

    ON_TIME = "on_time", _("按期转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")


# Outcomes handled with care like 基本合格/不合格: a written reason and the parent committee's approval.
CAREFUL_OUTCOMES = frozenset({ProbationOutcome.EXTEND, ProbationOutcome.CANCEL})


class GradeProposal(TimeStampedModel):
    """The 支委会's proposed grade for a member, with its reason; a 基本合格 or 不合格 needs a written reason and
    the parent committee's approval before it stands (seed §二.3: 严格稳慎处置不合格党员)."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="proposals"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="grade_proposals")
    grade = models.CharField(_("评定等次"), max_length=20, choices=Grade.choices, blank=True)
    probation_outcome = models.CharField(
        _("预备期意见"),
        max_length=20,
        choices=ProbationOutcome.choices,
        blank=True,
        help_text=_("预备党员单独评议：提出按期转正、延长预备期或取消预备党员资格的建议（不评定等次）。"),
    )
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
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
        return f"{self.campaign} {self.member_id} {self.result_display}"

    @property
    def stands(self) -> bool:
        return self.status in (ApprovalStatus.STANDS, ApprovalStatus.APPROVED)

    @property
    def is_careful(self) -> bool:
        return self.grade in CAREFUL_GRADES or self.probation_outcome in CAREFUL_OUTCOMES

    @property
    def result_display(self) -> str:
        """The grade, or for a 预备党员 the suggestion on the probation."""
        return str(self.get_grade_display() if self.grade else self.get_probation_outcome_display())


class OpinionSource(models.TextChoices):
    """Where an opinion or a problem comes from (seed §二.3: 征求意见, 对照检查)."""

    SELF_CHECK = "self_check", _("对照检查")
    MEMBERS = "members", _("党员意见")
    MASSES = "masses", _("群众意见")


class Opinion(TimeStampedModel):
    """An opinion on the branch's (or its committee's) work collected in the 征求意见 step: written by a member
    themselves, or entered by the secretary from the masses (群众意见, with how many people raised it)."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="opinions"
    )
    source = models.CharField(
        _("来源"),
        max_length=20,
        choices=[
            (OpinionSource.MEMBERS, OpinionSource.MEMBERS.label),
            (OpinionSource.MASSES, OpinionSource.MASSES.label),
        ],
    )
    author = models.ForeignKey(
        Member, verbose_name=_("提出党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("意见内容"))
    count = models.PositiveIntegerField(_("提出人数"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["campaign", "source", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="opinion_count_positive"),
            models.CheckConstraint(condition=Q(source="masses") | Q(count=1), name="opinion_member_count_one"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.get_source_display()}"


class EvaluationProblem(TimeStampedModel):
    """A problem found in the 组织生活会's 对照检查 or in the opinions, entered once with who is responsible, the
    measures and the deadline (seed §二.3: 问题查找, 整改). The problem ledger takes these rows over."""

    campaign = models.ForeignKey(
        EvaluationCampaign, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="problems"
    )
    source = models.CharField(_("来源"), max_length=20, choices=OpinionSource.choices)
    description = models.TextField(_("问题描述"))
    member = models.ForeignKey(
        Member,
        verbose_name=_("涉及党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluation_problems",
    )
    responsible = models.CharField(_("责任人"), max_length=50)
    measures = models.TextField(_("整改措施"))
    deadline = models.DateField(_("整改时限"))
    opinion = models.ForeignKey(
        Opinion, verbose_name=_("来源意见"), null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("查找的问题")
        verbose_name_plural = _("查找的问题")
        ordering = ["campaign", "deadline", "pk"]

    def __str__(self) -> str:
        return self.description[:30]


class DispositionKind(models.TextChoices):
    """How a 基本合格/不合格 member is handled (seed §二.3: 严格稳慎处置不合格党员): recorded only."""

    CORRECTION = "correction", _("限期改正")
    PERSUADE = "persuade", _("劝其退党")
    REMOVE = "remove", _("除名")


class Disposition(TimeStampedModel):
    """The decision on a 基本合格/不合格 member, with its dates: 限期改正 with a deadline and follow-up, 劝其退党,
    除名. A recorded decision only: the portal never changes the member's status by itself."""

    proposal = models.ForeignKey(
        GradeProposal, verbose_name=_("评定意见"), on_delete=models.CASCADE, related_name="dispositions"
    )
    kind = models.CharField(_("处置方式"), max_length=20, choices=DispositionKind.choices)
    decided_on = models.DateField(_("决定日期"))
    deadline = models.DateField(_("改正期限"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    follow_up = models.TextField(_("跟踪情况"), blank=True)
    followed_up_on = models.DateField(_("跟踪日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("处置决定")
        verbose_name_plural = _("处置决定")
        ordering = ["proposal", "decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="correction") | Q(deadline__isnull=False), name="disposition_correction_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} {self.get_kind_display()}"


class GradeAmendment(models.Model):
    """A correction of a grade after the 支部党员大会 decided it: the reason, who, when, before and after. The
    proposal holds the current grade; these rows keep every earlier one (the first row's `before` is the
    original). Nothing here is ever updated."""

    proposal = models.ForeignKey(
        GradeProposal, verbose_name=_("评定意见"), on_delete=models.CASCADE, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField(_("更正序号"))
    grade_before = models.CharField(_("更正前等次"), max_length=20, choices=Grade.choices, blank=True)
    grade_after = models.CharField(_("更正后等次"), max_length=20, choices=Grade.choices, blank=True)
    outcome_before = models.CharField(
        _("更正前预备期意见"), max_length=20, choices=ProbationOutcome.choices, blank=True
    )
    outcome_after = models.CharField(_("更正后预备期意见"), max_length=20, choices=ProbationOutcome.choices, blank=True)
    reason = models.TextField(_("更正原因"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更正人"), on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评定更正")
        verbose_name_plural = _("评定更正")
        ordering = ["proposal", "number"]
        constraints = [models.UniqueConstraint(fields=["proposal", "number"], name="grade_amendment_unique")]

    def __str__(self) -> str:
        return f"{self.proposal_id} #{self.number}"

    @property
    def before_display(self) -> str:
        return str(self.get_grade_before_display() if self.grade_before else self.get_outcome_before_display())

    @property
    def after_display(self) -> str:
        return str(self.get_grade_after_display() if self.grade_after else self.get_outcome_after_display())
