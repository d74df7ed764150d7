"""The yearly report as a job: versions, the 年度报表 page, scoped downloads, the yearly_report command."""

import io
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from activities.models import MeetingKind
from portal.jobs.models import Job, JobState
from reviews.compliance.services import compliance_recompute
from reviews.models import YearlyReportFile
from reviews.reports.services import YEARLY_REPORT, yearly_report_request
from tests.reviews.test_dashboard import TODAY, YEAR, day, hold
from tests.reviews.test_reports import make_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(branch, sibling_branch, other_branch, secretary, member_user):
    return make_history(branch, sibling_branch, other_branch, secretary)


def request_report(django_capture_on_commit_callbacks, organization, user, year=YEAR) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = yearly_report_request(organization=organization, year=year, by=user)
    job.refresh_from_db()
    return job


def test_it_compiles_a_version_as_a_job_and_makes_a_new_one_only_when_the_data_changed(
    history, committee, sibling_branch, district_officer, django_capture_on_commit_callbacks
):
    job = request_report(django_capture_on_commit_callbacks, committee, district_officer)
    assert job.state == JobState.DONE, job.error
    first = YearlyReportFile.objects.get(pk=job.result["report_id"])
    assert (first.version, first.year, first.created_by) == (1, YEAR, district_officer)
    with first.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert first.rules_fingerprint and first.as_of
    assert "reports/" in first.pdf.name and "报告" not in first.pdf.name  # random storage names

    again = request_report(django_capture_on_commit_callbacks, committee, district_officer)
    assert again.pk != job.pk and again.result == {"report_id": first.pk, "version": 1, "new": False}

    hold(sibling_branch, MeetingKind.COLLECTIVE_STUDY, day(7), topic="补开集中学习")
    compliance_recompute(year=YEAR, today=TODAY)
    third = request_report(django_capture_on_commit_callbacks, committee, district_officer)
    second = YearlyReportFile.objects.get(pk=third.result["report_id"])
    assert second.version == 2
    assert YearlyReportFile.objects.filter(organization=committee, year=YEAR).count() == 2
    with first.pdf.open("rb") as handle:  # the old version's files stay
        assert handle.read(5) == b"%PDF-"


def test_it_fails_the_job_with_a_clear_message_for_a_year_without_data(
    history, committee, district_officer, django_capture_on_commit_callbacks
):
    job = request_report(django_capture_on_commit_callbacks, committee, district_officer, year=YEAR - 5)
    assert job.state == JobState.FAILED
    assert "没有可报告的数据" in job.message
    assert not YearlyReportFile.objects.exists()


def test_it_requests_a_report_from_the_page_and_shows_progress_and_downloads(
    client, history, district, district_officer, django_capture_on_commit_callbacks
):
    client.force_login(district_officer)
    url = reverse("reviews:yearly_reports", args=[district.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "生成年度检查报告" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"year": YEAR})
    assert response.status_code == 302
    job = Job.objects.get(kind=YEARLY_REPORT, organization=district)
    page = client.get(url).content.decode()
    assert f'id="job-{job.pk}"' in page  # the job partial
    report = YearlyReportFile.objects.get(organization=district)
    download = reverse("reviews:yearly_report_download", args=[report.pk, "pdf"])
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment")
    assert f"东城区委_{YEAR}年度检查报告_第1版.pdf" in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    xlsx = client.get(reverse("reviews:yearly_report_download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200 and ".xlsx" in unquote(xlsx["Content-Disposition"])
    xlsx.close()


def test_it_refuses_a_bad_year_with_a_message(client, history, district, district_officer):
    client.force_login(district_officer)
    response = client.post(reverse("reviews:yearly_reports", args=[district.pk]), {"year": 1990})
    assert response.status_code == 400
    assert "年度应在" in response.content.decode()
    assert not Job.objects.exists()


def test_it_answers_404_outside_the_scope_for_get_and_post(
    client,
    history,
    committee,
    other_branch,
    other_branch_secretary,
    district_officer,
    django_capture_on_commit_callbacks,
):
    job = request_report(django_capture_on_commit_callbacks, committee, district_officer)
    report = YearlyReportFile.objects.get(pk=job.result["report_id"])
    client.force_login(other_branch_secretary)
    page = reverse("reviews:yearly_reports", args=[committee.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, {"year": YEAR}).status_code == 404
    for kind in ("pdf", "xlsx"):
        download = reverse("reviews:yearly_report_download", args=[report.pk, kind])
        assert client.get(download).status_code == 404
        assert client.post(download).status_code == 404
    assert client.get(reverse("reviews:yearly_report_download", args=[report.pk + 1000, "pdf"])).status_code == 404
    assert Job.objects.filter(organization=committee).count() == 1


def test_it_shows_the_page_to_a_branch_secretary_but_not_to_a_plain_member(
    client, history, branch, secretary, member_user
):
    client.force_login(secretary)
    assert client.get(reverse("reviews:yearly_reports", args=[branch.pk])).status_code == 200
    client.force_login(member_user)
    assert client.get(reverse("reviews:yearly_reports", args=[branch.pk])).status_code == 404


def test_it_links_the_page_from_the_dashboard(client, history, district, district_officer):
    client.force_login(district_officer)
    page = client.get(reverse("reviews:dashboard", args=[district.pk])).content.decode()
    assert reverse("reviews:yearly_reports", args=[district.pk]) in page


def test_it_writes_the_files_from_the_command_through_the_job(history, committee, tmp_path):
    out = io.StringIO()
    call_command("yearly_report", org=committee.code, year=YEAR, out=str(tmp_path), stdout=out)
    job = Job.objects.get(kind=YEARLY_REPORT, organization=committee)
    assert job.state == JobState.DONE
    pdf = tmp_path / f"东城区教育系统党委_{YEAR}年度检查报告_第1版.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert (tmp_path / f"东城区教育系统党委_{YEAR}年度检查报告_第1版.xlsx").exists()
    assert str(pdf) in out.getvalue()


def test_it_exits_the_command_non_zero_for_an_unknown_organisation_or_a_year_without_data(history, committee):
    with pytest.raises(CommandError, match="没有组织代码为 NOPE 的党组织"):
        call_command("yearly_report", org="NOPE", year=YEAR)
    with pytest.raises(CommandError, match="没有可报告的数据"):
        call_command("yearly_report", org=committee.code, year=YEAR - 5)


def test_it_lists_the_reports_in_a_fixed_number_of_queries(
    client, history, district, district_officer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(district_officer)
    url = reverse("reviews:yearly_reports", args=[district.pk])
    for year in (YEAR, YEAR - 1):
        hold(history["branch"], MeetingKind.THEME_DAY, day(2, year=year), topic="再开一次")
        compliance_recompute(year=year, today=TODAY)
        request_report(django_capture_on_commit_callbacks, district, district_officer, year=year)
    assert YearlyReportFile.objects.filter(organization=district).count() == 2
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count("/pdf/") == 4  # two versions in the table, and in the two jobs
