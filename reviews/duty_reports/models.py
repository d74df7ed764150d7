"""述职评议考核: the parent committee hears its secretaries' yearly reports and grades them.

Source: seed §三 (把组织开展“两学一做”学习教育情况作为各级党组织书记抓基层党建述职评议考核的重要内容，每年进行检查和
评估；注重从党支部工作成效和党员作用发挥看效果、让党员群众作评价) and its opening (一级抓一级，层层抓落实).
A committee opens a `DutyReportRound` for a year; each secretary of a unit under it (a 党支部, a 党总支 or a
基层党委 under its district, with no other 党委 in between) writes a `DutyReport`: the figures are a snapshot of
the portal's record of the unit's year (the yearly report's selectors), stored with the report, and the secretary
writes only the prose. The committee's officers and the representatives the round names each give one
`DutyAssessment`; the committee records the conclusion. A secretary sees the tally and the conclusion of their own
report, never an assessor's grade.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, OrganizationKind
from portal.models import TimeStampedModel

# The kinds of unit whose secretary reports to the 党委 above them (seed §三: 各级党组织书记抓基层党建述职评议考核).
REPORTING_KINDS = (OrganizationKind.BRANCH, OrganizationKind.GENERAL_BRANCH, OrganizationKind.PRIMARY_COMMITTEE)
# The kinds that hear their own units' reports: a unit below one of them reports to it, not to the 党委 above.
COMMITTEE_KINDS = (
    OrganizationKind.PRIMARY_COMMITTEE,
    OrganizationKind.WORKING_COMMITTEE,
    OrganizationKind.DISTRICT_COMMITTEE,
)
BARRIER_KINDS = (OrganizationKind.WORKING_COMMITTEE, OrganizationKind.DISTRICT_COMMITTEE)


class DutyGrade(models.TextChoices):
    """Every grade the portal knows; the scale in use is `settings.DUTY_REPORT_GRADES` (default all four)."""

    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


def duty_grade_scale() -> list[tuple[str, str]]:
    """The configured grade scale as choices, best first."""
    return [(code, str(label)) for code, label in DutyGrade.choices if code in settings.DUTY_REPORT_GRADES]


class DutyReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    CONCLUDED = "concluded", _("已评定")


class DutyReportRound(TimeStampedModel):
    """One committee's 述职评议考核 of one year."""

    committee = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="duty_report_rounds"
    )
    year = models.PositiveSmallIntegerField(_("述职年度"))
    due_on = models.DateField(_("述职报告提交截止日期"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("评议代表"), blank=True, related_name="duty_report_rounds"
    )

    class Meta:
        verbose_name = _("述职评议考核")
        verbose_name_plural = _("述职评议考核")
        ordering = ["-year", "committee"]
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="duty_round_once_per_year")]

    def __str__(self) -> str:
        return f"{self.committee} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:duty_round_detail", args=[self.pk])

    def clean(self) -> None:
        if self.committee_id and self.committee.kind in (OrganizationKind.BRANCH,):
            raise ValidationError({"committee": _("党支部没有下级党组织，不能开展述职评议考核。")})


class DutyReport(TimeStampedModel):
    """One unit's 述职 report in a round: the snapshot of its year's figures and the secretary's prose."""

    round = models.ForeignKey(
        DutyReportRound, verbose_name=_("述职评议考核"), on_delete=models.CASCADE, related_name="reports"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("述职单位"), on_delete=models.PROTECT, related_name="duty_reports"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=DutyReportStatus.choices, default=DutyReportStatus.DRAFT
    )
    figures = models.JSONField(_("年度数据快照"), default=dict, blank=True)
    figures_taken_at = models.DateTimeField(_("取数时间"), null=True, blank=True)
    performance = models.TextField(_("履职情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    plans = models.TextField(_("下一步打算"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("述职人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    conclusion_grade = models.CharField(_("评定等次"), max_length=20, choices=DutyGrade.choices, blank=True)
    conclusion = models.TextField(_("评定意见"), blank=True)
    concluded_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("述职报告")
        verbose_name_plural = _("述职报告")
        ordering = ["round", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="duty_report_once_per_round"),
            models.CheckConstraint(
                condition=~Q(status="concluded") | ~Q(conclusion_grade=""), name="duty_report_concluded_has_grade"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:duty_report_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (DutyReportStatus.DRAFT, DutyReportStatus.RETURNED)


class DutyAssessment(TimeStampedModel):
    """One assessor's grade of one report, with a comment; seen by the committee's officers only."""

    report = models.ForeignKey(
        DutyReport, verbose_name=_("述职报告"), on_delete=models.CASCADE, related_name="assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评议人"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("评议等次"), max_length=20, choices=DutyGrade.choices)
    comment = models.TextField(_("评议意见"), blank=True)

    class Meta:
        verbose_name = _("述职评议意见")
        verbose_name_plural = _("述职评议意见")
        ordering = ["report", "pk"]
        constraints = [models.UniqueConstraint(fields=["report", "assessor"], name="duty_assessment_once")]

    def __str__(self) -> str:
        return f"{self.report} {self.get_grade_display()}"
