"""The `Job` row behind every long action (see `portal.jobs` for the pattern)."""

import hashlib
import json
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("执行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


LIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


def job_file_upload_to(instance: "Job", filename: str) -> str:
    """A random, non-guessable name that keeps the extension; files are served only through `job_download`."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"jobs/{uuid.uuid4().hex}{suffix}"


def job_params_key(*, kind: str, organization_id: int | None, params: dict) -> str:
    """The hash that identifies "the same job": kind, organisation and parameters (keys sorted)."""
    payload = json.dumps(
        {"kind": kind, "organization": organization_id, "params": params},
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class Job(models.Model):
    """One run of a long action: created by the request, run by a Celery worker, polled by the page."""

    LIVE = LIVE_STATES

    kind = models.CharField(_("任务类型"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(_("参数"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    params_key = models.CharField(_("参数摘要"), max_length=64, db_index=True)
    state = models.CharField(_("状态"), max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    progress_done = models.PositiveIntegerField(_("已完成数"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.TextField(_("提示"), blank=True)
    error = models.TextField(_("错误详情"), blank=True)
    input_file = models.FileField(_("输入文件"), upload_to=job_file_upload_to, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to=job_file_upload_to, blank=True)
    result_name = models.CharField(_("结果文件名"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True, encoder=DjangoJSONEncoder)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "params_key"],
                condition=models.Q(state__in=["queued", "running"]),
                name="portal_job_one_live_per_params",
            ),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="portal_job_state_beat_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("portal:job_status", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def percent(self) -> int:
        """0–100; a finished job is 100 even when its runner never reported a total."""
        if self.state == JobState.DONE:
            return 100
        if not self.progress_total:
            return 0
        return max(0, min(100, self.progress_done * 100 // self.progress_total))
