import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches import idnumbers
from portal.models import TimeStampedModel

phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("手机号应为11位，以1开头。"))

# 换届: committee terms are 3 years, 5 for village and community organisations
# (中国共产党支部工作条例（试行）2018 第二十二条).
TERM_YEARS_DEFAULT = 3
TERM_YEARS_VILLAGE_COMMUNITY = 5
TERM_DUE_WARNING_DAYS = 60


class User(AbstractUser):
    """A login. Most members never have one; committee staff always do."""

    phone = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="user_email_unique_when_set")
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class OrganizationKind(models.TextChoices):
    MUNICIPAL_COMMITTEE = "municipal", _("市委")
    DISTRICT_COMMITTEE = "district", _("区委")
    WORKING_COMMITTEE = "working", _("工委")
    PRIMARY_COMMITTEE = "primary", _("基层党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


class OrganizationCategory(models.TextChoices):
    GOVERNMENT = "government", _("机关")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise", _("非公有制企业")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    VILLAGE = "village", _("农村")
    COMMUNITY = "community", _("社区")
    SCHOOL = "school", _("学校")
    RETIRED = "retired", _("离退休")
    OTHER = "other", _("其他")


# Which kinds may sit under which: the tree the seed document's
# "一级抓一级，层层抓落实" assumes.
ALLOWED_PARENT_KINDS: dict[str, set[str]] = {
    OrganizationKind.MUNICIPAL_COMMITTEE: set(),
    OrganizationKind.DISTRICT_COMMITTEE: {OrganizationKind.MUNICIPAL_COMMITTEE},
    OrganizationKind.WORKING_COMMITTEE: {OrganizationKind.MUNICIPAL_COMMITTEE, OrganizationKind.DISTRICT_COMMITTEE},
    OrganizationKind.PRIMARY_COMMITTEE: {
        OrganizationKind.MUNICIPAL_COMMITTEE,
        OrganizationKind.DISTRICT_COMMITTEE,
        OrganizationKind.WORKING_COMMITTEE,
        OrganizationKind.PRIMARY_COMMITTEE,
    },
    OrganizationKind.GENERAL_BRANCH: {
        OrganizationKind.DISTRICT_COMMITTEE,
        OrganizationKind.WORKING_COMMITTEE,
        OrganizationKind.PRIMARY_COMMITTEE,
    },
    OrganizationKind.BRANCH: {
        OrganizationKind.DISTRICT_COMMITTEE,
        OrganizationKind.WORKING_COMMITTEE,
        OrganizationKind.PRIMARY_COMMITTEE,
        OrganizationKind.GENERAL_BRANCH,
    },
}


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, organization: "Organization") -> "OrganizationQuerySet":
        return self.filter(path__startswith=organization.path)

    def branches(self) -> "OrganizationQuerySet":
        return self.filter(kind=OrganizationKind.BRANCH)

    def visible_to(self, user) -> "OrganizationQuerySet":
        from branches.permissions import organizations_visible_to

        return organizations_visible_to(user, queryset=self)


class Organization(TimeStampedModel):
    """A Party organisation (党组织). One tree, stored as a materialised path.

    `path` is the ancestors' ids and the own id, zero-padded to 8 digits:
    `00000001/00000005/`. A subtree is one indexed prefix query
    (`path LIKE '00000001/%'`).
    """

    STEP = 9  # 8 digits + "/"

    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(_("组织代码"), max_length=40, unique=True)
    kind = models.CharField(_("组织类型"), max_length=20, choices=OrganizationKind.choices)
    category = models.CharField(
        _("单位类别"), max_length=30, choices=OrganizationCategory.choices, default=OrganizationCategory.OTHER
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级党组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=1)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_started_on = models.DateField(_("本届委员会任期开始"), null=True, blank=True)
    term_ends_on = models.DateField(_("本届委员会任期届满"), null=True, blank=True)
    is_weak = models.BooleanField(_("软弱涣散"), default=False)
    weak_since = models.DateField(_("认定为软弱涣散日期"), null=True, blank=True)
    weak_reason = models.TextField(_("软弱涣散原因"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs the pattern operator class.
            models.Index(fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="org_kind_path_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(is_weak=False) | Q(weak_since__isnull=False), name="org_weak_has_date"),
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_started_on__isnull=True)
                | Q(term_ends_on__gt=models.F("term_started_on")),
                name="org_term_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("branches:organization_detail", args=[self.pk])

    @classmethod
    def path_segment(cls, pk: int) -> str:
        return f"{pk:08d}/"

    @property
    def is_branch(self) -> bool:
        return self.kind == OrganizationKind.BRANCH

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split("/")[:-2]]

    @property
    def term_years(self) -> int:
        if self.category in (OrganizationCategory.VILLAGE, OrganizationCategory.COMMUNITY):
            return TERM_YEARS_VILLAGE_COMMUNITY
        return TERM_YEARS_DEFAULT

    def term_days_left(self, today: datetime.date) -> int | None:
        return (self.term_ends_on - today).days if self.term_ends_on else None

    def clean(self) -> None:
        allowed = ALLOWED_PARENT_KINDS.get(self.kind, set())
        if self.parent_id is None and allowed:
            raise ValidationError({"kind": _("该类型的党组织必须有上级党组织。")})
        if self.parent_id is not None and self.parent.kind not in allowed:
            # Reported on `kind`: forms pick the kind, the parent is fixed by the page.
            raise ValidationError(
                {
                    "kind": _("%(kind)s不能设在%(parent_kind)s之下。")
                    % {"kind": self.get_kind_display(), "parent_kind": self.parent.get_kind_display()}
                }
            )
        if self.is_weak and not self.weak_since:
            raise ValidationError({"weak_since": _("请填写认定为软弱涣散的日期。")})
        if self.term_started_on and self.term_ends_on and self.term_ends_on <= self.term_started_on:
            raise ValidationError({"term_ends_on": _("任期届满日期应晚于任期开始日期。")})


class PartyGroupQuerySet(models.QuerySet):
    def standing(self, on: datetime.date | None = None) -> "PartyGroupQuerySet":
        """Groups not dissolved on the day (today by default): the ones members and new meetings may be put in."""
        return self.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on or timezone.localdate()))


