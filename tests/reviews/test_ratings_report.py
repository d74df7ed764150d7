"""The yearly report's 星级评定 section (it replaces the 未记录 placeholder): a branch's stars with the score item by
item, a committee's branches per level per child, in the PDF and the xlsx, within the report's query budget."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from reviews.ratings import services
from reviews.ratings.models import BranchRating
from reviews.reports import render
from reviews.reports.selectors import report_data
from tests.reviews.test_reports import REPORT_BUDGET, pdf_text

pytestmark = pytest.mark.django_db

YEAR = 2026
TODAY = datetime.date(YEAR, 12, 7)


def build(organization):
    return report_data(organization=organization, year=YEAR, today=TODAY, as_of=timezone.now())


@pytest.fixture
def confirmed(district, branch, sibling_branch, district_officer):
    services.ratings_propose(organization=district, year=YEAR, today=TODAY, progress=None)
    rating = BranchRating.objects.get(organization=branch, year=YEAR)
    services.rating_decide(rating=rating, stars=5, reason="示范党支部", by=district_officer)
    return rating


def test_a_branch_report_prints_its_stars_and_breakdown(confirmed, branch):
    report = build(branch)
    assert report.unrecorded == []
    assert report.ratings.rating == confirmed
    text = pdf_text(render.pdf_bytes(report, version=1))
    assert "星级评定" in text and "五星" in text and "规定动作完成率" in text
    assert "未记录事项" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(report, version=1)))["星级评定"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["评定星级", "五星", None] in values
    assert any(row[0] == "规定动作完成率" for row in values)


def test_a_committee_report_prints_the_branches_per_level(confirmed, committee, sibling_branch):
    report = build(committee)
    [row] = [row for row in report.ratings.children if row.organization == sibling_branch]
    assert row.waiting == 1
    assert report.ratings.total.by_stars == [0, 0, 0, 0, 1]
    sheet = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(report, version=1)))["星级评定"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["合计", 2, 0, 0, 0, 0, 1, 1, 0] in values
    assert "待确认" in pdf_text(render.pdf_bytes(report, version=1))


def test_the_rating_changes_the_report_fingerprint(district, branch, district_officer):
    before = render.data_fingerprint(build(branch))
    services.ratings_propose(organization=district, year=YEAR, today=TODAY, progress=None)
    assert render.data_fingerprint(build(branch)) != before


def test_the_section_keeps_the_report_within_its_budget(confirmed, committee, branch, django_assert_max_num_queries):
    with django_assert_max_num_queries(REPORT_BUDGET):
        build(committee)
    with django_assert_max_num_queries(REPORT_BUDGET):
        build(branch)
