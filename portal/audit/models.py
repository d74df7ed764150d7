from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    ROLE_GRANTED = "role_granted", _("授予角色")
    ROLE_CHANGED = "role_changed", _("修改角色")
    ROLE_REVOKED = "role_revoked", _("撤销角色")
    ID_NUMBER_VIEWED = "id_number_viewed", _("查看完整身份证号")
    TALK_SUMMARY_VIEWED = "talk_summary_viewed", _("查看谈心谈话内容")
    EXPORTED = "exported", _("导出数据")
    ADMIN_ADDED = "admin_added", _("后台新增")
    ADMIN_CHANGED = "admin_changed", _("后台修改")
    ADMIN_DELETED = "admin_deleted", _("后台删除")
    MEETING_FILED = "meeting_filed", _("会议记录归档")
    MEETING_AMENDED = "meeting_amended", _("会议记录更正")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One audited event. Rows are only ever inserted (and deleted by the retention job, `audit_prune`).

    The actor and the organisation are kept as plain ids (no database constraint, no cascade), so deleting a
    user or an organisation never rewrites the log; `actor_name` keeps who it was.
    """

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("事件"), max_length=40, choices=AuditAction.choices)
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    target_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "created_at"], name="audit_org_created_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)
