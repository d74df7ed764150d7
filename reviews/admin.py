"""Oversight in the Django admin: the rules as data, edited by administrators; results, roll-ups and flags read-only.

A rule change never rewrites the past (reviews/compliance/rule_versions.py): saving a change to a rule in force
creates its next version from the date chosen in 生效日期, and the stored row keeps what it said. Every
queryset goes through branches.permissions: rule sets of the whole city are visible to every administrator
but changed only by those at the top; a district's rule sets only inside its scope.
"""

from __future__ import annotations

import copy
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from activities.models import MeetingKind
from branches.admin import ScopedAdminMixin
from branches.exports.admin import AnnualExportAdminMixin
from branches.models import OrganizationCategory, OrganizationKind, User
from branches.permissions import (
    can_view_organization,
    is_administrator,
    organization_scope_q,
    organizations_visible_to,
    scope_paths,
    sees_everything,
)
from portal.jobs.selectors import jobs_visible_to
from reviews.compliance import rule_versions as rule_services
from reviews.compliance.rule_versions import CONTENT_FIELDS, RuleState
from reviews.evaluations import services as evaluation_services
from reviews.evaluations.models import EvaluationCampaign, EvaluationProblem, Grade, GradeProposal
from reviews.evaluations.permissions import campaigns_visible_to, problems_visible_to, proposals_visible_to
from reviews.models import ComplianceResult, ComplianceRollup, GradePolicy, MemberFlag, Rule, RuleSet
from reviews.resources import (
    ComplianceResultExportResource,
    EvaluationProblemExportResource,
    GradeProposalExportResource,
)

RECOMPUTE_MESSAGE = _("规则已保存，合规结果正在重新计算")
RECOMPUTE_LINK = _("查看进度")
RECOMPUTE_BY_OTHER = _("（由其他管理员发起的重新计算会包含本次修改）")


def recompute_message(request: HttpRequest, *, today: datetime.date | None = None) -> None:
    """Say that the year is being recomputed, with a link to the job's page when this user may see it (its
    starter, or a superuser); a second save while the job runs gets the same job."""
    job = rule_services.compliance_recompute_job_live(year=(today or timezone.localdate()).year)
    if job is None:
        messages.success(request, RECOMPUTE_MESSAGE)
    elif jobs_visible_to(request.user).filter(pk=job.pk).exists():
        messages.success(
            request, format_html('{}：<a href="{}">{}</a>', RECOMPUTE_MESSAGE, job.get_absolute_url(), RECOMPUTE_LINK)
        )
    else:
        messages.success(request, format_html("{}{}", RECOMPUTE_MESSAGE, RECOMPUTE_BY_OTHER))


# Who may change which rule set ---------------------------------------------------------------------------------


def _covers_everything(user: User) -> bool:
    """Superusers, and administrators whose scope starts at the top of the tree (the 市委)."""
    if sees_everything(user):
        return True
    return is_administrator(user) and any(path.count("/") == 1 for path in scope_paths(user))


def may_edit_rule_set(user: User, rule_set: RuleSet) -> bool:
    """City-wide sets: administrators at the top; a district's own set: administrators whose scope covers it."""
    if sees_everything(user):
        return True
    if not is_administrator(user):
        return False
    if rule_set.organization_id is None:
        return _covers_everything(user)
    return can_view_organization(user, rule_set.organization)


def rule_sets_visible_to(user: User) -> QuerySet[RuleSet]:
    """City-wide sets and the sets of organisations in the user's scope."""
    qs = RuleSet.objects.all()
    if sees_everything(user):
        return qs
    return qs.filter(Q(organization__isnull=True) | organization_scope_q(user))


def rule_sets_editable_by(user: User) -> QuerySet[RuleSet]:
    if _covers_everything(user):
        return rule_sets_visible_to(user)
    if not is_administrator(user):
        return RuleSet.objects.none()
    return RuleSet.objects.filter(organization_scope_q(user))


