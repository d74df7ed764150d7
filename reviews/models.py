"""Oversight (督): the rules as versioned data, and their stored results and roll-ups.

A result is stored per organisation (or 党小组) × rule × period with the meetings that counted; whether an unmet
result is due, in grace or missed is worked out when it is read (from the period's end and today), so stored
rows never go stale with the calendar. Roll-ups add the results up per subtree node, so dashboards never scan
meetings or attendance.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization, OrganizationCategory, PartyGroup
from portal.models import TimeStampedModel
from reviews.compliance.rules import Condition, PeriodKind, Scope, localized


class RuleSet(TimeStampedModel):
    """A versioned set of rules: national, Beijing 2017, or a district's own additions (for its subtree)."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("适用范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rule_sets",
        help_text=_("留空表示全市适用；选择某区委则只适用于其下级党组织。"),
    )
    source = models.CharField(_("依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Rule(TimeStampedModel):
    """One checkable obligation. A change takes effect from a date (a new row); the past keeps the old row."""

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.PROTECT, related_name="rules")
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("规则"), max_length=200)
    source = models.CharField(_("依据"), max_length=300)
    scope = models.CharField(_("适用对象"), max_length=30, choices=Scope.choices)
    categories = models.JSONField(_("适用单位类别"), default=list, blank=True, help_text=_("留空表示所有类别。"))
    period = models.CharField(_("周期"), max_length=10, choices=PeriodKind.choices)
    kinds = models.JSONField(_("计入的会议类型"), default=list)
    min_count = models.PositiveSmallIntegerField(_("最少次数"), default=1)
    condition = models.CharField(_("附加条件"), max_length=40, choices=Condition.choices, blank=True)
    window_start_month = models.PositiveSmallIntegerField(_("时间窗开始月"), null=True, blank=True)
    window_start_day = models.PositiveSmallIntegerField(_("时间窗开始日"), null=True, blank=True)
    window_end_month = models.PositiveSmallIntegerField(_("时间窗结束月"), null=True, blank=True)
    window_end_day = models.PositiveSmallIntegerField(_("时间窗结束日"), null=True, blank=True)
    missing_text = models.CharField(_("未完成时的说明"), max_length=100)
    # The same three texts for the English pages; blank shows the Chinese (reviews.compliance.rules.localized).
    title_en = models.CharField(_("规则（英文）"), max_length=300, blank=True)
    source_en = models.CharField(_("依据（英文）"), max_length=500, blank=True)
    missing_text_en = models.CharField(_("未完成时的说明（英文）"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", verbose_name=_("上一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )

    class Meta:
        verbose_name = _("检查规则")
        verbose_name_plural = _("检查规则")
        ordering = ["rule_set", "code", "scope", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(min_count__gte=1), name="rule_min_count_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="rule_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    # The texts in the page's language: English on English pages where an English text is stored ----------------

    def localized_title(self) -> str:
        return localized(self.title, self.title_en)

    def localized_source(self) -> str:
        return localized(self.source, self.source_en)

    def localized_missing_text(self) -> str:
        return localized(self.missing_text, self.missing_text_en)

    # The attributes reviews.compliance.rules.evaluate reads ---------------------------------------------------

    @property
    def window_start(self) -> tuple[int, int] | None:
        return (self.window_start_month, self.window_start_day) if self.window_start_month else None

    @property
    def window_end(self) -> tuple[int, int] | None:
        return (self.window_end_month, self.window_end_day) if self.window_end_month else None

    def clean(self) -> None:
        import datetime

        errors = {}
        if self.min_count is not None and self.min_count < 1:
            errors["min_count"] = _("最少次数至少为1；不需要检查的规则请设置失效日期。")
        from activities.models import MeetingKind

        unknown = set(self.kinds or []) - set(MeetingKind.values)
        if not self.kinds or unknown:
            errors["kinds"] = _("请至少选择一种有效的会议类型。")
        if set(self.categories or []) - set(OrganizationCategory.values):
            errors["categories"] = _("单位类别无效。")
        if self.scope == Scope.GROUP and self.period == PeriodKind.YEAR:
            errors["period"] = _("党小组的规则按月或按季度检查。")
        if self.scope == Scope.COMMITTEE and self.period != PeriodKind.YEAR:
            errors["period"] = _("领导班子的规则按年检查。")
        window = [self.window_start_month, self.window_start_day, self.window_end_month, self.window_end_day]
        if any(window):
            if not all(window):
                errors["window_end_day"] = _("时间窗须填写完整的开始和结束日期。")
            elif self.period != PeriodKind.YEAR:
                errors["period"] = _("设置了时间窗的规则须按年检查。")
            else:
                try:
                    start = datetime.date(2024, self.window_start_month, self.window_start_day)
                    end = datetime.date(2024, self.window_end_month, self.window_end_day)
                except ValueError:
                    errors["window_end_day"] = _("时间窗日期无效。")
                else:
                    if end < start:
                        errors["window_end_day"] = _("时间窗结束日期应晚于开始日期。")
        if errors:
            raise ValidationError(errors)


class ComplianceResult(models.Model):
    """A rule's result for one organisation (or group) and period: how many meetings counted, and which.

    `subject` is "" for the organisation itself and "g<id>" for one of its groups (rule C1).
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="compliance_results"
    )
    group = models.ForeignKey(
        PartyGroup, verbose_name=_("党小组"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("检查对象"), max_length=20, blank=True)
    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="results")
    rule_code = models.CharField(_("规则编号"), max_length=20)
    period_key = models.CharField(_("周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("时间窗结束"))
    required = models.PositiveSmallIntegerField(_("要求次数"))
    count = models.PositiveSmallIntegerField(_("已开展次数"))
    is_met = models.BooleanField(_("已完成"))
    meeting_ids = models.JSONField(_("计入的会议"), default=list)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subject", "rule_code", "period_key"], name="result_once_per_period"
            )
        ]
        # On PostgreSQL also result_org_key_cover_idx (organization, period_key) INCLUDE (period_end, is_met),
        # created by migration 0023 (SQLite has no covering indexes): the 情况通报 reads a subtree's results of a
        # few periods from the subtree's organisations into it (index-only), not by scanning every result.
        indexes = [models.Index(fields=["organization", "period_start"], name="result_org_period_idx")]

    def __str__(self) -> str:
        return f"{self.organization} {self.rule_code} {self.period_key}"


class ComplianceRollup(models.Model):
    """The results of a subtree added up per rule and period: how many rule-periods apply and how many are met.

    `node` is every organisation from the branch up to the 市委; one row per (node, rule code, period).
    """

    node = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="compliance_rollups"
    )
    rule_code = models.CharField(_("规则编号"), max_length=20)
    period_key = models.CharField(_("周期"), max_length=10)
    period_kind = models.CharField(_("周期类型"), max_length=10, choices=PeriodKind.choices)
    period_end = models.DateField(_("时间窗结束"))
    # Signed: a batch of differences may subtract (INSERT … ON CONFLICT checks the proposed row too).
    applicable = models.IntegerField(_("应完成"), default=0)
    met = models.IntegerField(_("已完成"), default=0)

    class Meta:
        verbose_name = _("检查汇总")
        verbose_name_plural = _("检查汇总")
        constraints = [
            models.UniqueConstraint(fields=["node", "rule_code", "period_key"], name="rollup_once_per_period")
        ]
        indexes = [models.Index(fields=["node", "period_end"], name="rollup_node_end_idx")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.rule_code} {self.period_key} {self.met}/{self.applicable}"


class StudyProgress(models.Model):
    """A branch's study tasks of a year: how many were due so far and how many are done. Kept beside the
    compliance results, so that the roll-ups (rule code "study") carry study-task completion up the tree and
    the dashboard never counts tasks."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="study_progress"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    due = models.PositiveIntegerField(_("已到期任务"))
    done = models.PositiveIntegerField(_("已完成任务"))

    class Meta:
        verbose_name = _("学习任务完成情况")
        verbose_name_plural = _("学习任务完成情况")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="study_progress_once_per_year")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year} {self.done}/{self.due}"


