"""党费: the bracket rules, each member's dues base, the monthly ledger and the branch-month roll-up.

Source: 中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》（2008）; seed §二.6 (党员按时足额交纳党费).
Amounts are `Decimal` to the 分 everywhere (never float). The rules are rows with an effective date: a change
applies from its date and never rewrites the months before it. A month's payments are recorded by the branch;
closing the month locks it, and a correction after that is a `DuesAmendment` (who, when, why, before/after).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization

DUES_SOURCE = _("中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》（2008年）")
CENT = Decimal("0.01")
# A one-off payment this far above what is owed (the month and any months paid ahead) is 自愿多交.
VOLUNTARY_ABOVE = Decimal("1000.00")
# How many months a member may pay ahead (预交) in one payment.
MAX_MONTHS_AHEAD = 12


class DuesCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("在职党员（按税后工资收入）")
    RETIRED = "retired", _("离退休党员（按离退休费）")
    FARMER = "farmer", _("农民党员")
    STUDENT = "student", _("学生党员")
    UNEMPLOYED = "unemployed", _("下岗失业党员")
    LOW_INCOME = "low_income", _("享受最低生活保障的党员")


# Categories whose amount is a percentage of the declared monthly income (or pension).
RATE_CATEGORIES = {DuesCategory.IN_SERVICE, DuesCategory.RETIRED}


class DuesRule(models.Model):
    """One bracket of one category, from a date: income in (lower, upper] pays `rate` %, or a fixed amount.

    `lower` empty means from 0, `upper` empty means no ceiling. A fixed-amount rule may give a range
    (`amount`..`amount_max`, the farmers' 0.2–1 元): the member's agreed amount inside it applies.
    """

    category = models.CharField(_("党员类别"), max_length=20, choices=DuesCategory.choices)
    effective_from = models.DateField(_("生效日期"))
    lower = models.DecimalField(_("收入下限（不含）"), max_digits=12, decimal_places=2, null=True, blank=True)
    upper = models.DecimalField(_("收入上限（含）"), max_digits=12, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("固定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    amount_max = models.DecimalField(_("固定金额上限（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("依据"), max_length=300)

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["category", "-effective_from", "lower"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from", "lower"],
                name="dues_rule_bracket_unique",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=False, amount__isnull=True) | Q(rate__isnull=True, amount__isnull=False),
                name="dues_rule_rate_or_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.bracket_label} ({self.effective_from})"

    @property
    def bracket_label(self) -> str:
        if self.rate is None:
            if self.amount_max is not None:
                return str(_("每月%(low)s至%(high)s元")) % {"low": self.amount, "high": self.amount_max}
            return str(_("每月%(amount)s元")) % {"amount": self.amount}
        if self.lower is None and self.upper is not None:
            span = str(_("%(upper)s元及以下")) % {"upper": self.upper}
        elif self.upper is None and self.lower is not None:
            span = str(_("%(lower)s元以上")) % {"lower": self.lower}
        elif self.lower is not None and self.upper is not None:
            span = str(_("%(lower)s元以上至%(upper)s元")) % {"lower": self.lower, "upper": self.upper}
        else:
            span = str(_("不限"))
        return f"{span} {self.rate}%"

    def clean(self) -> None:
        if (self.rate is None) == (self.amount is None):
            raise ValidationError(_("按比例或固定金额，二者选其一。"))
        if self.lower is not None and self.upper is not None and self.upper <= self.lower:
            raise ValidationError({"upper": _("收入上限须高于下限。")})


class DuesBase(models.Model):
    """A member's dues base from a month on: category and declared monthly income after tax (or pension).

    A change is a new row from a later month; the earlier months keep the base they had.
    """

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_bases")
    applies_from = models.DateField(_("起始月份"), help_text=_("该月1日"))
    category = models.CharField(_("党员类别"), max_length=20, choices=DuesCategory.choices)
    income = models.DecimalField(_("每月税后收入/离退休费（元）"), max_digits=12, decimal_places=2, default=Decimal(0))
    agreed_amount = models.DecimalField(_("约定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["member", "-applies_from"]
        constraints = [models.UniqueConstraint(fields=["member", "applies_from"], name="dues_base_member_month")]

    def __str__(self) -> str:
        return f"{self.member} {self.applies_from:%Y-%m}"

    def clean(self) -> None:
        if self.applies_from and self.applies_from.day != 1:
            raise ValidationError({"applies_from": _("起始月份须为当月1日。")})
        if self.income is not None and self.income < 0:
            raise ValidationError({"income": _("收入不能为负数。")})


class DuesStatus(models.TextChoices):
    PAID = "paid", _("已交")
    UNPAID = "unpaid", _("未交")
    PARTIAL = "partial", _("部分交纳")
    ADVANCE = "advance", _("多交/预交")
    PREPAID = "prepaid", _("已预交")


class ReductionState(models.TextChoices):
    """A reduction above `settings.DUES_REDUCTION_APPROVAL_ABOVE` waits for the parent committee."""

    NONE = "", _("无需审批")
    PENDING = "pending", _("待上级党委审批")
    APPROVED = "approved", _("上级党委已批准")
    RETURNED = "returned", _("上级党委已退回")


# A reduction in these states is not (yet) in force: the month is owed at the full amount.
REDUCTION_NOT_IN_FORCE = (ReductionState.PENDING, ReductionState.RETURNED)


class DuesMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    ONLINE = "online", _("线上交纳")


class DuesPayment(models.Model):
    """One member's dues for one month: what was due (after any reduction) and what was paid."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_payments")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField(_("月份"))
    amount_due = models.DecimalField(_("应交（元）"), max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(_("实交（元）"), max_digits=10, decimal_places=2, default=Decimal(0))
    status = models.CharField(_("交纳情况"), max_length=10, choices=DuesStatus.choices)
    method = models.CharField(_("交纳方式"), max_length=10, choices=DuesMethod.choices, blank=True)
    paid_on = models.DateField(_("交纳日期"), null=True, blank=True)
    reduction = models.DecimalField(_("减免（元）"), max_digits=10, decimal_places=2, default=Decimal(0))
    reduction_reason = models.CharField(_("减免理由（支部决定）"), max_length=200, blank=True)
    reduction_state = models.CharField(
        _("减免审批"), max_length=10, choices=ReductionState.choices, default=ReductionState.NONE, blank=True
    )
    reduction_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("减免审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reduction_decided_at = models.DateTimeField(_("减免审批时间"), null=True, blank=True)
    reduction_return_reason = models.CharField(_("减免退回理由"), max_length=300, blank=True)
    months_ahead = models.PositiveSmallIntegerField(_("预交月数"), default=0)
    prepaid_from = models.DateField(
        _("预交所在月份"), null=True, blank=True, help_text=_("本月党费已在该月预交（交纳情况为“已预交”）。")
    )
    voluntary = models.DecimalField(_("其中自愿多交（元）"), max_digits=10, decimal_places=2, default=Decimal(0))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["-month", "organization", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_member_month"),
            models.CheckConstraint(
                condition=Q(reduction=0) | ~Q(reduction_reason=""), name="dues_payment_reduction_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "month"], name="dues_payment_org_month_idx"),
            models.Index(
                fields=["reduction_state"],
                condition=Q(reduction_state="pending"),
                name="dues_payment_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.status}"

    @property
    def due_in_force(self) -> Decimal:
        """What the month owes: the due after the reduction, or the full amount while the reduction waits for
        the parent committee's approval (or was returned)."""
        if self.reduction_state in REDUCTION_NOT_IN_FORCE:
            return self.amount_due + self.reduction
        return self.amount_due

    @property
    def arrears(self) -> Decimal:
        return max(Decimal(0), self.due_in_force - self.amount_paid)

    @property
    def is_owed(self) -> bool:
        """Counts in a run of unpaid months (rule M1): unpaid, partly paid, or short of the full amount while a
        reduction is not approved."""
        if self.status in (DuesStatus.UNPAID, DuesStatus.PARTIAL):
            return True
        return self.reduction_state in REDUCTION_NOT_IN_FORCE and self.amount_paid < self.due_in_force


class DuesMonth(models.Model):
    """A branch's month of dues: whether it is closed, and the roll-up of its payments.

    The figures are maintained by every save and amendment and equal a full recompute
    (`dues_month_recompute`); the officers' pages read them, never the payments.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="dues_months"
    )
    month = models.DateField(_("月份"))
    members = models.PositiveIntegerField(_("应交人数"), default=0)
    paid_members = models.PositiveIntegerField(_("已交足人数"), default=0)
    due = models.DecimalField(_("应交合计（元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    paid = models.DecimalField(_("实交合计（元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    arrears = models.DecimalField(_("欠交合计（元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    voluntary = models.DecimalField(_("自愿多交合计（元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    closed_at = models.DateTimeField(_("结账时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结账人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("党费月度收缴")
        verbose_name_plural = _("党费月度收缴")
        ordering = ["organization", "-month"]
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="dues_month_org_month")]
        indexes = [models.Index(fields=["month", "organization"], name="dues_month_month_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def rate(self) -> int | None:
        """Percent of the amount due that was paid (capped at 100)."""
        if not self.due:
            return None
        return min(100, int(self.paid * 100 / self.due))


class DuesAmendment(models.Model):
    """A correction of a closed month's payment: who, when, why, and the values before and after."""

    payment = models.ForeignKey(
        DuesPayment, verbose_name=_("交纳记录"), on_delete=models.CASCADE, related_name="amendments"
    )
    reason = models.CharField(_("更正理由"), max_length=300)
    before = models.JSONField(_("更正前"))
    after = models.JSONField(_("更正后"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更正人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    amended_at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费更正记录")
        verbose_name_plural = _("党费更正记录")
        ordering = ["-amended_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.amended_at:%Y-%m-%d}"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)