# Rule sets -----------------------------------------------------------------------------------------------------


class RuleSetAdminForm(forms.ModelForm):
    user: User | None = None  # set by RuleSetAdmin.get_form

    class Meta:
        model = RuleSet
        fields = ["name", "code", "organization", "source", "is_active"]

    def clean_organization(self):
        organization = self.cleaned_data.get("organization")
        if organization is None and "organization" in self.fields and not _covers_everything(self.user):
            raise forms.ValidationError(
                _("只有市级系统管理员可以设置全市适用的规则集，请选择适用范围（本级或下级党组织）。")
            )
        return organization


@admin.register(RuleSet)
class RuleSetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RuleSetAdminForm
    list_display = ("name", "code", "organization", "source", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "source")
    list_select_related = ("organization",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return rule_sets_visible_to(request.user).select_related("organization")

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and rule_services.rule_set_in_force(obj, timezone.localdate()):
            # Moving or switching off a set whose rules have judged periods would change those periods' results.
            return ("organization", "is_active")
        return ()

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = organizations_visible_to(request.user).exclude(kind=OrganizationKind.BRANCH)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_edit_rule_set(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or (may_edit_rule_set(request.user, obj) and not obj.rules.exists()))

    def save_model(self, request: HttpRequest, obj: RuleSet, form, change: bool) -> None:
        rule_services.rule_set_save(rule_set=obj, by=request.user)
        recompute_message(request)


# Rules ---------------------------------------------------------------------------------------------------------


class RuleAdminForm(forms.ModelForm):
    """The rule's content with checkboxes for the lists; for a rule in force, the date its new version starts."""

    kinds = forms.MultipleChoiceField(
        label=_("计入的会议类型"),
        choices=MeetingKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=_("适用单位类别"),
        choices=OrganizationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选表示所有类别。"),
    )
    revision_from = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=AdminDateWidget,
        help_text=_(
            "这条规则已经生效：保存修改不会改动原规则，而是新建一个从这一天起生效的版本，原版本在前一天失效，"
            "已经结束的周期仍按原版本检查。默认为本周期的第一天。"
        ),
        error_messages={"invalid": _("请输入正确的日期，如 2026-07-01。")},
    )

    class Meta:
        model = Rule
        fields = [
            "rule_set",
            *CONTENT_FIELDS,
            "effective_from",
            "effective_to",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.stored = copy.copy(self.instance) if self.instance.pk else None
        self.state = rule_services.rule_state(self.instance, self.today) if self.stored else RuleState.FUTURE
        if self.state == RuleState.IN_FORCE:
            self.fields["revision_from"].initial = rule_services.revision_default_date(self.instance, self.today)
        else:
            self.fields.pop("revision_from", None)
        if "effective_from" in self.fields and not self.instance.pk:
            self.fields["effective_from"].help_text = _("不能早于本周期的第一天：新规则不改写已经结束的周期。")

    @property
    def content_changed(self) -> list[str]:
        return [name for name in self.changed_data if name in CONTENT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or (self.stored.period if self.stored else "")
        if self.state == RuleState.IN_FORCE:
            starts = self.stored.effective_from
            if self.content_changed:
                starts = cleaned.get("revision_from")
                for error in rule_services.revision_date_errors(
                    rule=self.stored, effective_from=starts, today=self.today
                ):
                    self.add_error("revision_from", error)
        else:
            starts = cleaned.get("effective_from")
            previous = self.instance.previous if self.instance.previous_id else None
            for error in rule_services.start_date_errors(
                effective_from=starts,
                period=period,
                previous_from=previous.effective_from if previous else None,
                today=self.today,
            ):
                self.add_error("effective_from", error)
        if "effective_to" in self.fields:
            for error in rule_services.end_date_errors(
                effective_from=starts, effective_to=cleaned.get("effective_to"), period=period, today=self.today
            ):
                self.add_error("effective_to", error)
        return cleaned


def _fieldsets(*, validity: tuple[str, ...], kinds: str = "kinds", categories: str = "categories"):
    return (
        (None, {"fields": ("rule_set", "code", "title", "source", "missing_text")}),
        (
            _("英文"),
            {
                "fields": ("title_en", "source_en", "missing_text_en"),
                "description": _("英文页面显示这里的文字；留空则显示中文。"),
            },
        ),
        (_("检查内容"), {"fields": ("scope", categories, "period", kinds, "min_count", "condition")}),
        (
            _("时间窗（如七一前后）"),
            {
                "fields": (("window_start_month", "window_start_day"), ("window_end_month", "window_end_day")),
                "description": _("只用于按年检查的规则：开始和结束的月、日都填写，留空表示整个周期。"),
            },
        ),
        (_("有效期"), {"fields": validity}),
    )


@admin.register(Rule)
class RuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RuleAdminForm
    list_display = (
        "code",
        "title",
        "rule_set",
        "scope",
        "period",
        "min_count",
        "effective_from",
        "effective_to",
        "state_label",
    )
    list_filter = (("rule_set", admin.RelatedOnlyFieldListFilter), "scope", "period")
    search_fields = ("code", "title", "source")
    list_select_related = ("rule_set",)
    ordering = ("rule_set", "code", "scope", "effective_from")
    actions = None  # no bulk delete: one rule at a time, through rule_services.rule_delete

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).annotate(has_next=Exists(Rule.objects.filter(previous=OuterRef("pk"))))
        if sees_everything(request.user):
            return qs
        return qs.filter(rule_set__in=rule_sets_visible_to(request.user))

    def _state(self, obj: Rule | None) -> str:
        if obj is None:
            return RuleState.FUTURE
        if not hasattr(obj, "_admin_state"):
            obj._admin_state = rule_services.rule_state(obj, timezone.localdate())
        return obj._admin_state

    def get_fieldsets(self, request: HttpRequest, obj=None):
        state = self._state(obj)
        if obj is None:
            return _fieldsets(validity=("effective_from", "effective_to"))
        if state == RuleState.FUTURE:
            return _fieldsets(validity=("effective_from", "effective_to", "previous"))
        if state == RuleState.IN_FORCE and self.has_change_permission(request, obj):
            return _fieldsets(validity=("version_span", "revision_from", "effective_to", "previous"))
        return _fieldsets(validity=("version_span", "previous"), kinds="kinds_display", categories="categories_display")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        state = self._state(obj)
        if obj is None:
            return ()
        if state == RuleState.FUTURE:
            return ("previous", "rule_set") if obj.previous_id else ("previous",)
        return ("rule_set", "version_span", "previous", "kinds_display", "categories_display")

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "rule_set":
            kwargs["queryset"] = rule_sets_editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return may_edit_rule_set(request.user, obj.rule_set) and self._state(obj) != RuleState.HISTORY

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return may_edit_rule_set(request.user, obj.rule_set) and self._state(obj) == RuleState.FUTURE

    @admin.display(description=_("状态"))
    def state_label(self, obj: Rule) -> str:
        return {
            RuleState.FUTURE: _("未生效"),
            RuleState.IN_FORCE: _("生效中"),
            RuleState.HISTORY: _("历史版本"),
        }[self._state(obj)]

    @admin.display(description=_("本版本有效期"))
    def version_span(self, obj: Rule) -> str:
        if obj.effective_to:
            return _("%(start)s 至 %(end)s") % {
                "start": obj.effective_from.isoformat(),
                "end": obj.effective_to.isoformat(),
            }
        return _("%(start)s 起") % {"start": obj.effective_from.isoformat()}

    @admin.display(description=_("计入的会议类型"))
    def kinds_display(self, obj: Rule) -> str:
        return "、".join(str(MeetingKind(kind).label) for kind in obj.kinds if kind in MeetingKind.values)

    @admin.display(description=_("适用单位类别"))
    def categories_display(self, obj: Rule) -> str:
        labels = [str(OrganizationCategory(c).label) for c in obj.categories if c in OrganizationCategory.values]
        return "、".join(labels) or _("所有类别")

    def save_model(self, request: HttpRequest, obj: Rule, form: RuleAdminForm, change: bool) -> None:
        if change and not form.has_changed():
            return
        if change and form.state == RuleState.IN_FORCE and form.content_changed:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in CONTENT_FIELDS or name == "effective_to"
            }
            new = rule_services.rule_revise(
                rule=obj,
                changes=changes,
                effective_from=form.cleaned_data["revision_from"],
                today=form.today,
                by=request.user,
            )
            # The admin goes on with the new version (its log entry, "continue editing").
            for model_field in Rule._meta.concrete_fields:
                setattr(obj, model_field.attname, getattr(new, model_field.attname))
            messages.info(
                request,
                _("原规则已生效，未作改动：已新建自%(start)s起生效的新版本，原版本有效至%(end)s。")
                % {"start": new.effective_from.isoformat(), "end": new.previous.effective_to.isoformat()},
            )
        else:
            rule_services.rule_save(rule=obj, today=form.today, by=request.user)
        recompute_message(request, today=form.today)

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        rule_services.rule_delete(rule=obj, by=request.user)
        recompute_message(request)


