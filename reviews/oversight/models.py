"""督导检查: the committees' inspections of their branches and the problem ledger (问题清单 / 整改台账).

Source: seed §三 (各级党委（党组）要形成逐级督导体系，采取巡回检查、专项督查、随机抽查、情况通报、重点约谈等多种形式…
进行督促指导) and its opening (把查找解决问题作为“两学一做”学习教育的规定要求，建立完善及时发现和解决问题的有效机制).
An officer plans an `Inspection` of their subtree (巡回检查, 专项督查 with a theme, or 随机抽查 drawing the branches
from a stored seed and candidate list, so that the sample can be drawn again by anyone and found the same). For
each `InspectionBranch` the inspectors record an `InspectionFinding` per checklist item (a rule in force, with
the portal's evidence, or a free item of the theme); a finding with a problem becomes a `Problem` in one action.
A `Problem` goes open → rectifying → submitted → closed (verified by the parent organisation), or back from
submitted to returned with a reason; every step is a `ProblemTransition`. Overdue is derived from the deadline.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization
from portal.models import TimeStampedModel


class ProblemSource(models.TextChoices):
    INSPECTION = "inspection", _("督导检查")
    ORG_LIFE = "org_life", _("组织生活会对照检查")
    EVALUATION = "evaluation", _("民主评议意见")
    SELF_CHECK = "self_check", _("自查")
    MASSES = "masses", _("群众意见")
    COMPLIANCE = "compliance", _("规定动作未完成")


class ProblemState(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("待验收")
    RETURNED = "returned", _("退回重改")
    CLOSED = "closed", _("已销号")


class InspectionKind(models.TextChoices):
    ROUND = "round", _("巡回检查")
    SPECIAL = "special", _("专项督查")
    RANDOM = "random", _("随机抽查")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("进行中")
    CLOSED = "closed", _("已结束")


class FindingResult(models.TextChoices):
    PASSED = "passed", _("通过")
    PROBLEM = "problem", _("发现问题")


class Inspection(TimeStampedModel):
    """One inspection of a subtree: its kind, the period it covers, who inspects, the free checklist items and,
    for a 随机抽查, the draw (seed, candidates with their category, sample size) so that it can be checked."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织检查的党组织"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("检查方式"), max_length=20, choices=InspectionKind.choices)
    theme = models.CharField(_("督查主题"), max_length=200, blank=True)
    period_start = models.DateField(_("检查期间开始"))
    period_end = models.DateField(_("检查期间结束"))
    inspectors = models.CharField(_("检查人员"), max_length=300)
    free_items = models.JSONField(_("其他检查事项"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    sample_size = models.PositiveSmallIntegerField(_("抽取数量"), null=True, blank=True)
    stratified = models.BooleanField(_("按单位类别分层抽取"), default=False)
    exclude_months = models.PositiveSmallIntegerField(_("排除近几个月已检查的党支部"), null=True, blank=True)
    seed = models.BigIntegerField(_("抽取种子"), null=True, blank=True)
    candidates = models.JSONField(_("候选党支部"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="inspection_period_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_kind_display()} {self.period_start:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:inspection_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == InspectionStatus.CLOSED


class InspectionBranch(models.Model):
    """A branch an inspection covers."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督导检查"), on_delete=models.CASCADE, related_name="branches"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="inspected_in"
    )

    class Meta:
        verbose_name = _("受检党支部")
        verbose_name_plural = _("受检党支部")
        ordering = ["inspection", "branch__path"]
        constraints = [models.UniqueConstraint(fields=["inspection", "branch"], name="inspection_branch_once")]

    def __str__(self) -> str:
        return f"{self.inspection} {self.branch}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:inspection_branch", args=[self.pk])


class InspectionFinding(TimeStampedModel):
    """The result of one checklist item for one branch: passed, or a problem found with a note."""

    inspection_branch = models.ForeignKey(
        InspectionBranch, verbose_name=_("受检党支部"), on_delete=models.CASCADE, related_name="findings"
    )
    item_key = models.CharField(_("检查事项编号"), max_length=30)
    item_title = models.CharField(_("检查事项"), max_length=300)
    result = models.CharField(_("检查结果"), max_length=20, choices=FindingResult.choices)
    note = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["inspection_branch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection_branch", "item_key"], name="inspection_finding_once"),
            models.CheckConstraint(condition=~Q(result="problem") | ~Q(note=""), name="finding_problem_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_branch} {self.item_key}"


class Problem(TimeStampedModel):
    """One entry of the problem ledger: what was found where, who rectifies it by when, and the evidence."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="problems"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("涉及党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        help_text=_("个人问题填写；党组织的问题留空。"),
    )
    source = models.CharField(_("问题来源"), max_length=20, choices=ProblemSource.choices)
    description = models.TextField(_("问题描述"))
    responsible = models.CharField(_("责任人"), max_length=50)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"))
    evidence = models.TextField(_("整改情况及佐证"), blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=ProblemState.choices, default=ProblemState.OPEN)
    return_reason = models.TextField(_("退回理由"), blank=True)
    finding = models.OneToOneField(
        InspectionFinding,
        verbose_name=_("检查发现"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem",
    )
    found_on = models.DateField(_("发现日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交验收时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["organization", "state"], name="problem_org_state_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(state="closed") | Q(closed_at__isnull=False), name="problem_closed_at"),
        ]

    def __str__(self) -> str:
        return self.description[:30]

    def get_absolute_url(self) -> str:
        return reverse("reviews:problem_detail", args=[self.pk])

    def is_overdue_on(self, today: datetime.date) -> bool:
        """Past its deadline and not yet verified closed (a problem submitted for verification counts too)."""
        return self.state != ProblemState.CLOSED and self.deadline < today


class ProblemTransition(models.Model):
    """One step of a problem's life: who moved it from which state to which, when, and why."""

    problem = models.ForeignKey(Problem, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("原状态"), max_length=20, choices=ProblemState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=ProblemState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("问题处理记录")
        verbose_name_plural = _("问题处理记录")
        ordering = ["problem", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.from_state}→{self.to_state}"


class ProblemRollup(models.Model):
    """The problem ledger of a subtree counted up, per organisation (every node from the branch up to the 市委):
    problems not yet closed, those of them past their deadline, and those closed in the year of `as_of`.

    "Overdue" moves with the calendar: the figures are those of the day `as_of`. Every change of a problem moves
    the rows above it by the difference (in the same transaction), judged as of that same day; the nightly
    rebuild recounts everything as of the new day, so the rows always equal a recount as of `as_of`.
    """

    node = models.OneToOneField(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="problem_rollup"
    )
    as_of = models.DateField(_("统计日期"))
    # Signed: a batch of differences may subtract (INSERT … ON CONFLICT checks the proposed row too).
    open = models.IntegerField(_("未销号"), default=0)
    overdue = models.IntegerField(_("已逾期"), default=0)
    closed_this_year = models.IntegerField(_("本年已销号"), default=0)

    class Meta:
        verbose_name = _("整改汇总")
        verbose_name_plural = _("整改汇总")

    def __str__(self) -> str:
        return f"{self.node_id} {self.as_of} {self.open}/{self.overdue}/{self.closed_this_year}"


def evidence_upload_to(instance: "ProblemEvidence", filename: str) -> str:
    # Non-guessable names; served only through the access-checked view.
    return f"oversight/{uuid.uuid4().hex}"


class ProblemEvidence(models.Model):
    """A file of evidence (photo, scan, PDF) attached to an inspection finding or to a problem's rectification
    submission; checked and stored like a meeting's attachments (activities.attachments)."""

    finding = models.ForeignKey(
        InspectionFinding,
        verbose_name=_("检查发现"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_files",
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), null=True, blank=True, on_delete=models.CASCADE, related_name="evidence_files"
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to)
    thumbnail = models.FileField(_("缩略图"), upload_to=evidence_upload_to, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finding__isnull=True, problem__isnull=False)
                | Q(finding__isnull=False, problem__isnull=True),
                name="evidence_finding_or_problem",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("reviews:evidence_file", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Interview(TimeStampedModel):
    """重点约谈 (seed §三): a committee's interview of a branch's secretary about the branch's problems.

    Who interviewed (the committee and the people who sat for it), who was interviewed, when, about which
    problems of the branch's ledger, and what came of it. Seen by the committee's scope and by the branch's own
    committee; the interviewed member sees it too.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("被约谈党组织"), on_delete=models.PROTECT, related_name="interviews"
    )
    committee = models.ForeignKey(
        Organization, verbose_name=_("约谈党组织"), on_delete=models.PROTECT, related_name="interviews_held"
    )
    interviewers = models.CharField(_("约谈人"), max_length=200)
    interviewee = models.ForeignKey(
        Member, verbose_name=_("被约谈人"), on_delete=models.PROTECT, related_name="interviews"
    )
    held_on = models.DateField(_("约谈日期"))
    subject = models.TextField(_("约谈事由"))
    problems = models.ManyToManyField(Problem, verbose_name=_("涉及问题"), blank=True, related_name="interviews")
    outcome = models.TextField(_("约谈结果"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("重点约谈")
        verbose_name_plural = _("重点约谈")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "held_on"], name="interview_org_held_idx")]

    def __str__(self) -> str:
        return f"{self.organization} {self.held_on.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:interview_detail", args=[self.pk])
