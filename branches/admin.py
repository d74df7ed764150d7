from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from branches import services
from branches.exports.admin import AnnualExportAdminMixin
from branches.models import Member, Membership, Organization, OrganizationKind, PartyGroup, Role, User
from branches.permissions import (
    can_grant_role,
    can_manage_account,
    can_manage_member,
    can_manage_organization,
    can_view_full_id_number,
    groups_visible_to,
    members_visible_to,
    organizations_visible_to,
    primary_organization_id,
    role_kinds_grantable_by,
    roles_visible_to,
    rows_visible_to,
    sees_everything,
    users_visible_to,
)
from branches.resources import MemberExportResource, MemberRosterResource, RosterXLSX
from branches.roster import export as roster_export
from branches.roster import jobs as roster_jobs
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to

OUT_OF_SCOPE_CHOICE = _("所选的对象不存在或不在您的管理范围内，请重新选择。")


def scoped_choices(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user may pick in an admin form: through the access module.

    Models the access module knows directly are filtered there; the portal's other models through their own
    (scoped) admin's queryset; a model with neither offers nothing but to superusers.
    """
    if sees_everything(request.user):
        return queryset
    scoped = rows_visible_to(request.user, queryset)
    if scoped is not None:
        return scoped
    related_admin = admin.site._registry.get(queryset.model)
    if isinstance(related_admin, ScopedAdminMixin):
        return queryset.filter(pk__in=related_admin.get_queryset(request).values("pk"))
    return queryset.none()


class ScopedForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id widget prints the name of whatever id it is given (`?organization=<id>` on an add form,
    or a refused POST): only a row in the field's scoped choices is named."""

    def __init__(self, rel, admin_site, attrs=None, using=None, *, scope: QuerySet):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.scope = scope

    def label_and_url_for_value(self, value):
        try:
            in_scope = value not in (None, "") and self.scope.filter(**{self.rel.field_name: value}).exists()
        except (ValueError, TypeError, ValidationError):
            in_scope = False
        return super().label_and_url_for_value(value) if in_scope else ("", "")


class ScopedAdminMixin:
    """Every admin and inline of the portal goes through the access module like every page does.

    The list and the objects (`get_queryset`, with `scope_function` when set); the choices of every foreign key
    and many-to-many field, which also bound what a raw-id or autocomplete widget may submit (an id outside
    them is refused with `OUT_OF_SCOPE_CHOICE`); the autocomplete results; and an object outside the scope
    answers 404 (Django's admin would redirect to its index).
    """

    scope_function = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if type(self).scope_function is None:
            return queryset
        return type(self).scope_function(request.user, queryset=queryset)

    def field_choices(self, request: HttpRequest, db_field, queryset: QuerySet) -> QuerySet:
        """The rows `db_field` may point at; an admin narrows single fields further by overriding."""
        return scoped_choices(request, queryset)

    def _choice_queryset(self, db_field, request: HttpRequest, kwargs: dict) -> QuerySet:
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        return self.field_choices(request, db_field, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = self._choice_queryset(db_field, request, kwargs)
        if db_field.name in self.raw_id_fields and "widget" not in kwargs:
            kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using"), scope=kwargs["queryset"]
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None:
            formfield.error_messages["invalid_choice"] = OUT_OF_SCOPE_CHOICE
        return formfield

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = self._choice_queryset(db_field, request, kwargs)
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None:
            formfield.error_messages["invalid_choice"] = OUT_OF_SCOPE_CHOICE
            formfield.error_messages["invalid_pk_value"] = OUT_OF_SCOPE_CHOICE
        return formfield

    def get_search_results(self, request, queryset, search_term):
        """Search, and for the autocomplete of a form field only the rows that field may point at."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        queryset = scoped_choices(request, queryset)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            queryset = self._autocomplete_choices(request, queryset)
        return queryset, may_have_duplicates

    def _autocomplete_choices(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        try:
            source_model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            source_field = source_model._meta.get_field(request.GET["field_name"])
        except (KeyError, LookupError, FieldDoesNotExist):
            return queryset.none()
        source_admin = self.admin_site._registry.get(source_model)
        if not isinstance(source_admin, ScopedAdminMixin):
            return queryset if sees_everything(request.user) else queryset.none()
        return source_admin.field_choices(request, source_field, queryset)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Missing and out of scope look the same, and answer 404 like the portal's pages.
        raise Http404

    def log_deletions(self, request, queryset):
        """One LogEntry per object, saved one by one: the audit log's receiver sees every deletion (Django
        bulk-creates the entries of a multi-object delete, which sends no post_save)."""
        from django.contrib.admin.models import DELETION, LogEntry

        return [
            entry
            for obj in queryset
            for entry in LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=[obj], action_flag=DELETION, single_object=False
            )
        ]

    def get_object(self, request, object_id, from_field=None):
        # Django's delete view checks the permission before it looks at the object (403 for any id): an object
        # outside the scope must answer 404 whatever the user's rights on the model.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


def view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The admin's "view on site" (/admin/r/…): 404 for an object outside the user's scope, then Django's view.

    Django's own view redirects for any object that exists, which tells anyone whether it does.
    """
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    if not sees_everything(request.user):
        model_admin = admin.site._registry.get(content_type.model_class())
        if not isinstance(model_admin, ScopedAdminMixin) or not model_admin.has_view_or_change_permission(request):
            raise Http404
        if model_admin.get_object(request, unquote(object_id)) is None:
            raise Http404
    return shortcut(request, content_type_id, object_id)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    scope_function = staticmethod(users_visible_to)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("联系方式"), {"fields": ("phone",)}),
    )
    list_display = ("username", "first_name", "email", "phone", "is_staff", "is_active")
    search_fields = ("username", "first_name", "email", "phone")

    def has_change_permission(self, request, obj=None):
        # Never an account stronger than one's own: that would be taking it over (its password, its e-mail).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_manage_account(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or (obj.pk != request.user.pk and can_manage_account(request.user, obj)))

    def get_readonly_fields(self, request, obj=None):
        # Only superusers hand out superuser status, staff status, groups and permissions:
        # otherwise an administrator could raise their own rights.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly


ROLE_NOT_GRANTABLE = _(
    "您只能在自己管理范围内的党组织授予职务，且不能高于您本人的职务，也不能授予自己。请联系上级管理员。"
)
ROLE_NOT_CHANGEABLE = _("这个职务高于您可以授予的职务（或是您本人的职务），您不能修改或删除它。请联系上级管理员。")


def _stored_role_grantable(user: User, role_pk: int) -> bool:
    stored = Role.objects.select_related("organization", "user").filter(pk=role_pk).first()
    return stored is None or can_grant_role(user, stored.organization, stored.kind, grantee=stored.user)


class RoleAdminForm(forms.ModelForm):
    """A role: granted only inside the granter's scope, never above their own kind, never to themselves."""

    granted_by: User | None = None  # set by the admin for the request

    class Meta:
        model = Role
        fields = ("user", "organization", "kind", "started_on")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.has_changed() and not _stored_role_grantable(self.granted_by, self.instance.pk):
            raise ValidationError(ROLE_NOT_CHANGEABLE)
        organization = cleaned.get("organization") or self._parent_organization()
        kind, grantee = cleaned.get("kind"), cleaned.get("user")
        complete = organization is not None and kind and grantee is not None
        if complete and not can_grant_role(self.granted_by, organization, kind, grantee=grantee):
            raise ValidationError(ROLE_NOT_GRANTABLE)
        return cleaned

    def _parent_organization(self) -> Organization | None:
        # In the organisation's inline the organisation is the page's, set on the instance by the formset.
        organization_id = self.instance.organization_id
        return Organization.objects.filter(pk=organization_id).first() if organization_id else None


class RoleInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and not _stored_role_grantable(form.granted_by, form.instance.pk):
                raise ValidationError(ROLE_NOT_CHANGEABLE)


