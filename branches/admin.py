from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Membership, Organization, PartyGroup, Role, User
from branches.permissions import groups_visible_to, members_visible_to, organizations_visible_to


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


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(members_visible_to)
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


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "kind", "started_on")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__first_name", "organization__name")
    raw_id_fields = ("user", "organization")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            organization__in=organizations_visible_to(request.user)
        )
