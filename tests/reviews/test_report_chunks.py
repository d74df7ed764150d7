"""The yearly report's fan-out: one job per request, one task per chunk of organisations, each chunk stored once,
one assembly; a job whose worker died resumes from the chunks already stored. Tasks run in-process here; the
kill -9 of a real worker is tests/reviews/test_report_worker.py."""

import datetime

import pytest
from django.utils import timezone

from portal.jobs import services as job_services
from portal.jobs.models import Job, JobState
from portal.jobs.progress import progress_cached
from reviews.models import YearlyReportChunk, YearlyReportFile
from reviews.reports import services
from reviews.reports.render import data_fingerprint
from reviews.reports.selectors import report_chunk, report_data, report_parts
from tests.factories import BranchFactory
from tests.reviews.test_dashboard import TODAY, YEAR
from tests.reviews.test_reports import make_history

pytestmark = pytest.mark.django_db

CHUNK_BUDGET = 4


@pytest.fixture
def history(branch, sibling_branch, other_branch, secretary, member_user):
    return make_history(branch, sibling_branch, other_branch, secretary)


@pytest.fixture
def small_chunks(settings):
    settings.YEARLY_REPORT_CHUNK_SIZE = 1


def chunks_of(job: Job) -> list[YearlyReportChunk]:
    return list(YearlyReportChunk.objects.filter(job=job).order_by("index"))


def test_a_report_put_together_from_chunks_says_exactly_what_the_direct_read_says(history, district):
    now = timezone.now()
    direct = report_data(organization=district, year=YEAR, today=TODAY, as_of=now)
    ids = [
        [pk]
        for pk in district.__class__.objects.filter(path__startswith=district.path)
        .order_by("path")
        .values_list("pk", flat=True)
    ]
    parts = report_parts(report_chunk(organization_ids=run, year=YEAR) for run in ids)
    chunked = report_data(organization=district, year=YEAR, today=TODAY, as_of=now, parts=parts)
    assert chunked.records and chunked.attendance.rows and chunked.talks.total == direct.talks.total
    assert (chunked.records, chunked.attendance.rows) == (direct.records, direct.attendance.rows)
    assert data_fingerprint(chunked) == data_fingerprint(direct)


def test_a_chunk_reads_in_a_fixed_number_of_queries_whatever_its_size(
    history, committee, branch, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CHUNK_BUDGET):
        report_chunk(organization_ids=[branch.pk], year=YEAR)
    extra = [
        BranchFactory(name=f"新增党支部{index}", code=f"BJ-DC-EDU-N{index:02d}", parent=committee)
        for index in range(20)
    ]
    with django_assert_max_num_queries(CHUNK_BUDGET):
        result = report_chunk(organization_ids=[branch.pk, *[org.pk for org in extra]], year=YEAR)
    assert result["records"] and branch.path in result["attendance"]


def test_one_job_fans_out_one_task_per_chunk_and_assembles_once(
    history, district, district_officer, small_chunks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.yearly_report_request(organization=district, year=YEAR, by=district_officer)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    chunks = chunks_of(job)
    organizations = district.__class__.objects.filter(path__startswith=district.path).count()
    assert [chunk.index for chunk in chunks] == list(range(organizations))  # one organisation each
    assert all(chunk.done_at for chunk in chunks)
    assert all(chunk.result is None for chunk in chunks)  # printed: the raw figures are not kept
    assert (job.progress_done, job.progress_total) == (organizations, organizations)
    report = YearlyReportFile.objects.get(pk=job.result["report_id"])
    assert YearlyReportFile.objects.filter(organization=district, year=YEAR).count() == 1
    direct = report_data(organization=district, year=YEAR, today=timezone.localdate(), as_of=timezone.now())
    assert report.data_fingerprint == data_fingerprint(direct)


def test_a_duplicated_chunk_or_assembly_changes_nothing_and_a_resumed_job_reads_only_the_missing_chunks(
    history, committee, district_officer, small_chunks, django_capture_on_commit_callbacks
):
    # The request is queued; its first run plans the chunks and sends them, but the worker "dies" after one.
    with django_capture_on_commit_callbacks(execute=False):
        job = services.yearly_report_request(organization=committee, year=YEAR, by=district_officer)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert job_services.job_run(job_id=job.pk) == "pending"
    chunks = chunks_of(job)
    assert len(sent) == len(chunks) == 3  # the committee and its two branches
    assert services.yearly_report_chunk_run(chunk_id=chunks[0].pk) == "stored"
    first_done_at = chunks_of(job)[0].done_at
    assert services.yearly_report_chunk_run(chunk_id=chunks[0].pk) == "done-before"  # a duplicate
    assert chunks_of(job)[0].done_at == first_done_at
    assert services.yearly_report_assemble(job_id=job.pk) == "chunks-missing"
    job.refresh_from_db()
    entry = progress_cached(job.pk)  # inside the test's transaction the bar lives in the cache only
    assert (job.state, entry["done"], entry["total"]) == (JobState.RUNNING, 1, 3)
    assert entry["message"] == "正在汇总各组织数据（1/3）"

    # No heartbeat: the reaper re-queues it; the next run sends the two missing chunks only, then the assembly.
    later = timezone.now() + services.YEARLY_REPORT_STALE_AFTER + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=False):
        assert job_services.jobs_reap_stale(now=later) == {"requeued": 1, "failed": 0}
    with django_capture_on_commit_callbacks(execute=True) as resent:
        assert job_services.job_run(job_id=job.pk) == "pending"
    assert len(resent) == 3  # the two missing chunks, then the assembly
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.attempts == 2
    chunks = chunks_of(job)
    assert chunks[0].done_at == first_done_at and all(chunk.done_at for chunk in chunks)
    assert YearlyReportFile.objects.filter(organization=committee, year=YEAR).count() == 1

    assert services.yearly_report_assemble(job_id=job.pk) == "not-running"  # a duplicated assembly
    assert services.yearly_report_chunk_run(chunk_id=chunks[1].pk) == "done-before"
    assert YearlyReportFile.objects.filter(organization=committee, year=YEAR).count() == 1


def test_two_requests_while_one_runs_give_the_running_one(
    history, committee, district_officer, secretary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.yearly_report_request(organization=committee, year=YEAR, by=district_officer)
        second = services.yearly_report_request(organization=committee, year=YEAR, by=secretary)
    assert first.pk == second.pk and Job.objects.filter(kind=services.YEARLY_REPORT).count() == 1