# Results, roll-ups and flags: written by the services, read here -----------------------------------------------


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Rows whose organisation (reached through `scope_field`) lies in the user's scope; never edited here."""

    scope_field = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_scope_q(request.user, self.scope_field))

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ComplianceResult)
class ComplianceResultAdmin(AnnualExportAdminMixin, ReadOnlyScopedAdmin):
    annual_export_resource = ComplianceResultExportResource
    list_display = ("organization", "subject", "rule_code", "period_key", "required", "count", "is_met")
    list_filter = ("is_met", "rule_code")
    search_fields = ("organization__name", "organization__code", "period_key")
    list_select_related = ("organization",)


@admin.register(ComplianceRollup)
class ComplianceRollupAdmin(ReadOnlyScopedAdmin):
    scope_field = "node"
    list_display = ("node", "rule_code", "period_key", "period_kind", "applicable", "met")
    list_filter = ("period_kind", "rule_code")
    search_fields = ("node__name", "node__code", "period_key")
    list_select_related = ("node",)


@admin.register(MemberFlag)
class MemberFlagAdmin(ReadOnlyScopedAdmin):
    list_display = ("member", "organization", "level", "months", "last_attended_on", "computed_on", "has_talk")
    list_filter = ("level",)
    search_fields = ("member__name", "organization__name")
    list_select_related = ("member", "organization")
    # The talk's summary is confidential (activities.permissions.can_read_talk_summary): show that one was held.
    exclude = ("talk",)

    @admin.display(description=_("已批评教育"), boolean=True)
    def has_talk(self, obj: MemberFlag) -> bool:
        return obj.talk_id is not None


