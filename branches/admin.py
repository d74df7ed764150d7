from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from branches.models import Member, Membership, Organization, OrganizationKind, PartyGroup, Role, User
from branches.permissions import (
    can_manage_organization,
    can_view_full_id_number,
    groups_visible_to,
    members_visible_to,
    organizations_visible_to,
    sees_everything,
)
from branches.resources import MemberRosterResource, RosterXLSX
from branches.roster import export as roster_export
from branches.roster import services as roster


class ScopedAdminMixin:
    """Admin querysets go through the access module like every page does."""

    scope_function = None

    def get_queryset(self, request):
        return type(self).scope_function(request.user, queryset=super().get_queryset(request))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("联系方式"), {"fields": ("phone",)}),
    )
    list_display = ("username", "first_name", "email", "phone", "is_staff", "is_active")
    search_fields = ("username", "first_name", "email", "phone")

    def get_queryset(self, request):
        """Accounts of members, and holders of roles, inside the user's scope."""
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        return qs.filter(
            Q(member__in=members_visible_to(request.user))
            | Q(roles__organization__in=organizations_visible_to(request.user))
            | Q(pk=request.user.pk)
        ).distinct()

    def get_readonly_fields(self, request, obj=None):
        # Only superusers hand out superuser status, staff status, groups and permissions:
        # otherwise an administrator could raise their own rights.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ("user",)


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


@admin.register(PartyGroup)
class PartyGroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(groups_visible_to)
    list_display = ("name", "organization", "leader")
    search_fields = ("name", "organization__name")
    raw_id_fields = ("organization", "leader")


class MembershipInline(admin.TabularInline):
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
class MemberAdmin(ScopedAdminMixin, ExportMixin, admin.ModelAdmin):
    """Members, scoped; export in the roster's xlsx format and the roster import (same service as the branch page)."""

    scope_function = staticmethod(members_visible_to)
    resource_classes = [MemberRosterResource]
    # One format, one resource: the export button downloads the (filtered, scoped) list at once.
    skip_export_form = True
    import_export_change_list_template = "admin/branches/member/change_list_roster.html"
    list_display = ("name", "gender", "masked_id_number", "membership_type", "organization", "status")
    list_filter = ("membership_type", "status", "is_retired", "is_floating", "is_leading_cadre")
    search_fields = ("name", "phone")
    raw_id_fields = ("organization", "group", "user")
    readonly_fields = ("masked_id_number", "organization")
    exclude = ("id_number_encrypted", "id_number_digest")
    inlines = [MembershipInline]

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: Member) -> str:
        return obj.id_number_masked

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request):
        # Members are registered through the branch page or the roster import (ID number validation).
        return False

    # -- export: the roster's xlsx, masked ID numbers unless the user holds the permission

    def get_export_formats(self) -> list[type]:
        return [RosterXLSX]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {"show_full_id": can_view_full_id_number(request.user)}

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
        form = RosterImportAdminForm(request.POST or None, request.FILES or None, user=request.user)
        form.fields["file"].required = not wants_template
        result = None
        if request.method == "POST" and form.is_valid():
            organization = form.cleaned_data["organization"]
            if wants_template:
                response = HttpResponse(
                    roster_export.roster_template_xlsx(organization=organization), content_type=RosterXLSX.CONTENT_TYPE
                )
                response["Content-Disposition"] = content_disposition_header(
                    as_attachment=True, filename=str(_("花名册模板.xlsx"))
                )
                return response
            result = roster.roster_import(organization=organization, uploaded_file=form.cleaned_data["file"])
            if result.ok:
                self.message_user(
                    request,
                    _("%(name)s：导入完成，新增%(created)d人，更新%(updated)d人，未变%(unchanged)d人。")
                    % {
                        "name": organization.name,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                    messages.SUCCESS,
                )
                changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                return redirect(f"{changelist}?organization__id__exact={organization.pk}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入花名册"),
            "form": form,
            "result": result,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/branches/member/roster_import.html", context)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "kind", "started_on")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__first_name", "organization__name")
    raw_id_fields = ("user", "organization")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organization__in=organizations_visible_to(request.user))
