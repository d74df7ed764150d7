"""Writes of the yearly report: request it (a job), compile it, name its files.

A request is one `Job` (kind `reviews.yearly_report`). Its runner cuts the organisation's subtree into chunks
(`YearlyReportChunk`, `YEARLY_REPORT_CHUNK_SIZE` organisations each, in path order) and sends one task per chunk
not done yet; each chunk task stores what it read and beats the job's progress (chunks done / total); the task
that completes the last chunk sends the assembling task, which reads the roll-ups, prints the PDF and xlsx from
the stored chunks, stores the version and ends the job. Every step is idempotent: a chunk already done is not
read again, an assembly that finds the job ended does nothing, two assemblies store one version. A worker killed
mid-report stops the job's heartbeat; the reaper (`portal-jobs-reap-stale`) re-queues the job, whose runner
sends the chunks still missing (or the assembly) again, so the next worker finishes the report.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization, OrganizationKind, User
from portal.jobs.models import Job, JobState
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome, kind_get
from portal.jobs.services import job_fail_from_exception, job_finish, job_start
from reviews.models import ComplianceRollup, YearlyReportChunk, YearlyReportFile
from reviews.reports.render import data_fingerprint, pdf_bytes, xlsx_bytes
from reviews.reports.selectors import ReportParts, report_chunk, report_chunk_plan, report_data, report_parts

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
    parts: ReportParts | None = None,
) -> tuple[YearlyReportFile, bool]:
    """Read the report's data (the chunks' `parts`, or everything here), and unless the latest version says
    exactly the same, print the PDF and xlsx and store them as the next version. Returns the version and whether
    it is new. Raises JobError for a year without data. Idempotent: a re-run after a crash finds the same data and
    either the version it stored or none; of two concurrent runs one stores the version, the other returns it."""
    now = timezone.now()
    today = today or timezone.localdate()

    def step(message: str) -> None:
        if progress is not None:  # the bar stays full (every chunk done); the message says what is printing
            progress(progress.done, progress.total, message)

    step(_("正在汇总数据"))
    report = report_data(organization=organization, year=year, today=today, as_of=now, parts=parts)
    if not report.has_data:
        raise JobError(
            _("%(name)s %(year)d年度没有可报告的数据（没有检查结果、出勤或归档记录）。请选择其他年度。")
            % {"name": organization.name, "year": year}
        )
    fingerprint = data_fingerprint(report)
    latest = YearlyReportFile.objects.filter(organization=organization, year=year).order_by("-version").first()
    if latest is not None and latest.data_fingerprint == fingerprint:
        step(_("数据没有变化，沿用第%(version)d版。") % {"version": latest.version})
        return latest, False
    version = latest.version + 1 if latest is not None else 1
    step(_("正在生成 PDF"))
    pdf = pdf_bytes(report, version=version)
    step(_("正在生成 xlsx"))
    xlsx = xlsx_bytes(report, version=version)
    step(_("正在保存"))
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
            entry.full_clean(validate_unique=False, validate_constraints=False)  # the save decides
            entry.save()
    except Exception as error:
        entry.pdf.delete(save=False)
        entry.xlsx.delete(save=False)
        same = YearlyReportFile.objects.filter(
            organization=organization, year=year, version=version, data_fingerprint=fingerprint
        ).first()
        if isinstance(error, IntegrityError) and same is not None:
            return same, False  # a concurrent assembly of the same data stored it first
        raise
    step(_("已完成"))
    return entry, True


def _task_options() -> dict:
    job_kind = kind_get(YEARLY_REPORT)
    return job_kind.task_options() if job_kind is not None else {}


def _send_chunks(chunk_ids: list[int]) -> None:
    from reviews.tasks import yearly_report_chunk

    options = _task_options()
    for chunk_id in chunk_ids:
        yearly_report_chunk.apply_async_on_commit(kwargs={"chunk_id": chunk_id}, **options)  # type: ignore[attr-defined]  # Celery 5.4+, not in the stubs


def _send_assembly(job_id: int) -> None:
    from reviews.tasks import yearly_report_assemble

    yearly_report_assemble.apply_async_on_commit(kwargs={"job_id": job_id}, **_task_options())  # type: ignore[attr-defined]  # Celery 5.4+, not in the stubs


def _chunks_message(done: int, total: int) -> str:
    return _("正在汇总各组织数据（%(done)d/%(total)d）") % {"done": done, "total": total}


def yearly_report_chunks_plan(*, job: Job) -> list[YearlyReportChunk]:
    """The job's chunks: planned on its first run (the subtree in path order, `YEARLY_REPORT_CHUNK_SIZE`
    organisations each), the same rows on a re-run after the reaper re-queued it."""
    chunks = list(YearlyReportChunk.objects.filter(job=job).order_by("index"))
    if chunks:
        return chunks
    assert job.organization is not None  # noqa: S101 - the runner checked
    runs = report_chunk_plan(organization=job.organization, size=settings.YEARLY_REPORT_CHUNK_SIZE)
    with transaction.atomic():
        YearlyReportChunk.objects.bulk_create(
            [YearlyReportChunk(job=job, index=index, organization_ids=ids) for index, ids in enumerate(runs)],
            ignore_conflicts=True,
        )
    return list(YearlyReportChunk.objects.filter(job=job).order_by("index"))


def yearly_report_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """The job's runner (kind `reviews.yearly_report`): plan the chunks and send those not done yet, or the
    assembly when all are done (a re-run after a worker died). The tasks end the job."""
    if job.organization is None:
        raise JobError(_("该党组织已不存在，无法生成年度检查报告。"))
    chunks = yearly_report_chunks_plan(job=job)
    missing = [chunk.pk for chunk in chunks if chunk.done_at is None]
    done = len(chunks) - len(missing)
    progress(done, len(chunks), _chunks_message(done, len(chunks)))
    if missing:
        _send_chunks(missing)
    else:
        _send_assembly(job.pk)
    return JobOutcome(pending=True)


def _live_job(job_id: int) -> Job | None:
    return Job.objects.select_related("organization", "owner").filter(pk=job_id, state__in=Job.LIVE).first()


def yearly_report_chunk_run(*, chunk_id: int) -> str:
    """Read one chunk and store what it read, once; the chunk that completes the set sends the assembly.
    Does nothing for a chunk already done, or whose job ended (done, failed or cancelled)."""
    chunk = YearlyReportChunk.objects.filter(pk=chunk_id).only("pk", "job_id", "organization_ids", "done_at").first()
    if chunk is None or chunk.done_at is not None:
        return "done-before"
    job = _live_job(chunk.job_id)
    if job is None:
        return "job-ended"
    try:
        result = report_chunk(organization_ids=chunk.organization_ids, year=int(job.params["year"]))
    except (OperationalError, InterfaceError):
        raise  # the task retries
    except Exception as exception:  # noqa: BLE001 - a chunk that cannot be read ends its job with a message
        if job.state == JobState.RUNNING:
            job_fail_from_exception(job=job, exception=exception)
        return "failed"
    stored = YearlyReportChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).update(
        result=result, done_at=timezone.now()
    )
    if not stored:
        return "done-before"  # a duplicate of this task stored it meanwhile
    counts = YearlyReportChunk.objects.filter(job_id=job.pk).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False))
    )
    ProgressReporter(job)(counts["done"], counts["total"], _chunks_message(counts["done"], counts["total"]))
    if counts["done"] == counts["total"]:
        _send_assembly(job.pk)
    return "stored"


def yearly_report_assemble(*, job_id: int) -> str:
    """Print the report from the job's stored chunks and end the job (done, or failed with its message).
    Does nothing unless the job is running with every chunk done."""
    job = _live_job(job_id)
    if job is None or job.state != JobState.RUNNING or job.organization is None:
        return "not-running"
    chunks = list(YearlyReportChunk.objects.filter(job=job).order_by("index").only("pk", "result", "done_at"))
    if not chunks or any(chunk.done_at is None or chunk.result is None for chunk in chunks):
        return "chunks-missing"
    progress = ProgressReporter(job)
    progress(len(chunks), len(chunks))
    try:
        entry, created = yearly_report_compile(
            organization=job.organization,
            year=int(job.params["year"]),
            by=job.owner,
            progress=progress,
            parts=report_parts(chunk.result for chunk in chunks if chunk.result is not None),
        )
    except (OperationalError, InterfaceError):
        raise  # the task retries
    except Exception as exception:  # noqa: BLE001 - every failure ends the job with a message
        if job_fail_from_exception(job=job, exception=exception):
            YearlyReportChunk.objects.filter(job=job).update(result=None)
        return "failed"
    message = (
        _("已生成第%(version)d版年度检查报告。") if created else _("数据自第%(version)d版以来没有变化，未生成新版本。")
    ) % {"version": entry.version}
    outcome = JobOutcome(message=message, result={"report_id": entry.pk, "version": entry.version, "new": created})
    if not job_finish(job=job, outcome=outcome, progress=progress):
        return "ended-meanwhile"
    YearlyReportChunk.objects.filter(job=job).update(result=None)  # printed: the raw figures are not kept
    return "done"


def yearly_report_finish_here(*, job: Job) -> None:
    """Read the job's chunks still missing and assemble it in this process (the `yearly_report` command, whose
    job runs in-process): what its tasks do, and harmless beside them (each step is idempotent)."""
    for chunk_id in YearlyReportChunk.objects.filter(job=job, done_at__isnull=True).values_list("pk", flat=True):
        yearly_report_chunk_run(chunk_id=chunk_id)
    yearly_report_assemble(job_id=job.pk)


def yearly_reports_request_all(*, today: datetime.date) -> int:
    """The January beat job: request the report of the year just ended for every committee of the tree (市委,
    区委, 工委, 基层党委, 党总支) whose subtree has compliance roll-ups in that year, unless a version compiled after
    the year ended exists already. Idempotent: a second run finds those versions (or the jobs still running, which
    `job_start` returns). Two queries, then one request per committee. Returns how many were requested."""
    year = today.year - 1
    year_end = datetime.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    compiled = YearlyReportFile.objects.filter(year=year, as_of__gte=year_end).values("organization_id")
    with_data = ComplianceRollup.objects.filter(
        node=OuterRef("pk"), period_end__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    )
    committees = (
        Organization.objects.exclude(kind=OrganizationKind.BRANCH)
        .exclude(pk__in=compiled)
        .filter(Exists(with_data))
        .order_by("path")
    )
    count = 0
    for organization in committees:
        yearly_report_request(organization=organization, year=year, by=None)
        count += 1
    return count
