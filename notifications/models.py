from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-portal message in a user's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class ReminderKind(models.TextChoices):
    TASK_DUE_SOON = "task_due_soon", _("学习任务即将到期")
    TASKS_OVERDUE_DIGEST = "tasks_overdue", _("逾期学习任务汇总")
    TASK_NUDGE = "task_nudge", _("书记提醒完成学习任务")
    MONTHLY_PLAN_MISSING = "monthly_plan_missing", _("下月学习计划未安排")
    ANNUAL_PLAN_NOT_FILED = "annual_plan_not_filed", _("年度学习计划未备案")
    PLAN_SUBMITTED = "plan_submitted", _("学习计划待备案")
    PLAN_DECIDED = "plan_decided", _("学习计划审核结果")
    MEETING_PLANNED = "meeting_planned", _("会议活动通知")
    MEETING_UNFILED = "meeting_unfiled", _("会议记录未归档")
    EVALUATION_PENDING = "evaluation_pending", _("民主评议待完成")
    DUTY_REPORT_PENDING = "duty_report_pending", _("述职评议待完成")
    DUES_UNPAID = "dues_unpaid", _("党费未交足")
    DUES_ARREARS = "dues_arrears", _("党员连续欠交党费")
    PROBLEM_DUE_SOON = "problem_due_soon", _("整改问题即将到期")
    PROBLEM_OVERDUE = "problem_overdue", _("整改问题逾期")
    PROBLEM_OVERDUE_DIGEST = "problem_overdue_digest", _("下级逾期整改问题周报")
    TERM_DUE_SOON = "term_due_soon", _("委员会任期即将届满")
    TERM_OVERDUE = "term_overdue", _("委员会任期届满未换届")


class Reminder(models.Model):
    """One reminder, once: the unique key (recipient, kind, object, period) makes every send idempotent."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("类型"), max_length=40, choices=ReminderKind.choices)
    object_key = models.CharField(_("对象"), max_length=100)
    period = models.CharField(_("周期"), max_length=20)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    notification = models.OneToOneField(
        Notification, verbose_name=_("通知"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reminder"
    )

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "object_key", "period"], name="reminder_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_key} {self.period}"
