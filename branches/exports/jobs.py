"""A large annual export as a background job (portal/jobs): the same resource, queryset and writer as in the
request, read in chunks with progress; the file is downloaded through `portal:job_download`."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib import admin
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.exports.resources import EXPORT_FORMATS, AnnualExportResource, export_file
from branches.models import Organization, User
from branches.permissions import can_view_full_id_number, organizations_visible_to
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start

ADMIN_EXPORT = "branches.admin_export"
ADMIN_EXPORT_TITLE = _("年度导出")
ADMIN_EXPORT_STALE_AFTER = datetime.timedelta(minutes=5)
ADMIN_EXPORT_SOFT_TIME_LIMIT = 30 * 60

MESSAGE_NOT_ALLOWED = _("您已不能导出这些数据（权限或管理范围已变更），未生成文件。")


def export_heading(
    resource_class: type[AnnualExportResource], *, year: int | None, organization: Organization | None
) -> list[str]:
    """The lines above the table: what, which year, which organisation."""
    lines = [str(resource_class.title)]
    if year is not None:
        lines.append(gettext("年度：%(year)s") % {"year": year})
    lines.append(
        gettext("党组织：%(name)s（含下级）") % {"name": organization.name}
        if organization is not None
        else gettext("党组织：管理范围内全部")
    )
    return lines


def export_filename(resource_class: type[AnnualExportResource], *, year: int | None, file_format: str) -> str:
    stem = str(resource_class.title) + (f"-{year}" if year is not None else "")
    return f"{stem}.{file_format}"


def _export_admin(model_label: str):
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        return None
    return admin.site._registry.get(model)


def admin_export_start(
    *, model_label: str, year: int | None, organization: Organization | None, file_format: str, by: User
) -> Job:
    """Queue the export (the caller checked the permission and the form), or return the same live export."""
    return job_start(
        kind=ADMIN_EXPORT,
        owner=by,
        organization=organization,
        params={"model": model_label, "year": year, "format": file_format, "owner": by.pk},
    )


def admin_export_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `branches.admin_export`: checks the owner's rights again, then writes the file chunk by chunk."""
    from branches.exports.admin import AnnualExportAdminMixin

    params = job.params
    model_admin = _export_admin(str(params.get("model", "")))
    if job.owner is None or not isinstance(model_admin, AnnualExportAdminMixin):
        raise JobError(MESSAGE_NOT_ALLOWED)
    owner = User.objects.get(pk=job.owner.pk)  # fresh: rights may have changed while the job waited
    opts = model_admin.model._meta
    may_view = any(owner.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ("view", "change"))
    organization = None
    if job.organization is not None:
        organization = organizations_visible_to(owner).filter(pk=job.organization.pk).first()
    if not (owner.is_active and owner.is_staff and may_view) or (job.organization is not None and organization is None):
        raise JobError(MESSAGE_NOT_ALLOWED)
    file_format = params.get("format")
    if file_format not in EXPORT_FORMATS:
        raise JobError(MESSAGE_NOT_ALLOWED)
    year = params.get("year")
    resource_class = model_admin.annual_export_resource
    queryset = resource_class.export_queryset(user=owner, year=year, organization=organization)
    total = queryset.count()
    progress(0, total, gettext("正在导出"))
    content = export_file(
        resource=resource_class(show_full_id=can_view_full_id_number(owner)),
        queryset=queryset,
        file_format=file_format,
        heading=export_heading(resource_class, year=year, organization=organization),
        progress=lambda done: progress(done, total, gettext("正在导出")),
    )
    name = export_filename(resource_class, year=year, file_format=file_format)
    return JobOutcome(
        message=gettext("导出完成：共%(rows)d行。") % {"rows": total},
        result={"rows": total},
        result_file=ContentFile(content, name=name),
    )
