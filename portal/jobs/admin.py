"""Background jobs in the admin: read-only, and only the jobs `jobs_visible_to` the admin user (own, or all for a
superuser), so the error details of a failed job can be read without a shell."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from portal.jobs.models import Job
from portal.jobs.selectors import jobs_visible_to


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "state", "owner", "organization", "progress_done", "progress_total", "created_at")
    list_filter = ("state", "kind")
    list_select_related = ("owner", "organization")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return jobs_visible_to(request.user).select_related("owner", "organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Job:
        # Another user's job, or none: 404 like the job's page (Django's admin would redirect to its index, or
        # answer 403 for a delete before looking the job up).
        job = super().get_object(request, object_id, from_field)
        if not isinstance(job, Job):
            raise Http404
        return job
