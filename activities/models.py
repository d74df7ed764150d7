"""Organisational life (做): meetings of every kind, attendance, attachments, filing; talks and commitments.

Source: seed §二.2–§二.6 (三会一课, 主题党日 "每月至少固定一天", 组织生活会, 民主生活会, 谈心谈话,
党支部活动记录制度, 组织生活全程纪实, 双重组织生活, 承诺践诺, 亮明身份).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization, OrganizationKind, PartyGroup
from portal.models import TimeStampedModel
from study.models import StudyPlanItem


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    ORG_LIFE_MEETING = "org_life_meeting", _("组织生活会")
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", _("民主生活会")
    CENTRAL_GROUP_STUDY = "central_group_study", _("理论学习中心组学习")
    THEMATIC_DISCUSSION = "thematic_discussion", _("专题研讨")
    COLLECTIVE_STUDY = "collective_study", _("集中学习")
    WARNING_EDUCATION = "warning_education", _("警示教育")
    CEREMONY = "ceremony", _("仪式教育（七一）")
    VOLUNTEER_SERVICE = "volunteer_service", _("志愿服务")
    # Only ever a kind a 支部党员大会 also counts as: the meeting that decides the year's 民主评议党员 (seed §二.3).
    DEMOCRATIC_EVALUATION = "democratic_evaluation", _("民主评议党员")


# Kinds a meeting can only count as, never be (the form offers them under "also counts as").
COUNTS_AS_ONLY = {MeetingKind.DEMOCRATIC_EVALUATION}

# The 三会一课.
THREE_MEETINGS_ONE_LECTURE = (
    MeetingKind.GENERAL_MEETING,
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.GROUP_MEETING,
    MeetingKind.PARTY_LECTURE,
)

_BRANCH_KINDS = {
    MeetingKind.GENERAL_MEETING,
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.THEME_DAY,
    MeetingKind.ORG_LIFE_MEETING,
    MeetingKind.THEMATIC_DISCUSSION,
    MeetingKind.COLLECTIVE_STUDY,
    MeetingKind.WARNING_EDUCATION,
    MeetingKind.CEREMONY,
    MeetingKind.VOLUNTEER_SERVICE,
    MeetingKind.DEMOCRATIC_EVALUATION,
}
_COMMITTEE_KINDS = {
    MeetingKind.DEMOCRATIC_LIFE_MEETING,
    MeetingKind.CENTRAL_GROUP_STUDY,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.THEMATIC_DISCUSSION,
    MeetingKind.COLLECTIVE_STUDY,
    MeetingKind.WARNING_EDUCATION,
    MeetingKind.CEREMONY,
    MeetingKind.VOLUNTEER_SERVICE,
}
# Which kinds an organisation (or a 党小组, key "group") may hold.
KINDS_BY_HOLDER: dict[str, set[str]] = {
    OrganizationKind.BRANCH: _BRANCH_KINDS,
    "group": {MeetingKind.GROUP_MEETING, MeetingKind.COLLECTIVE_STUDY, MeetingKind.THEMATIC_DISCUSSION},
    OrganizationKind.GENERAL_BRANCH: _COMMITTEE_KINDS | {MeetingKind.GENERAL_MEETING},
    OrganizationKind.PRIMARY_COMMITTEE: _COMMITTEE_KINDS,
    OrganizationKind.WORKING_COMMITTEE: _COMMITTEE_KINDS,
    OrganizationKind.DISTRICT_COMMITTEE: _COMMITTEE_KINDS,
    OrganizationKind.MUNICIPAL_COMMITTEE: _COMMITTEE_KINDS,
}
# The leadership team's own meetings (双重组织生活): held by a committee, attended by the leading cadres who sit
# on its team (`Member.leadership_team`), wherever their own branch is.
TEAM_KINDS = {MeetingKind.DEMOCRATIC_LIFE_MEETING, MeetingKind.CENTRAL_GROUP_STUDY}
# Kinds with study content: a 请假 from one of these creates a 补学 task.
STUDY_KINDS = {
    MeetingKind.GENERAL_MEETING,
    MeetingKind.GROUP_MEETING,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.THEME_DAY,
    MeetingKind.THEMATIC_DISCUSSION,
    MeetingKind.COLLECTIVE_STUDY,
    MeetingKind.CENTRAL_GROUP_STUDY,
    MeetingKind.WARNING_EDUCATION,
}


class ThemeDayPart(models.TextChoices):
    STUDY = "study", _("学习")
    LECTURE = "lecture", _("党课")
    DELIBERATION = "deliberation", _("民主议事")
    VOLUNTEER = "volunteer", _("志愿服务")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已召开")
    FILED = "filed", _("已归档")


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeetingQuerySet":
        from activities.permissions import meetings_visible_to  # imports this module

        return meetings_visible_to(user, queryset=self)

    def counting_as(self, kind: str) -> "MeetingQuerySet":
        return self.filter(counted_kinds__kind=kind)


class Meeting(TimeStampedModel):
    """One session of organisational life, recorded once (组织生活全程纪实).

    `organization` holds it (for a 党小组会: the group's branch, with `group` set). It counts by the day it was
    held (`held_on`, the local date of `starts_at`), whenever it was entered. `counted_kinds` lists every kind
    it counts as, its own kind included. `version` guards against two people saving over each other.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    group = models.ForeignKey(
        PartyGroup, verbose_name=_("党小组"), null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("会议类型"), max_length=30, choices=MeetingKind.choices)
    topic = models.CharField(_("主题"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    held_on = models.DateField(_("召开日期"), editable=False)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.ForeignKey(
        Member, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Member, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer = models.ForeignKey(
        Member, verbose_name=_("授课人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer_name = models.CharField(_("授课人姓名"), max_length=50, blank=True)
    lecturer_post = models.CharField(_("授课人职务"), max_length=100, blank=True)
    lecturer_is_secretary = models.BooleanField(_("书记讲党课"), default=False)
    agenda = models.TextField(_("议程"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    theme_day_parts = models.JSONField(_("主题党日内容"), default=list, blank=True)
    observers = models.CharField(_("上级列席人员"), max_length=300, blank=True)
    plan_items = models.ManyToManyField(
        StudyPlanItem, verbose_name=_("对应学习计划"), blank=True, related_name="meetings"
    )
    status = models.CharField(_("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    version = models.PositiveIntegerField(_("修改版本"), default=1)
    creation_key = models.UUIDField(_("提交标识"), null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议活动")
        verbose_name_plural = _("会议活动")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "held_on"], name="meeting_org_held_idx"),
            models.Index(fields=["status", "held_on"], name="meeting_status_held_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status="filed") | Q(filed_at__isnull=False), name="meeting_filed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting_detail", args=[self.pk])

    @property
    def is_filed(self) -> bool:
        return self.status == MeetingStatus.FILED

    @property
    def duration_hours(self):
        from decimal import Decimal

        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))

    @property
    def holder_name(self) -> str:
        return f"{self.organization.name} {self.group.name}" if self.group_id else self.organization.name


class CountedKind(models.Model):
    """A kind the meeting counts as ("counts as"): its own kind and any other it also held."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="counted_kinds")
    kind = models.CharField(_("计为"), max_length=30, choices=MeetingKind.choices)

    class Meta:
        verbose_name = _("计入类型")
        verbose_name_plural = _("计入类型")
        constraints = [models.UniqueConstraint(fields=["meeting", "kind"], name="counted_kind_once_per_meeting")]
        indexes = [models.Index(fields=["kind", "meeting"], name="counted_kind_kind_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


class Attendance(models.Model):
    """Whether a member came: one row per expected attendee."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(
        _("出勤"), max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT
    )
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("扫码签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出勤记录")
        verbose_name_plural = _("出勤记录")
        ordering = ["meeting", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_member"),
            models.CheckConstraint(
                condition=~Q(status="leave") | ~Q(leave_reason=""), name="attendance_leave_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["member", "meeting"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"


class LeaveRequest(TimeStampedModel):
    """请假申请: a member asks to be excused from a meeting before it starts, with a reason. The secretary finds
    the member pre-marked as 请假 with that reason when recording attendance. The member may withdraw it (the row
    is deleted) until the meeting starts; after that it stays as it was."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField(_("请假事由"), max_length=200)

    class Meta:
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")
        ordering = ["meeting", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="leave_request_once_per_member"),
            models.CheckConstraint(condition=~Q(reason=""), name="leave_request_has_reason"),
        ]
        indexes = [models.Index(fields=["member", "meeting"], name="leave_request_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.meeting}"


def attachment_upload_to(instance: "MeetingAttachment", filename: str) -> str:
    # Non-guessable names; served only through the access-checked view.
    return f"meetings/{uuid.uuid4().hex}"


class MeetingAttachment(models.Model):
    """Optional evidence (photos, sign-in sheet scans, PDFs); never required by a rule."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    thumbnail = models.FileField(_("缩略图"), upload_to=attachment_upload_to, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class MeetingVersion(models.Model):
    """A filed version of a meeting: the snapshot, its hash, and for an amendment the reason.

    Version 1 is the filing; each amendment adds the next one. Nothing here is ever updated.
    """

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    content = models.JSONField(_("归档内容"))
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    # HMAC-SHA256 under RECORDS_SIGNING_KEY of the content hash with the filing metadata (activities.records.signing).
    signature = models.CharField(_("签名"), max_length=64, blank=True, default="")
    reason = models.TextField(_("更正原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("归档版本")
        verbose_name_plural = _("归档版本")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="meeting_version_unique")]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.number}"

    @property
    def is_amendment(self) -> bool:
        return self.number > 1


class RecordChainEntry(models.Model):
    """One link of an organisation's append-only chain of filings: each filing and each amendment of a meeting
    held by the organisation appends one entry, signed (RECORDS_SIGNING_KEY) over its fields and the previous
    entry's signature. The database refuses UPDATE and DELETE on this table (PostgreSQL and SQLite triggers).

    `meeting_id` and `version_id` are plain numbers, not foreign keys: the chain must still name a meeting after
    someone deleted it behind the services' back."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="record_chain"
    )
    sequence = models.PositiveIntegerField(_("序号"))
    meeting_id = models.BigIntegerField(_("会议编号"), db_index=True)
    version_id = models.BigIntegerField(_("归档版本编号"), unique=True)
    version_number = models.PositiveIntegerField(_("版本号"))
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    previous_signature = models.CharField(_("前一条签名"), max_length=64, blank=True)
    signature = models.CharField(_("签名"), max_length=64)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("归档记录链")
        verbose_name_plural = _("归档记录链")
        ordering = ["organization", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sequence"], name="record_chain_sequence_unique"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="record_chain_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} #{self.sequence}"


class HeartTalk(TimeStampedModel):
    """谈心谈话 between two members; the summary is for the two and the branch secretary only."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="heart_talks"
    )
    initiator = models.ForeignKey(
        Member, verbose_name=_("谈话人"), on_delete=models.PROTECT, related_name="talks_initiated"
    )
    counterpart = models.ForeignKey(
        Member, verbose_name=_("谈话对象"), on_delete=models.PROTECT, related_name="talks_received"
    )
    held_on = models.DateField(_("谈话日期"))
    summary = models.TextField(_("谈话要点"))
    is_criticism = models.BooleanField(_("批评教育"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("谈心谈话")
        verbose_name_plural = _("谈心谈话")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(initiator=models.F("counterpart")), name="talk_two_members"),
        ]
        indexes = [models.Index(fields=["organization", "held_on"], name="talk_org_held_idx")]

    def __str__(self) -> str:
        return f"{self.initiator} · {self.counterpart} {self.held_on}"


class Commitment(TimeStampedModel):
    """承诺践诺: a member's yearly commitment tied to their post, two self-reports and the branch's comment."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="commitments")
    year = models.PositiveSmallIntegerField(_("年度"))
    post = models.CharField(_("岗位"), max_length=100, blank=True)
    pledge = models.TextField(_("承诺内容"))
    mid_year_report = models.TextField(_("年中践诺情况"), blank=True)
    mid_year_reported_at = models.DateTimeField(_("年中自评时间"), null=True, blank=True)
    year_end_report = models.TextField(_("年终践诺情况"), blank=True)
    year_end_reported_at = models.DateTimeField(_("年终自评时间"), null=True, blank=True)
    branch_comment = models.TextField(_("支部评价"), blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commented_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承诺践诺")
        verbose_name_plural = _("承诺践诺")
        ordering = ["-year", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="commitment_once_per_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"


class PioneerPostKind(models.TextChoices):
    PIONEER = "pioneer", _("党员先锋岗")
    MODEL = "model", _("党员示范岗")
    RESPONSIBILITY = "responsibility", _("党员责任区")


class PioneerPost(TimeStampedModel):
    """亮明身份: a member's 先锋岗 / 示范岗 / 责任区, shown on the member page."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="pioneer_posts")
    kind = models.CharField(_("类型"), max_length=20, choices=PioneerPostKind.choices)
    title = models.CharField(_("名称"), max_length=100)
    started_on = models.DateField(_("设立日期"))
    ended_on = models.DateField(_("撤销日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员先锋岗")
        verbose_name_plural = _("党员先锋岗")
        ordering = ["member", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


# 党费 (activities/dues/): the models live beside their package and are registered through this module.
from activities.dues.models import (  # noqa: E402, F401
    DuesAmendment,
    DuesBase,
    DuesMonth,
    DuesPayment,
    DuesRule,
)
