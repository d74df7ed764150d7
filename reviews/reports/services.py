"""Writes of the yearly report: request it (a job), compile it (the job's runner), name its files."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization, User
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start
from reviews.models import YearlyReportFile
from reviews.reports.render import data_fingerprint, pdf_bytes, xlsx_bytes
from reviews.reports.selectors import report_data

YEARLY_REPORT = "reviews.yearly_report"
YEARLY_REPORT_TITLE = gettext_lazy("年度检查报告")
YEARLY_REPORT_STALE_AFTER = datetime.timedelta(minutes=5)
YEARLY_REPORT_SOFT_TIME_LIMIT = 30 * 60
# Every section is compiled today; the list is stored with each version and is part of the job's identity.
SECTIONS = ("summary", "compliance", "missed", "study", "attendance", "talks", "unrecorded", "records")


def report_file_name(report: YearlyReportFile, extension: str) -> str:
    """The Chinese file name offered on download: 组织名称_2026年度检查报告_第1版.pdf."""
    return _("%(name)s_%(year)d年度检查报告_第%(version)d版.%(ext)s") % {
        "name": report.organization.name,
        "year": report.year,
        "version": report.version,
        "ext": extension,
    }


def yearly_report_request(*, organization: Organization, year: int, by: User | None) -> Job:
    """Start compiling the organisation's report for the year (or return the same request already running)."""
    return job_start(
        kind=YEARLY_REPORT, owner=by, organization=organization, params={"year": year, "sections": list(SECTIONS)}
    )


def yearly_report_compile(
    *,
    organization: Organization,
    year: int,
    by: User | None,
    progress: ProgressReporter | None = None,
    today: datetime.date | None = None,
) -> tuple[YearlyReportFile, bool]:
    """Read the report's data, and unless the latest version says exactly the same, print the PDF and xlsx and
    store them as the next version. Returns the version and whether it is new. Raises JobError for a year without
    data. Idempotent: a re-run after a crash finds the same data and either the version it stored or none."""
    now = timezone.now()
    today = today or timezone.localdate()

    def step(done: int, message: str) -> None:
        if progress is not None:
            progress(done, 4, message)

    step(0, _("正在读取数据"))
    report = report_data(organization=organization, year=year, today=today, as_of=now)
    if not report.has_data:
        raise JobError(
            _("%(name)s %(year)d年度没有可报告的数据（没有检查结果、出勤或归档记录）。请选择其他年度。")
            % {"name": organization.name, "year": year}
        )
    fingerprint = data_fingerprint(report)
    latest = YearlyReportFile.objects.filter(organization=organization, year=year).order_by("-version").first()
    if latest is not None and latest.data_fingerprint == fingerprint:
        step(4, _("数据没有变化，沿用第%(version)d版。") % {"version": latest.version})
        return latest, False
    version = latest.version + 1 if latest is not None else 1
    step(1, _("正在生成 PDF"))
    pdf = pdf_bytes(report, version=version)
    step(2, _("正在生成 xlsx"))
    xlsx = xlsx_bytes(report, version=version)
    step(3, _("正在保存"))
    entry = YearlyReportFile(
        organization=organization,
        year=year,
        version=version,
        sections=list(SECTIONS),
        as_of=now,
        rules_fingerprint=report.rules_fingerprint,
        data_fingerprint=fingerprint,
        created_by=by,
    )
    entry.pdf.save("report.pdf", ContentFile(pdf), save=False)
    entry.xlsx.save("report.xlsx", ContentFile(xlsx), save=False)
    try:
        with transaction.atomic():
            entry.full_clean()
            entry.save()
    except Exception:
        entry.pdf.delete(save=False)
        entry.xlsx.delete(save=False)
        raise
    step(4, _("已完成"))
    return entry, True


def yearly_report_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """The job's runner (kind `reviews.yearly_report`)."""
    if job.organization is None:
        raise JobError(_("该党组织已不存在，无法生成年度检查报告。"))
    entry, created = yearly_report_compile(
        organization=job.organization, year=int(job.params["year"]), by=job.owner, progress=progress
    )
    message = (
        _("已生成第%(version)d版年度检查报告。") if created else _("数据自第%(version)d版以来没有变化，未生成新版本。")
    ) % {"version": entry.version}
    return JobOutcome(message=message, result={"report_id": entry.pk, "version": entry.version, "new": created})
