"""星级评定: the yearly star rating of 党支部 (1–5 stars: 实践创星, 评级定星, 晋位升星).

Source: seed §二.4 (line 52 of liangxue-yizuo-beijing-2017.txt): 开展党支部“星级评定”工作，通过实践创星、评级定星、
晋位升星等方式，加强示范党支部建设，持续整顿软弱涣散党支部.

A `RatingRubric` is versioned data edited by administrators: the items scored (each from evidence the portal
already holds), their weights and the five thresholds. A version takes effect from its date, which must lie after
today; a version in force is never edited (the next one is a new row), so a year's ratings can always be traced
to the rubric that scored them. The portal proposes a `BranchRating` per branch and year with the score broken
down item by item; the parent committee's officers confirm it (定星) or change it with a reason (升星/降星). Every
decision is a `BranchRatingChange` (who, when, before, after, why).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from portal.models import TimeStampedModel

STAR_LEVELS = (1, 2, 3, 4, 5)


class RatingItem(models.TextChoices):
    """What a rubric can score: each item is read from records the portal already holds (nothing typed again)."""

    COMPLIANCE = "compliance", _("规定动作完成率")
    MISSED = "missed", _("逾期未完成的规定动作")
    PLAN_FILED = "plan_filed", _("学习计划按时报备（C10）")
    STUDY = "study", _("学习任务完成率")
    TALKS = "talks", _("谈心谈话全覆盖（C11）")
    EVALUATION = "evaluation", _("完成民主评议党员")
    PROBLEMS = "problems", _("问题按期整改")
    STRUCTURE = "structure", _("组织设置规范、按期换届（O1）")


class StarAction(models.TextChoices):
    DEFINE = "define", _("定星")
    RAISE = "raise", _("升星")
    LOWER = "lower", _("降星")


def star_label(stars: int | None) -> str:
    """一星 … 五星, or "" for none."""
    names = {1: _("一星"), 2: _("二星"), 3: _("三星"), 4: _("四星"), 5: _("五星")}
    return str(names.get(stars or 0, ""))


class RatingRubric(TimeStampedModel):
    """One version of the rating rubric: items with weights (summing to 100) and the minimum score of each level.

    `organization` empty: the whole city; a committee: its subtree (the deepest rubric covering a branch wins).
    The version in force on a day is the latest `effective_from` on or before it.
    """

    name = models.CharField(_("名称"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("适用范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating_rubrics",
        help_text=_("留空表示全市适用；选择某党委则只适用于其下级党支部。"),
    )
    source = models.CharField(_("依据"), max_length=300)
    effective_from = models.DateField(_("生效日期"))
    items = models.JSONField(
        _("评分项目及权重"),
        default=dict,
        help_text=_('评分项目代码及其分值，合计100分，例如 {"compliance": 30, "missed": 10}。'),
    )
    thresholds = models.JSONField(
        _("各星级最低分"),
        default=list,
        help_text=_("一星至五星的最低得分，共5个、依次升高，例如 [0, 60, 70, 80, 90]。"),
    )

    class Meta:
        verbose_name = _("星级评定标准")
        verbose_name_plural = _("星级评定标准")
        ordering = ["organization_id", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "effective_from"], name="rating_rubric_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}）"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        items = self.items if isinstance(self.items, dict) else None
        if not items:
            errors["items"] = str(_("请至少设置一个评分项目。"))
        else:
            unknown = sorted(set(items) - set(RatingItem.values))
            if unknown:
                errors["items"] = str(_("未知的评分项目：%(codes)s。") % {"codes": "、".join(unknown)})
            elif not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in items.values()):
                errors["items"] = str(_("每个评分项目的分值须为正整数。"))
            elif sum(items.values()) != 100:
                errors["items"] = str(
                    _("各评分项目的分值合计须为100分，现为%(total)s分。") % {"total": sum(items.values())}
                )
        thresholds = self.thresholds
        if (
            not isinstance(thresholds, list)
            or len(thresholds) != len(STAR_LEVELS)
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100 for v in thresholds)
            or any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False))
        ):
            errors["thresholds"] = str(_("请填写一星至五星的最低分：5个0至100之间的整数，依次升高。"))
        if errors:
            raise ValidationError(errors)

    def stars_for(self, score: float) -> int:
        """The level a score reaches (一星 at least)."""
        stars = 1
        for level, minimum in zip(STAR_LEVELS, self.thresholds, strict=False):
            if score >= minimum:
                stars = level
        return stars


class BranchRating(TimeStampedModel):
    """A branch's star rating for a year: the portal's proposal with its breakdown, and the confirmed stars."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="ratings"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rubric = models.ForeignKey(
        RatingRubric, verbose_name=_("评定标准"), on_delete=models.PROTECT, related_name="ratings"
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    proposed_stars = models.PositiveSmallIntegerField(_("建议星级"))
    breakdown = models.JSONField(_("得分明细"), default=list)
    evidence_as_of = models.DateField(_("数据截至"))
    proposed_at = models.DateTimeField(_("建议时间"))
    stars = models.PositiveSmallIntegerField(_("评定星级"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("党支部星级评定")
        verbose_name_plural = _("党支部星级评定")
        ordering = ["organization__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="branch_rating_once_per_year"),
            models.CheckConstraint(
                condition=Q(proposed_stars__gte=1) & Q(proposed_stars__lte=5), name="branch_rating_proposed_range"
            ),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | (Q(stars__gte=1) & Q(stars__lte=5)), name="branch_rating_stars_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:rating_detail", args=[self.pk])

    @property
    def is_confirmed(self) -> bool:
        return self.stars is not None

    @property
    def proposed_label(self) -> str:
        return star_label(self.proposed_stars)

    @property
    def stars_label(self) -> str:
        return star_label(self.stars)


class BranchRatingChange(models.Model):
    """One decision on a rating: 定星 (the first), 升星 or 降星, with the stars before and after and the reason."""

    rating = models.ForeignKey(
        BranchRating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("操作"), max_length=10, choices=StarAction.choices)
    stars_before = models.PositiveSmallIntegerField(_("原星级"), null=True, blank=True)
    stars_after = models.PositiveSmallIntegerField(_("新星级"))
    proposed_stars = models.PositiveSmallIntegerField(_("当时的建议星级"))
    reason = models.TextField(_("理由"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("星级评定记录")
        verbose_name_plural = _("星级评定记录")
        ordering = ["rating", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.stars_before}→{self.stars_after}"

    @property
    def before_label(self) -> str:
        return star_label(self.stars_before)

    @property
    def after_label(self) -> str:
        return star_label(self.stars_after)