class PartyGroup(TimeStampedModel):
    """党小组: a group inside a branch, with the days it was set up and dissolved: a period is judged by the groups
    that stood throughout it (reviews.compliance.rules.BranchStructure)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("名称"), max_length=100)
    leader = models.ForeignKey(
        "Member", verbose_name=_("党小组长"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    established_on = models.DateField(_("成立日期"), default=timezone.localdate)
    dissolved_on = models.DateField(
        _("撤销日期"), null=True, blank=True, help_text=_("撤销当天起不再按党小组考核，组员转为不编入党小组。")
    )

    objects = PartyGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("党小组")
        verbose_name_plural = _("党小组")
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="group_name_unique_in_branch"),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=models.F("established_on")),
                name="group_dissolved_after_established",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.organization_id and self.organization.kind != OrganizationKind.BRANCH:
            raise ValidationError({"organization": _("党小组只能设在党支部内。")})
        if self.leader_id and self.leader.organization_id != self.organization_id:
            raise ValidationError({"leader": _("党小组长须是本支部党员。")})
        if self.dissolved_on and self.established_on and self.dissolved_on <= self.established_on:
            raise ValidationError({"dissolved_on": _("撤销日期应晚于成立日期。")})
        if self.dissolved_on and self.dissolved_on > timezone.localdate():
            # Its members leave it when it is dissolved: a date to come would leave them in it.
            raise ValidationError({"dissolved_on": _("撤销日期不能晚于今天。")})

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None and self.dissolved_on <= timezone.localdate()


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    UNDERGRADUATE = "undergraduate", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专/高中")
    JUNIOR = "junior", _("初中及以下")


class MembershipType(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    DECEASED = "deceased", _("已去世")
    LEFT = "left", _("出党/停止党籍")


class MemberCategory(models.TextChoices):
    """Member categories the seed asks to cover specially; stored as flags."""

    RETIRED = "is_retired", _("离退休党员")
    FLOATING = "is_floating", _("流动党员")
    NON_PUBLIC = "is_non_public", _("非公企业党员")
    LEADING_CADRE = "is_leading_cadre", _("党员领导干部")
    STUDENT = "is_student", _("学生党员")


class MemberQuerySet(models.QuerySet):
    def active(self) -> "MemberQuerySet":
        return self.filter(status=MemberStatus.ACTIVE)

    def visible_to(self, user) -> "MemberQuerySet":
        from branches.permissions import members_visible_to

        return members_visible_to(user, queryset=self)


class Member(TimeStampedModel):
    """党员. May have no login (`user` is optional)."""

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True, validators=[phone_validator])
    id_number_encrypted = models.TextField(_("身份证号（加密）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, unique=True, editable=False)
    membership_type = models.CharField(
        _("党员类型"), max_length=20, choices=MembershipType.choices, default=MembershipType.FULL
    )
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    is_retired = models.BooleanField(_("离退休党员"), default=False)
    is_floating = models.BooleanField(_("流动党员"), default=False)
    is_non_public = models.BooleanField(_("非公企业党员"), default=False)
    is_leading_cadre = models.BooleanField(_("党员领导干部"), default=False)
    is_student = models.BooleanField(_("学生党员"), default=False)
    status = models.CharField(_("党籍状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在党支部"), on_delete=models.PROTECT, related_name="members"
    )
    group = models.ForeignKey(
        PartyGroup, verbose_name=_("党小组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    position = models.CharField(_("职务/岗位"), max_length=100, blank=True)
    # 双重组织生活: the leadership team (a 党委/党组's 班子) a leading cadre sits on, besides their own branch.
    leadership_team = models.ForeignKey(
        Organization,
        verbose_name=_("所在领导班子"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leadership_team_members",
        help_text=_("党员领导干部所在的党委（党组、党总支）领导班子：参加其民主生活会和理论学习中心组学习。"),
    )
    user = models.OneToOneField(
        User, verbose_name=_("登录账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organization_id", "name", "pk"]
        permissions = [("view_full_id_number", _("可查看完整身份证号"))]
        indexes = [models.Index(fields=["organization", "status", "name"], name="member_org_status_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("branches:member_detail", args=[self.pk])

    @property
    def id_number(self) -> str:
        return idnumbers.decrypt(self.id_number_encrypted)

    @property
    def id_number_masked(self) -> str:
        return idnumbers.mask(self.id_number)

    @property
    def birth_year(self) -> int | None:
        """What a viewer without the full ID number sees of the birth date (the full date would narrow the
        masked number down to a few candidates)."""
        return self.birth_date.year if self.birth_date else None

    def set_id_number(self, number: str) -> None:
        number = idnumbers.normalize(number)
        self.id_number_encrypted = idnumbers.encrypt(number)
        self.id_number_digest = idnumbers.digest(number)

    @property
    def categories(self) -> list[str]:
        return [str(category.label) for category in MemberCategory if getattr(self, category.value)]

    def clean(self) -> None:
        errors = {}
        if self.organization_id and self.organization.kind != OrganizationKind.BRANCH:
            errors["organization"] = _("党员须编入党支部。")
        if self.group_id and self.group.organization_id != self.organization_id:
            errors["group"] = _("党小组须属于所在党支部。")
        if (
            self.membership_type == MembershipType.FULL
            and self.joined_on
            and self.full_member_on
            and self.full_member_on < self.joined_on
        ):
            errors["full_member_on"] = _("转正日期不能早于入党日期。")
        if self.membership_type == MembershipType.PROBATIONARY and self.full_member_on:
            errors["full_member_on"] = _("预备党员不应有转正日期。")
        if self.leadership_team_id:
            if not self.is_leading_cadre:
                errors["leadership_team"] = _("只有党员领导干部才编入领导班子。")
            elif self.leadership_team.kind == OrganizationKind.BRANCH:
                errors["leadership_team"] = _("领导班子须是党委、党组或党总支。")
        if self.birth_date and self.joined_on and self.joined_on <= self.birth_date:
            errors["joined_on"] = _("入党日期应晚于出生日期。")
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """Where a member was organised and when (组织关系): one row per stay."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="memberships"
    )
    started_on = models.DateField(_("转入日期"))
    ended_on = models.DateField(_("转出日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("组织关系记录")
        verbose_name_plural = _("组织关系记录")
        ordering = ["member", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="membership_one_open_per_member"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.organization}"


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZER = "organizer", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    COMMITTEE_MEMBER = "committee_member", _("支委")
    OFFICER = "officer", _("党委工作人员")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Roles that make someone part of the organisation's committee (班子).
COMMITTEE_ROLE_KINDS = {
    RoleKind.SECRETARY,
    RoleKind.DEPUTY_SECRETARY,
    RoleKind.ORGANIZER,
    RoleKind.PROPAGANDA,
    RoleKind.DISCIPLINE,
    RoleKind.COMMITTEE_MEMBER,
}
# Roles that may change the roster and the organisation's records.
MANAGING_ROLE_KINDS = {
    RoleKind.SECRETARY,
    RoleKind.DEPUTY_SECRETARY,
    RoleKind.ORGANIZER,
    RoleKind.OFFICER,
    RoleKind.ADMINISTRATOR,
}
# Roles for which two-factor login is required.
MFA_ROLE_KINDS = {RoleKind.OFFICER, RoleKind.ADMINISTRATOR}


class Role(TimeStampedModel):
    """A position a user holds in an organisation; grants the subtree below it."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("职务"), max_length=30, choices=RoleKind.choices)
    started_on = models.DateField(_("任职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["organization", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique_per_user_org_kind")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_kind_display()} {self.user}"


# 换届: the elections and the committees they elected (a sub-package of this app; see branches/terms/models.py).
from branches.terms.models import CommitteeSeat, CommitteeTerm  # noqa: E402, F401