# 民主评议 settings: the grade scale and the cap on 优秀, versioned ----------------------------------------------------


class GradePolicyAdminForm(forms.ModelForm):
    """The scale as checkboxes; a version takes effect from tomorrow at the earliest and one in force is never
    changed (reviews.evaluations.services.policy_errors), so no opened campaign is rewritten."""

    grades = forms.MultipleChoiceField(
        label=_("评议等次"),
        choices=Grade.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("须包含合格和不合格。"),
        error_messages={"required": _("请选择评议等次。")},
    )

    class Meta:
        model = GradePolicy
        fields = ["effective_from", "grades", "excellent_cap", "note"]
        widgets = {"effective_from": AdminDateWidget}

    def clean(self):
        cleaned = super().clean()
        original = None
        if self.instance.pk:
            original = GradePolicy.objects.filter(pk=self.instance.pk).values_list("effective_from", flat=True).first()
        probe = GradePolicy(effective_from=cleaned.get("effective_from"))
        for field, message in evaluation_services.policy_errors(policy=probe, original_from=original).items():
            self.add_error(field, message)
        cap = cleaned.get("excellent_cap")
        if cap is not None and not 1 <= cap <= 100:
            self.add_error("excellent_cap", _("优秀比例上限须在1到100之间。"))
        return cleaned