class RoleInline(ScopedAdminMixin, admin.TabularInline):
    model = Role
    form = RoleAdminForm
    formset = RoleInlineFormSet
    extra = 0
    autocomplete_fields = ("user",)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.granted_by = request.user
        return formset


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(organizations_visible_to)
    list_display = ("name", "code", "kind", "category", "parent", "term_ends_on", "is_weak")
    list_filter = ("kind", "category", "is_weak")
    search_fields = ("name", "code", "short_name")
    readonly_fields = ("path", "depth", "parent")
    inlines = [RoleInline]

    def has_add_permission(self, request):
        # New organisations need their tree path: create them on the portal's pages.
        return False

    def save_formset(self, request, form, formset, change):
        if formset.model is not Role:
            return super().save_formset(request, form, formset, change)
        # Roles through the services: an administrator role brings (and its loss takes away) the Django admin.
        roles = formset.save(commit=False)
        for role in formset.deleted_objects:
            services.role_revoke(role=role, by=request.user)
        for role in roles:
            _role_save(role, by=request.user)
        return None


@admin.register(PartyGroup)
class PartyGroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(groups_visible_to)
    list_display = ("name", "organization", "leader")
    search_fields = ("name", "organization__name")
    raw_id_fields = ("organization", "leader")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_manage_organization(request.user, obj.organization))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_manage_organization(request.user, obj.organization))


class MembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ("organization", "started_on", "ended_on", "note")

    def has_add_permission(self, request, obj=None):
        return False


