"""The yearly inspection report: its data (fixed queries per report), the PDF, the xlsx."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.utils import timezone

from activities.models import Meeting, MeetingKind, MeetingVersion
from activities.records import services as records_services
from reviews.compliance.services import compliance_recompute
from reviews.reports import render
from reviews.reports.selectors import report_data
from tests.factories import BranchFactory
from tests.reviews.test_dashboard import TODAY, YEAR, day, hold, hold_everything

pytestmark = pytest.mark.django_db

REPORT_BUDGET = 30  # 20, and 民主评议党员 (7), 问题整改 (a branch: 2) and 星级评定 (1)


def make_history(branch, sibling_branch, other_branch, secretary):
    """`branch` meets everything and files its January meetings; `sibling_branch` holds only its first half-year's
    主题党日; `other_branch` (another district) one meeting. Compliance computed as the nightly job does."""
    hold_everything(branch)
    for month in range(1, 7):
        hold(sibling_branch, MeetingKind.THEME_DAY, day(month), topic=f"第二支部{month}月主题党日")
    hold(other_branch, MeetingKind.THEME_DAY, day(3), topic="西城主题党日")
    for meeting in Meeting.objects.filter(organization=branch, held_on__month=1):
        records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=secretary)
    compliance_recompute(year=YEAR, today=TODAY)
    return {"branch": branch, "sibling": sibling_branch}


@pytest.fixture
def history(branch, sibling_branch, other_branch, secretary, member_user):
    return make_history(branch, sibling_branch, other_branch, secretary)


def build(organization, year=YEAR):
    return report_data(organization=organization, year=year, today=TODAY, as_of=timezone.now())


def test_it_reports_a_branch_from_the_stored_results(history, branch):
    report = build(branch)
    assert report.board.total.applicable > 0
    assert report.board.total.missed == 0
    assert {row.code for row in report.rule_rows} >= {"C1", "C3"}
    assert report.missed == []
    assert len(report.records) == MeetingVersion.objects.filter(meeting__organization=branch).count() == 2
    assert all(len(row.content_hash) == 64 for row in report.records)
    assert [head.organization for head in report.heads] == [branch]
    assert report.talks.coverage is not None
    assert report.unrecorded == []  # 星级评定 is recorded now (tests/reviews/test_ratings_report.py)
    assert report.ratings is not None and not report.ratings.has_data


def test_it_reports_a_committee_with_its_children_and_missed_obligations(history, committee, branch, sibling_branch):
    report = build(committee)
    assert [row.organization for row in report.board.children][0] == sibling_branch
    missed = {row.organization for row in report.missed}
    assert sibling_branch.name in missed and branch.name not in missed
    assert report.records and {row.organization for row in report.records} == {branch.name}
    assert report.study.branches == 2
    # Nothing of the other district.
    assert "西城" not in str([row.organization for row in report.missed])


def test_it_says_not_recorded_for_a_year_without_data(history, branch):
    report = build(branch, year=YEAR - 3)
    assert not report.has_data
    pdf = render.pdf_bytes(report, version=1)
    text = pdf_text(pdf)
    assert "未记录" in text


def test_it_reads_a_report_in_a_fixed_number_of_queries(history, committee, district, django_assert_max_num_queries):
    with django_assert_max_num_queries(REPORT_BUDGET):
        build(committee)
    with django_assert_max_num_queries(REPORT_BUDGET):
        build(history["branch"])
    for index in range(15):
        BranchFactory(name=f"新增党支部{index}", code=f"BJ-DC-EDU-N{index:02d}", parent=committee)
    compliance_recompute(year=YEAR, today=TODAY)
    with django_assert_max_num_queries(REPORT_BUDGET):
        report = build(district)
    assert len(report.board.children) == 1


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_it_prints_a_pdf_with_chinese_text_page_numbers_and_an_embedded_cjk_font(history, branch, tmp_path):
    pdf = render.pdf_bytes(build(branch), version=3)
    text = pdf_text(pdf)
    assert f"{YEAR}年度检查报告" in text
    assert "第 1 页 共" in text
    assert "第3版" in text
    assert "verify_records" in text
    first_hash = MeetingVersion.objects.filter(meeting__organization=branch).order_by("pk").first().content_hash
    assert first_hash[:32] in text.replace("\n", "").replace(" ", "")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    # name prefix "ABCDEF+" means subset; the emb and sub columns say "yes".
    assert any("+" in line.split()[0] and line.split()[-5:-3] == ["yes", "yes"] for line in cjk), fonts


def test_it_draws_the_chart_as_svg_without_script(history, branch):
    svg = render.trend_chart_svg(build(branch))
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert "合规率" in svg


def test_it_writes_a_workbook_with_one_sheet_per_section(history, committee, sibling_branch):
    report = build(committee)
    workbook = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(report, version=2)))
    assert workbook.sheetnames == [
        "概况",
        "月度合规",
        "下级组织",
        "未完成事项",
        "学习",
        "出勤",
        "谈心谈话",
        "归档记录",
        "记录链",
        "党费收缴",
        "民主评议",
        "问题整改",
        "星级评定",
    ]
    children = workbook["下级组织"]
    assert children["A1"].value == f"东城区教育系统党委 {YEAR}年度检查报告"
    assert "第2版" in children["A3"].value
    assert children["A4"].value.startswith("数据截至")
    assert children.freeze_panes == "A7"
    rows = list(children.iter_rows(min_row=7, values_only=True))
    assert rows[0][0] == sibling_branch.name
    assert isinstance(rows[0][1], int)
    records = workbook["归档记录"]
    first = next(records.iter_rows(min_row=7, values_only=True))
    assert isinstance(first[1], datetime.datetime)  # a date cell (openpyxl reads dates back as datetimes)
    assert len(first[6]) == 64


def test_the_dues_section_reads_the_branch_month_roll_ups(history, committee, branch):
    from decimal import Decimal

    from activities.dues.models import DuesMonth

    DuesMonth.objects.create(
        organization=branch,
        month=datetime.date(YEAR, 3, 1),
        members=4,
        paid_members=3,
        due=Decimal("160.00"),
        paid=Decimal("120.00"),
        arrears=Decimal("40.00"),
    )
    report = build(committee)
    assert (report.dues.total.due, report.dues.total.paid, report.dues.total.rate) == (
        Decimal("160.00"),
        Decimal("120.00"),
        75,
    )
    workbook = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(report, version=1)))
    values = [row for row in workbook["党费收缴"].iter_rows(values_only=True) if row and row[0] == "合计"]
    assert values == [("合计", 160, 120, 75, 40)]