class FlagLevel(models.TextChoices):
    WARN_3 = "warn3", _("连续3个月")
    WARN_5 = "warn5", _("连续5个月")
    FLAG_6 = "flag6", _("连续6个月")


class MemberFlag(models.Model):
    """Rule M1: a member who has not attended organisational life for months without leave, or has not paid
    dues for months (党章 art. 9). `months` counts the first, `dues_months` the second; the level is the worse."""

    member = models.OneToOneField(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="flag")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="member_flags"
    )
    level = models.CharField(_("程度"), max_length=10, choices=FlagLevel.choices)
    months = models.PositiveSmallIntegerField(_("连续月数"))
    dues_months = models.PositiveSmallIntegerField(_("连续未交党费月数"), default=0)
    last_attended_on = models.DateField(_("最近一次参加"), null=True, blank=True)
    computed_on = models.DateField(_("计算日期"))
    talk = models.ForeignKey(
        "activities.HeartTalk",
        verbose_name=_("批评教育谈话"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("党员预警")
        verbose_name_plural = _("党员预警")
        ordering = ["-months", "member"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_level_display()}"


def report_file_upload_to(instance: "YearlyReportFile", filename: str) -> str:
    """A random, non-guessable name keeping the extension: files are served only through the scoped download."""
    import uuid
    from pathlib import PurePosixPath

    return f"reports/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:10]}"


class YearlyReportFile(models.Model):
    """One compiled version of an organisation's yearly inspection report (年度检查报告): its PDF and xlsx, the
    data's as-of time and the rules it was judged by. Asking again after the data changed adds a version; old
    versions stay."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="yearly_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"))
    sections = models.JSONField(_("包含部分"), default=list)
    as_of = models.DateTimeField(_("数据截至"))
    rules_fingerprint = models.CharField(_("规则版本"), max_length=64)
    data_fingerprint = models.CharField(_("数据摘要"), max_length=64)
    pdf = models.FileField(_("PDF 文件"), upload_to=report_file_upload_to)
    xlsx = models.FileField(_("xlsx 文件"), upload_to=report_file_upload_to)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度检查报告")
        verbose_name_plural = _("年度检查报告")
        ordering = ["organization", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "version"], name="yearly_report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} v{self.version}"


class YearlyReportChunk(models.Model):
    """One chunk of a yearly report request (its `Job`): the organisations it reads (a run of the subtree in path
    order) and, once done, what it read (the filed records, attendance and talks per organisation, as JSON). The
    job's chunks are compiled by separate tasks; a retried or duplicated chunk finds `done_at` set and changes
    nothing; the assembling task prints the report from the stored chunks, then clears their results."""

    job = models.ForeignKey(
        "portal.Job", verbose_name=_("后台任务"), on_delete=models.CASCADE, related_name="yearly_report_chunks"
    )
    index = models.PositiveIntegerField(_("序号"))
    organization_ids = models.JSONField(_("党组织"), default=list)
    result = models.JSONField(_("结果"), null=True, blank=True, encoder=DjangoJSONEncoder)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度检查报告分块")
        verbose_name_plural = _("年度检查报告分块")
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="yearly_report_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.index}"


# 民主评议党员 (reviews/evaluations/), 述职评议考核 (reviews/duty_reports/), 督导检查 (reviews/oversight/), 星级评定
# (reviews/ratings/) and 软弱涣散党支部 (reviews/weak_branches/): the models live beside their packages and are
# registered through this module.
from reviews.duty_reports.models import (  # noqa: E402, F401
    DutyAssessment,
    DutyReport,
    DutyReportRound,
)
from reviews.evaluations.models import (  # noqa: E402, F401
    BallotReceipt,
    Disposition,
    EvaluationCampaign,
    EvaluationProblem,
    EvaluationStage,
    GradeAmendment,
    GradePolicy,
    GradeProposal,
    MutualBallot,
    Opinion,
    SelfEvaluation,
)
from reviews.oversight.models import (  # noqa: E402, F401
    Inspection,
    InspectionBranch,
    InspectionFinding,
    Interview,
    Problem,
    ProblemEvidence,
    ProblemRollup,
    ProblemTransition,
)
from reviews.ratings.models import (  # noqa: E402, F401
    BranchRating,
    BranchRatingChange,
    RatingRubric,
)
from reviews.weak_branches.models import (  # noqa: E402, F401
    RectificationMeasure,
    RectificationPlan,
    RectificationUpdate,
    WeakCriterion,
    WeakSuggestion,
)
