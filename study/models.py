import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, MembershipType, Organization, PartyGroup
from portal.models import TimeStampedModel

# Rule M3 (DESIGN.md §3; 党员教育管理工作条例 2019): yearly study hours.
REQUIRED_HOURS_MEMBER = 32
REQUIRED_HOURS_COMMITTEE = 56
REFLECTION_MIN_LENGTH = 10
REFLECTION_MAX_LENGTH = 2000


class MaterialCategory(models.TextChoices):
    PARTY_CONSTITUTION = "constitution", _("党章")
    PARTY_RULES = "rules", _("党规党纪")
    SPEECHES = "speeches", _("系列讲话")
    BEIJING_SPEECHES = "beijing_speeches", _("视察北京重要讲话")
    PARTY_HISTORY = "history", _("党史")
    ROLE_MODELS = "role_models", _("先进典型")
    WARNING_EDUCATION = "warning", _("警示教育")
    LATEST = "latest", _("最新精神")


def material_upload_to(instance: "StudyMaterial", filename: str) -> str:
    # Non-guessable names; files are served only through an access-checked view.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"materials/{uuid.uuid4().hex}.{suffix}"


class StudyMaterial(TimeStampedModel):
    """学习资料: published by an organisation, visible in its subtree."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="materials"
    )
    title = models.CharField(_("标题"), max_length=200)
    category = models.CharField(_("类别"), max_length=30, choices=MaterialCategory.choices)
    body = models.TextField(_("正文"), blank=True)
    attachment = models.FileField(_("附件"), upload_to=material_upload_to, blank=True)
    attachment_name = models.CharField(_("附件原名"), max_length=200, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    source_url = models.URLField(_("原文链接"), blank=True)
    is_required = models.BooleanField(_("必读"), default=False)
    published_on = models.DateField(_("发布日期"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("学习资料")
        verbose_name_plural = _("学习资料")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("study:material_detail", args=[self.pk])


class MaterialRead(models.Model):
    """Who opened a material on the portal, and when (first and last time); no time tracking."""

    material = models.ForeignKey(
        StudyMaterial, verbose_name=_("学习资料"), on_delete=models.CASCADE, related_name="reads"
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="material_reads")
    first_read_at = models.DateTimeField(_("首次阅读"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("最近阅读"), auto_now=True)

    class Meta:
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")
        constraints = [models.UniqueConstraint(fields=["material", "member"], name="material_read_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.material}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回")


class StudyPlan(TimeStampedModel):
    """学习计划: an organisation's annual plan (one row per revision), or a committee's template."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="study_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    is_template = models.BooleanField(_("模板计划"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    template = models.ForeignKey(
        "self", verbose_name=_("采用的模板"), null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    previous_revision = models.OneToOneField(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
    )
    is_current = models.BooleanField(_("当前版本"), default=True)
    published_at = models.DateTimeField(_("模板下发时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("学习计划")
        verbose_name_plural = _("学习计划")
        ordering = ["-year", "organization", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "revision", "is_template"], name="plan_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "year", "is_template"],
                condition=Q(is_current=True),
                name="plan_one_current_per_year",
            ),
        ]
        indexes = [models.Index(fields=["year", "status", "is_current"], name="plan_year_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("study:plan_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class StudyForm(models.TextChoices):
    COLLECTIVE = "collective", _("集中学习")
    SELF_STUDY = "self_study", _("个人自学")
    DISCUSSION = "discussion", _("专题研讨")
    LECTURE = "lecture", _("党课")


class Audience(models.TextChoices):
    ALL = "all", _("全体党员")
    GROUP = "group", _("党小组")
    LEADING_CADRES = "leading_cadres", _("党员领导干部")
    PROBATIONARY = "probationary", _("预备党员")


class StudyPlanItem(models.Model):
    """A month's study topic in a plan. `key` stays the same across revisions so tasks follow it."""

    plan = models.ForeignKey(StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="items")
    key = models.UUIDField(_("条目标识"), default=uuid.uuid4, editable=False)
    month = models.PositiveSmallIntegerField(_("月份"))
    topic = models.CharField(_("学习主题"), max_length=200)
    form = models.CharField(_("学习形式"), max_length=20, choices=StudyForm.choices, default=StudyForm.SELF_STUDY)
    audience = models.CharField(_("学习对象"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    group = models.ForeignKey(
        PartyGroup, verbose_name=_("党小组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(_("完成期限"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=2)
    materials = models.ManyToManyField(StudyMaterial, verbose_name=_("学习资料"), blank=True, related_name="plan_items")

    class Meta:
        verbose_name = _("学习计划条目")
        verbose_name_plural = _("学习计划条目")
        ordering = ["plan", "month", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="plan_item_key_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plan_item_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.month}月 {self.topic}"

    def addresses(self, member: Member) -> bool:
        """Whether this item's audience includes the member (row-local; see services.audience_members)."""
        if self.audience == Audience.GROUP:
            return member.group_id == self.group_id
        if self.audience == Audience.LEADING_CADRES:
            return member.is_leading_cadre
        if self.audience == Audience.PROBATIONARY:
            return member.membership_type == MembershipType.PROBATIONARY
        return True


class PlanStatusChange(models.Model):
    """The plan's status history: who moved it, when, with what comment."""

    plan = models.ForeignKey(StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("原状态"), max_length=20, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=PlanStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("计划状态记录")
        verbose_name_plural = _("计划状态记录")
        ordering = ["plan", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan} → {self.get_to_status_display()}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待完成")
    DONE = "done", _("已完成")
    CLOSED = "closed", _("已关闭")


# A task's title in queries: the plan item's topic, or a 补学's own.
TASK_TITLE = Coalesce("item__topic", "topic")


class TaskKind(models.TextChoices):
    PLAN = "plan", _("计划学习")
    MAKEUP = "makeup", _("补学")


class StudyTask(TimeStampedModel):
    """学习任务: one member, one plan item (or, for a 补学, the meeting they missed on leave), a due date;
    done with a 心得."""

    # No single-column indexes on member and organization: the composite indexes below lead with them,
    # and every index slows the bulk insert when a plan is filed.
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="study_tasks", db_index=False
    )
    kind = models.CharField(_("任务类型"), max_length=10, choices=TaskKind.choices, default=TaskKind.PLAN)
    item = models.ForeignKey(
        StudyPlanItem,
        verbose_name=_("计划条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    item_key = models.UUIDField(_("条目标识"), null=True, blank=True)
    meeting = models.ForeignKey(
        "activities.Meeting",
        verbose_name=_("补学的会议"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="makeup_tasks",
    )
    topic = models.CharField(_("补学内容"), max_length=200, blank=True)
    hours = models.DecimalField(_("补学学时"), max_digits=4, decimal_places=1, null=True, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="study_tasks", db_index=False
    )
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    reflection = models.TextField(_("学习心得"), blank=True)
    closed_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("学习任务")
        verbose_name_plural = _("学习任务")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "item_key"], name="task_once_per_member_item"),
            # Plain (not partial) so that ON CONFLICT can use it; NULL meetings never collide.
            models.UniqueConstraint(fields=["member", "meeting"], name="task_makeup_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(kind="plan", item__isnull=False, item_key__isnull=False)
                | Q(kind="makeup", meeting__isnull=False),
                name="task_has_plan_item_or_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False), name="task_done_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "due_date"], name="task_member_due_idx"),
            models.Index(fields=["organization", "due_date", "status"], name="task_org_due_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.title}"

    @property
    def is_makeup(self) -> bool:
        return self.kind == TaskKind.MAKEUP

    @property
    def title(self) -> str:
        return self.topic if self.item_id is None else self.item.topic

    @property
    def credit_hours(self):
        """学时 the task earns when done: the plan item's, or for a 补学 the missed meeting's length."""
        return self.hours if self.item_id is None else self.item.hours


class CadreStudyPlan(TimeStampedModel):
    """个人自学计划: a leading cadre's yearly self-study plan."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员领导干部"), on_delete=models.CASCADE, related_name="cadre_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))

    class Meta:
        verbose_name = _("个人自学计划")
        verbose_name_plural = _("个人自学计划")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="cadre_plan_once_per_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"


class CadreStudyItem(models.Model):
    plan = models.ForeignKey(
        CadreStudyPlan, verbose_name=_("个人自学计划"), on_delete=models.CASCADE, related_name="items"
    )
    title = models.CharField(_("学习内容"), max_length=200)
    target_month = models.PositiveSmallIntegerField(_("计划月份"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    note = models.TextField(_("学习笔记"), blank=True)

    class Meta:
        verbose_name = _("自学条目")
        verbose_name_plural = _("自学条目")
        ordering = ["plan", "target_month", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="cadre_item_progress_max_100"),
            models.CheckConstraint(
                condition=Q(target_month__gte=1, target_month__lte=12), name="cadre_item_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title
