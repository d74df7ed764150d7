"""The district officer asks for the district's report of this year on its 年度报表 page, watches the progress bar
while the chunks are read, and downloads the PDF (real Chinese text, page numbers) and the xlsx; at 1280 and
375 px. The chunk tasks are held back on the request and run by the test one by one, as workers would."""

import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.compliance.services import compliance_recompute
from reviews.models import YearlyReportChunk
from reviews.reports import services
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.reviews.test_dashboard import hold_everything
from tests.reviews.test_reports import pdf_text

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
THIS_YEAR = TODAY.year


@pytest.fixture
def this_year(branch, sibling_branch, secretary, member_user):
    """`branch` meets every rule of the months gone by this year; `sibling_branch` nothing. (Nothing is filed:
    the record chain is append-only, and this test's database is emptied after it.)"""
    hold_everything(branch, year=THIS_YEAR, months=range(1, TODAY.month))
    compliance_recompute(year=THIS_YEAR, today=TODAY)


@pytest.fixture
def held_chunks(monkeypatch, settings):
    """One organisation per chunk; the chunk tasks the request sends are kept here instead of run at once
    (in-process) on commit."""
    settings.YEARLY_REPORT_CHUNK_SIZE = 1
    held: list[int] = []
    monkeypatch.setattr(services, "_send_chunks", held.extend)
    return held


def test_the_district_officer_requests_watches_and_downloads_the_districts_report(
    web, this_year, district, district_officer, held_chunks, tmp_path
):
    web.log_in_as(district_officer)
    web.open(reverse("reviews:yearly_reports", args=[district.pk]))
    page = web.page
    page.get_by_label("年度").select_option(str(THIS_YEAR))
    with page.expect_navigation():
        page.get_by_role("button", name="生成年度检查报告").click()

    card = page.locator("[id^=job-]").first
    total = len(held_chunks)
    assert total == YearlyReportChunk.objects.count() >= 4  # the district, the committee, two branches
    assert card.get_by_text(f"正在汇总各组织数据（0/{total}）").is_visible()
    assert card.locator("progress").is_visible()
    web.screenshot("yearly-report-progress-1280")

    services.yearly_report_chunk_run(chunk_id=held_chunks[0])  # a worker reads the first chunk
    card.get_by_text(f"正在汇总各组织数据（1/{total}）").wait_for()  # the card polls every 2 s
    assert card.locator("progress").get_attribute("value") == str(100 // total)
    web.resize(PHONE)
    web.screenshot("yearly-report-progress-375")
    assert web.horizontal_overflow() == 0

    for chunk_id in held_chunks[1:]:  # the rest, then the assembly (sent by the last chunk, run on commit)
        services.yearly_report_chunk_run(chunk_id=chunk_id)
    pdf_link = page.get_by_role("link", name="下载 PDF（第1版）")
    pdf_link.wait_for(timeout=30_000)
    assert page.locator("[id^=job-] .badge").first.inner_text() == "已完成"
    assert web.horizontal_overflow() == 0
    web.screenshot("yearly-report-done-375")
    web.resize({"width": 1280, "height": 800})
    web.screenshot("yearly-report-done-1280")

    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename == f"东城区委_{THIS_YEAR}年度检查报告_第1版.pdf"
    pdf_path = tmp_path / "report.pdf"
    download.save_as(pdf_path)
    text = pdf_text(pdf_path.read_bytes())
    assert f"{THIS_YEAR}年度检查报告" in text and "东城区委" in text
    assert "东城区教育系统党委" in text and "第 1 页 共" in text and "verify_records" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # the first page as a picture, to look at
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(SCREENSHOTS / "yearly-report-pdf-page-1"),
        ],
        check=True,
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 xlsx（第1版）").click()
    xlsx_path = tmp_path / "report.xlsx"
    download_info.value.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    assert len(workbook.sheetnames) >= 5
    assert "东城区委" in str(workbook.worksheets[0]["A1"].value)
    assert web.console_errors == []