class RosterImportAdminForm(forms.Form):
    """The administrator's roster upload: a branch in their scope and the file."""

    organization = forms.ModelChoiceField(label=_("导入到党支部"), queryset=Organization.objects.none())
    file = forms.FileField(label=_("花名册文件"), help_text=_("xlsx 或 csv，列名与模板相同。"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].queryset = (
            organizations_visible_to(user).filter(kind=OrganizationKind.BRANCH).order_by("path")
        )

    def clean_organization(self) -> Organization:
        organization = self.cleaned_data["organization"]
        if not can_manage_organization(self.user, organization):
            raise forms.ValidationError(_("您不能管理该党支部的花名册。"))
        return organization


@admin.register(Member)
class MemberAdmin(AnnualExportAdminMixin, ScopedAdminMixin, ExportMixin, admin.ModelAdmin):
    """Members, scoped; export in the roster's xlsx format and the roster import (the same job as the branch page);
    the 年度导出 (xlsx or csv, by subtree) beside them."""

    scope_function = staticmethod(members_visible_to)
    annual_export_resource = MemberExportResource
    resource_classes = [MemberRosterResource]
    # One format, one resource: the export button downloads the (filtered, scoped) list at once.
    skip_export_form = True
    import_export_change_list_template = "admin/branches/member/change_list_roster.html"
    list_display = ("name", "gender", "masked_id_number", "membership_type", "organization", "status")
    list_filter = ("membership_type", "status", "is_retired", "is_floating", "is_leading_cadre")
    search_fields = ("name", "phone")
    raw_id_fields = ("organization", "group", "user", "leadership_team")
    readonly_fields = ("masked_id_number", "organization")

    def get_export_queryset(self, request):
        # The change list answers an unknown filter in the query string with a redirect; the export would fail.
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as error:
            raise Http404 from error

    exclude = ("id_number_encrypted", "id_number_digest")
    inlines = [MembershipInline]

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: Member) -> str:
        return obj.id_number_masked

    @admin.display(description=_("出生年份"))
    def birth_year(self, obj: Member) -> str:
        return str(obj.birth_year or "—")

    # Beside a masked number, the birth year only: the full date would narrow the number down to a few candidates.

    def get_exclude(self, request: HttpRequest, obj=None):
        exclude = tuple(super().get_exclude(request, obj) or ())
        return exclude if can_view_full_id_number(request.user) else (*exclude, "birth_date")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if can_view_full_id_number(request.user) else (*fields, "birth_year")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request):
        # Members are registered through the branch page or the roster import (ID number validation).
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_manage_member(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_manage_member(request.user, obj))

    # -- export: the roster's xlsx, masked ID numbers unless the user holds the permission

    def get_export_formats(self) -> list[type]:
        return [RosterXLSX]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {"show_full_id": can_view_full_id_number(request.user)}

    def get_data_for_export(self, request: HttpRequest, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        show_full_id = can_view_full_id_number(request.user)
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            organization_id=primary_organization_id(request.user),
            detail={
                "export": "admin:branches.member",
                "scope": request.GET.urlencode()[:500],
                "rows": len(data),
                "full_id": show_full_id,
            },
            request=request,
        )
        return data

    def get_export_filename(self, request: HttpRequest, queryset, file_format) -> str:
        return f"roster-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    # -- import: a branch in scope, a file, and the roster import service

    def has_roster_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("branches.add_member") and request.user.has_perm("branches.change_member")

    def get_urls(self):
        return [
            path(
                "roster-import/",
                self.admin_site.admin_view(self.roster_import_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_roster_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_roster_import_permission": self.has_roster_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def roster_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_roster_import_permission(request):
            raise PermissionDenied
        wants_template = "_template" in request.POST
        if request.method == "POST":
            form = RosterImportAdminForm(request.POST, request.FILES, user=request.user)
        else:
            form = RosterImportAdminForm(user=request.user)
        form.fields["file"].required = not wants_template
        if form.is_bound and form.is_valid():
            organization = form.cleaned_data["organization"]
            if wants_template:
                response = HttpResponse(
                    roster_export.roster_template_xlsx(organization=organization), content_type=RosterXLSX.CONTENT_TYPE
                )
                response["Content-Disposition"] = content_disposition_header(
                    as_attachment=True, filename=str(_("花名册模板.xlsx"))
                )
                return response
            upload = form.cleaned_data["file"]
            if size_error := roster_jobs.upload_size_error(upload):
                form.add_error("file", size_error)
            else:
                job = roster_jobs.roster_import_start(organization=organization, upload=upload, by=request.user)
                here = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_roster_import")
                return redirect(f"{here}?job={job.pk}")
        job = None
        if job_id := request.GET.get("job", ""):
            # The organisation comes from the job, which only its owner sees; it was in scope when it started.
            if not job_id.isdigit():
                raise Http404
            job = jobs_visible_to(request.user).filter(kind=roster_jobs.ROSTER_IMPORT, pk=int(job_id)).first()
            if job is None:
                raise Http404
            job = job_with_live_progress(job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入花名册"),
            "form": form,
            "job": job,
            "job_title": roster_jobs.ROSTER_IMPORT_TITLE,
            "result_template": roster_jobs.ROSTER_IMPORT_RESULT_TEMPLATE,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/branches/member/roster_import.html", context)


def _role_save(role: Role, *, by: User) -> None:
    if role.pk is None:
        role.pk = services.role_assign(
            user=role.user, organization=role.organization, kind=role.kind, started_on=role.started_on, by=by
        ).pk
        return
    services.role_update(role=role, by=by)


@admin.register(Role)
class RoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(roles_visible_to)
    form = RoleAdminForm
    list_display = ("user", "organization", "kind", "started_on")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__first_name", "organization__name")
    raw_id_fields = ("user", "organization")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.granted_by = request.user
        return form

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            grantable = set(role_kinds_grantable_by(request.user))
            kwargs["choices"] = [(value, label) for value, label in db_field.choices if value in grantable]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset):
        # The bulk action checks only the model permission: each role must be one the user could grant.
        roles = list(queryset.select_related("user", "organization"))
        if not all(can_grant_role(request.user, r.organization, r.kind, grantee=r.user) for r in roles):
            raise PermissionDenied
        for role in roles:
            services.role_revoke(role=role, by=request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_grant_role(request.user, obj.organization, obj.kind, grantee=obj.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_grant_role(request.user, obj.organization, obj.kind, grantee=obj.user))

    def save_model(self, request, obj, form, change):
        _role_save(obj, by=request.user)

    def delete_model(self, request, obj):
        services.role_revoke(role=obj, by=request.user)
