"""软弱涣散党支部: identifying weak branches and rectifying them (整顿).

Source: seed §二.4 (line 52 of liangxue-yizuo-beijing-2017.txt) “开展党支部‘星级评定’工作……持续整顿软弱涣散党支部”,
and the opening's aim (line 30) “着力解决党支部政治功能不强、组织软弱涣散、从严治党缺位等问题”.

A `WeakCriterion` is one administrator-editable criterion (a threshold, versioned by effective dates like the
compliance rules). Each month a job reads the portal's records against the criteria in force and writes a
`WeakSuggestion` per branch that meets any (with the reasons); the committee confirms it (the branch's
`Organization.is_weak` flag is set) or dismisses it with a reason. A confirmed weak branch gets a
`RectificationPlan`: a 包联 committee member responsible, `RectificationMeasure`s with milestone dates and
`RectificationUpdate`s of progress; the committee lifts the flag only after verifying it, with the evidence.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.models import TimeStampedModel


class CriterionCode(models.TextChoices):
    SECRETARY_VACANT = "secretary_vacant", _("书记空缺")
    TERM_OVERDUE = "term_overdue", _("逾期未换届")
    LOW_COMPLIANCE = "low_compliance", _("规定动作完成率连续偏低")
    PROBLEMS_OVERDUE = "problems_overdue", _("问题整改逾期")
    INSPECTION_PROBLEM = "inspection_problem", _("督导检查发现问题")


class WeakCriterion(TimeStampedModel):
    """One criterion for suggesting a branch as weak, with its threshold. A change in force is a new version
    (a new row from a date; the old one ends the day before), so a past month's suggestions keep their reading.

    The threshold's unit depends on the code: months (书记空缺), days past term end (换届), a percentage
    (完成率, checked over `quarters` consecutive closed quarters), a number of overdue problems, or months back
    over which an inspection's "发现问题" finding counts.
    """

    code = models.CharField(_("条件"), max_length=30, choices=CriterionCode.choices)
    threshold = models.PositiveSmallIntegerField(_("阈值"))
    quarters = models.PositiveSmallIntegerField(_("连续季度数"), default=2)
    is_active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=300)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", verbose_name=_("上一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )

    class Meta:
        verbose_name = _("软弱涣散认定条件")
        verbose_name_plural = _("软弱涣散认定条件")
        ordering = ["code", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="weak_criterion_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.threshold} ({self.effective_from:%Y-%m-%d})"

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def clean(self) -> None:
        if self.code == CriterionCode.LOW_COMPLIANCE and not 1 <= self.threshold <= 100:
            raise ValidationError({"threshold": _("完成率阈值应在1到100之间。")})
        if self.code == CriterionCode.LOW_COMPLIANCE and not 1 <= self.quarters <= 4:
            raise ValidationError({"quarters": _("连续季度数应在1到4之间。")})
        if self.threshold < 1:
            raise ValidationError({"threshold": _("阈值至少为1。")})


class SuggestionState(models.TextChoices):
    SUGGESTED = "suggested", _("待认定")
    CONFIRMED = "confirmed", _("已认定")
    DISMISSED = "dismissed", _("不予认定")


class WeakSuggestion(TimeStampedModel):
    """A branch the monthly job found meeting at least one criterion, with the reasons (a list of
    {"code", "text"}); one per branch and month."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="weak_suggestions"
    )
    month = models.DateField(_("月份"))
    reasons = models.JSONField(_("原因"), default=list)
    state = models.CharField(
        _("状态"), max_length=20, choices=SuggestionState.choices, default=SuggestionState.SUGGESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("软弱涣散党支部建议名单")
        verbose_name_plural = _("软弱涣散党支部建议名单")
        ordering = ["-month", "branch__path"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "month"], name="weak_suggestion_once_per_month"),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(decision_reason=""), name="weak_dismissal_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["state", "month"], name="weak_suggestion_state_idx")]

    def __str__(self) -> str:
        return f"{self.branch} {self.month:%Y-%m}"


class PlanState(models.TextChoices):
    RECTIFYING = "rectifying", _("整顿中")
    LIFTED = "lifted", _("已摘帽")


class RectificationPlan(TimeStampedModel):
    """The rectification (整顿) of a branch confirmed weak: who of the committee is responsible (包联), the goal,
    and — once the committee verified it — who lifted the flag, when, why and on what evidence."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="rectification_plans"
    )
    suggestion = models.OneToOneField(
        WeakSuggestion,
        verbose_name=_("建议名单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("包联责任人"), on_delete=models.PROTECT, related_name="+"
    )
    goal = models.TextField(_("整顿目标"))
    weak_since = models.DateField(_("认定日期"))
    weak_reason = models.TextField(_("认定原因"), blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=PlanState.choices, default=PlanState.RECTIFYING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )
    lifted_on = models.DateField(_("摘帽日期"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lift_evidence = models.TextField(_("验收佐证"), blank=True)
    lift_reason = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("整顿方案")
        verbose_name_plural = _("整顿方案")
        ordering = ["-weak_since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch"], condition=Q(state="rectifying"), name="rectification_one_open_per_branch"
            ),
            models.CheckConstraint(
                condition=~Q(state="lifted")
                | (Q(lifted_on__isnull=False) & Q(lifted_by__isnull=False) & ~Q(lift_evidence="")),
                name="rectification_lift_verified",
            ),
        ]
        indexes = [models.Index(fields=["state", "lifted_on"], name="rectification_state_idx")]

    def __str__(self) -> str:
        return f"{self.branch} {self.weak_since:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:rectification_plan", args=[self.pk])

    @property
    def is_lifted(self) -> bool:
        return self.state == PlanState.LIFTED


class RectificationMeasure(models.Model):
    """One measure of a plan with its milestone date, done once the plan's progress says so."""

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("整顿方案"), on_delete=models.CASCADE, related_name="measures"
    )
    title = models.CharField(_("整顿措施"), max_length=300)
    due_on = models.DateField(_("完成时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("整顿措施")
        verbose_name_plural = _("整顿措施")
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class RectificationUpdate(models.Model):
    """A progress update on a plan (by the branch secretary or the committee), optionally marking a measure done."""

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("整顿方案"), on_delete=models.CASCADE, related_name="updates"
    )
    measure = models.ForeignKey(
        RectificationMeasure,
        verbose_name=_("整顿措施"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    text = models.TextField(_("进展情况"))
    measure_done = models.BooleanField(_("该措施已完成"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整顿进展")
        verbose_name_plural = _("整顿进展")
        ordering = ["plan", "-at", "-pk"]

    def __str__(self) -> str:
        return self.text[:30]
