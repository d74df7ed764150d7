"""Notifications and reminders in the admin: read-only, scoped to the recipients in the user's scope.

Read-only on purpose: a reminder row is the proof that a message went out; deleting it would let the next run
send it again, and editing a notification would change what somebody was told.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from branches.admin import ScopedAdminMixin
from branches.permissions import sees_everything, users_visible_to
from notifications.models import Notification, Reminder


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("recipient")
        if sees_everything(request.user):
            return queryset
        return queryset.filter(recipient_id__in=users_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "recipient", "created_at", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "recipient__username", "recipient__first_name")
    date_hierarchy = "created_at"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyScopedAdmin):
    list_display = ("kind", "recipient", "object_key", "period", "created_at", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("object_key", "period", "recipient__username", "recipient__first_name")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("notification")
