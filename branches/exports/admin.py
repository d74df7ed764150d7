"""The admin side of the annual exports: a "年度导出" page on the change list of every model that has one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from branches.exports import jobs
from branches.exports.forms import AnnualExportForm
from branches.exports.resources import EXPORT_FORMATS, AnnualExportResource, export_file
from branches.models import User
from branches.permissions import can_view_full_id_number, primary_organization_id
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

if TYPE_CHECKING:  # the mixin goes on a ModelAdmin: type-check it as one
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class AnnualExportAdminMixin(_ModelAdmin):
    """Put before `ScopedAdminMixin`; set `annual_export_resource`. Who may view the model's list may export it."""

    annual_export_resource: type[AnnualExportResource]
    change_list_template = "admin/branches/change_list_annual_export.html"

    def get_urls(self) -> list:
        opts = self.model._meta
        return [
            path(
                "annual-export/",
                self.admin_site.admin_view(self.annual_export_view),
                name=f"{opts.app_label}_{opts.model_name}_annual_export",
            ),
            *super().get_urls(),
        ]

    def has_annual_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_annual_export_permission": self.has_annual_export_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def annual_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_annual_export_permission(request):
            raise PermissionDenied
        user = cast(User, request.user)  # admin_view: a logged-in staff user
        resource_class = self.annual_export_resource
        with_year = resource_class.year_lookup is not None
        form = AnnualExportForm(request.POST or None, user=user, with_year=with_year)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data.get("year")
            organization = form.cleaned_data["organization"]
            file_format = form.cleaned_data["file_format"]
            label = self.model._meta.label_lower
            queryset = resource_class.export_queryset(user=user, year=year, organization=organization)
            rows = queryset.count()
            if rows > settings.ADMIN_EXPORT_JOB_ROWS:
                job = jobs.admin_export_start(
                    model_label=label,
                    year=year,
                    organization=organization,
                    file_format=file_format,
                    by=user,
                )
                return redirect(job)
            show_full_id = can_view_full_id_number(user)
            content = export_file(
                resource=resource_class(show_full_id=show_full_id),
                queryset=queryset,
                file_format=file_format,
                heading=jobs.export_heading(resource_class, year=year, organization=organization),
            )
            audit_record(
                actor=request.user,
                action=AuditAction.EXPORTED,
                organization_id=organization.pk if organization else primary_organization_id(user),
                detail={
                    "export": f"admin:{label}",
                    "year": year,
                    "organization": organization.pk if organization else None,
                    "rows": rows,
                    "full_id": show_full_id,
                },
                request=request,
            )
            writer = EXPORT_FORMATS[file_format]()
            response = HttpResponse(content, content_type=writer.get_content_type())
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=jobs.export_filename(resource_class, year=year, file_format=file_format)
            )
            return response
        opts = self.model._meta
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": gettext("%(name)s：年度导出") % {"name": opts.verbose_name_plural},
            "form": form,
            "threshold": settings.ADMIN_EXPORT_JOB_ROWS,
            "masked": not can_view_full_id_number(user),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/branches/annual_export.html", context)