@admin.register(GradePolicy)
class GradePolicyAdmin(admin.ModelAdmin):
    """City-wide settings: every administrator may read them; those at the top of the tree change them."""

    form = GradePolicyAdminForm
    list_display = ("effective_from", "grade_labels", "excellent_cap", "note")
    readonly_fields = ("created_by",)

    @admin.display(description=_("评议等次"))
    def grade_labels(self, obj: GradePolicy) -> str:
        return "、".join(label for _code, label in obj.scale())

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _covers_everything(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj) and _covers_everything(request.user)
        return allowed and (obj is None or obj.effective_from > timezone.localdate())

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj) and _covers_everything(request.user)
        return allowed and (obj is None or (obj.effective_from > timezone.localdate() and not obj.campaigns.exists()))

    def save_model(self, request: HttpRequest, obj: GradePolicy, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.full_clean()
        obj.save()


# 民主评议党员: run on the portal's pages; campaigns and grades looked up here, ballots never shown ---------------


@admin.register(EvaluationCampaign)
class EvaluationCampaignAdmin(ReadOnlyScopedAdmin):
    list_display = ("organization", "year", "opened_by", "decision_meeting")
    list_filter = ("year",)
    search_fields = ("organization__name", "organization__code")
    list_select_related = ("organization", "opened_by", "decision_meeting")
    fields = ("organization", "year", "opened_by", "decision_meeting")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return campaigns_visible_to(request.user, queryset=super().get_queryset(request))


@admin.register(GradeProposal)
class GradeProposalAdmin(AnnualExportAdminMixin, ReadOnlyScopedAdmin):
    """The grades proposed by the branch committee and their approval (the 互评 ballots are never listed)."""

    annual_export_resource = GradeProposalExportResource
    scope_field = "campaign__organization"
    list_display = ("member", "campaign", "grade", "status", "reviewed_on")
    list_filter = ("grade", "status", "campaign__year")
    search_fields = ("member__name", "campaign__organization__name")
    list_select_related = ("member", "campaign__organization")
    fields = ("campaign", "member", "grade", "reason", "proposed_by", "status", "reviewed_by", "reviewed_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return proposals_visible_to(request.user, queryset=super().get_queryset(request))


@admin.register(EvaluationProblem)
class EvaluationProblemAdmin(AnnualExportAdminMixin, ReadOnlyScopedAdmin):
    """The problems found in the 民主评议 and their rectification (entered on the campaign's pages)."""

    annual_export_resource = EvaluationProblemExportResource
    scope_field = "campaign__organization"
    list_display = ("description", "campaign", "source", "responsible", "deadline")
    list_filter = ("source", "campaign__year")
    search_fields = ("description", "responsible", "campaign__organization__name")
    list_select_related = ("campaign__organization",)
    fields = ("campaign", "source", "description", "member", "responsible", "measures", "deadline", "entered_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return problems_visible_to(request.user, queryset=super().get_queryset(request))


# 述职评议考核 (reviews/duty_reports/admin.py) registers its models with the admin here.
import reviews.duty_reports.admin  # noqa: E402, F401

# 星级评定 (reviews/ratings/admin.py) likewise.
import reviews.ratings.admin  # noqa: E402, F401

# 软弱涣散党支部 (reviews/weak_branches/admin.py) likewise.
import reviews.weak_branches.admin  # noqa: E402, F401
