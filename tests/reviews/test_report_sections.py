"""The yearly report's 民主评议党员 and 问题整改 sections: read from reviews.evaluations and reviews.oversight, in
the PDF and the xlsx, 本年度无记录 when the year holds nothing."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from reviews.evaluations import services as evaluation_services
from reviews.evaluations.models import EvaluationStage, EvaluationStep
from reviews.oversight import services as oversight_services
from reviews.reports import render
from reviews.reports.selectors import report_chunk, report_data, report_parts
from tests.factories import MemberFactory
from tests.reviews.test_evaluation_progress import YEAR
from tests.reviews.test_reports import REPORT_BUDGET, pdf_text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(YEAR, 12, 7)


def build(organization, year=YEAR):
    return report_data(organization=organization, year=year, today=TODAY, as_of=timezone.now())


def decide(branch, secretary, grades):
    campaign = evaluation_services.campaign_open(
        organization=branch, year=YEAR, schedule=evaluation_services.default_schedule(year=YEAR), opened_by=secretary
    )
    # As test_evaluation_progress._decide, with the reason 基本合格/不合格 need.
    for stage in EvaluationStage.objects.filter(campaign=campaign).order_by("position"):
        if stage.step == EvaluationStep.PROPOSAL:
            for member, grade in grades.items():
                evaluation_services.grade_propose(
                    campaign=campaign, member=member, grade=grade, reason="多次无故缺席组织生活", proposed_by=secretary
                )
        if stage.step == EvaluationStep.DECISION:
            EvaluationStage.objects.filter(pk=stage.pk).update(closed_on=stage.ends_on, closed_by=secretary)
            return campaign
        evaluation_services.stage_close(stage=stage, closed_by=secretary)
    return campaign


@pytest.fixture
def decided(branch, secretary, member_user):
    weak = MemberFactory(organization=branch, name="赵党员")
    return decide(
        branch,
        secretary,
        {secretary.member: "excellent", member_user.member: "qualified", weak: "basically_qualified"},
    )


@pytest.fixture
def problem(branch, secretary):
    return oversight_services.problem_register(
        organization=branch,
        source="self_check",
        description="三会一课记录不完整",
        responsible="王书记",
        deadline=datetime.date(YEAR, 3, 1),
        created_by=secretary,
        found_on=datetime.date(YEAR, 1, 10),
    )


def sheet_rows(report, title):
    workbook = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(report, version=1)))
    return [list(row) for row in workbook[title].iter_rows(min_row=7, values_only=True)]


def test_a_branch_prints_its_decided_campaign_and_grades(decided, branch):
    report = build(branch)
    section = report.evaluations
    assert section.status_label == "党员大会已决定"
    # The 基本合格 proposal waits for the parent committee: not in the distribution, shown as a case.
    assert section.grades == [("优秀", 1), ("合格", 1), ("基本合格", 0), ("不合格", 0)]
    assert [(case.grade, case.status, case.count) for case in section.cases] == [("基本合格", "待上级审批", 1)]
    assert "evaluations" not in [key for key, _label in report.unrecorded]
    text = pdf_text(render.pdf_bytes(report, version=1))
    assert "民主评议党员" in text and "评议状态：党员大会已决定" in text
    assert "优秀 合格 基本合格 不合格\n1 1 0 0" in text
    assert "基本合格 待上级审批 1" in text
    rows = sheet_rows(report, "民主评议")
    assert ["评议状态", "党员大会已决定"] in rows
    assert ["评定等次：优秀", 1] in rows and ["评定等次：合格", 1] in rows
    assert ["基本合格（待上级审批）", 1] in rows


def test_a_registered_problem_shows_in_the_branch_and_committee_reports(problem, branch, committee):
    report = build(branch)
    assert report.problems.total == 1 and report.problems.overdue == 1
    assert ("待整改", 1) in report.problems.by_state and ("自查", 1) in report.problems.by_source
    text = pdf_text(render.pdf_bytes(report, version=1))
    assert "三会一课记录不完整" in text and f"{YEAR}-03-01（已逾期）" in text
    rows = sheet_rows(report, "问题整改")
    assert rows == [["三会一课记录不完整", datetime.datetime(YEAR, 3, 1), "待整改", "是"]]
    committee_rows = sheet_rows(build(committee), "问题整改")
    assert ["问题总数", 1] in committee_rows and ["状态：待整改", 1] in committee_rows
    assert ["逾期未销号", 1] in committee_rows and ["来源：自查", 1] in committee_rows
    # Problems found in another year are not this year's.
    assert build(branch, year=YEAR - 1).problems.total == 0


def test_a_district_sums_its_branches(
    decided, problem, secretary, district, sibling_branch, django_assert_max_num_queries
):
    chair = MemberFactory(organization=sibling_branch, name="钱党员")
    other = MemberFactory(organization=sibling_branch, name="孙党员")
    decide(sibling_branch, secretary, {chair: "excellent", other: "unqualified"})
    with django_assert_max_num_queries(REPORT_BUDGET):
        report = build(district)
    section = report.evaluations
    assert section.branches == 2
    assert [(label, count) for _status, label, count in section.statuses if count] == [("党员大会已决定", 2)]
    assert section.grades == [("优秀", 2), ("合格", 1), ("基本合格", 0), ("不合格", 0)]
    assert {(case.grade, case.count) for case in section.cases} == {("基本合格", 1), ("不合格", 1)}
    assert report.problems.total == 1 and report.problems.rows == []
    text = pdf_text(render.pdf_bytes(report, version=1))
    assert "党支部数 未开始 进行中 党员大会已决定 已报上级\n2 0 0 2 0" in text
    rows = sheet_rows(report, "民主评议")
    assert ["党支部：党员大会已决定", 2] in rows and ["评定等次：优秀", 2] in rows


def test_a_year_without_campaign_or_problem_says_no_record(branch, committee):
    for organization in (branch, committee):
        report = build(organization, year=YEAR - 1)
        assert not report.evaluations.has_data and report.problems.total == 0
        text = pdf_text(render.pdf_bytes(report, version=1))
        assert text.count("本年度无记录") == 3  # 民主评议党员, 问题整改 and 星级评定
        assert sheet_rows(report, "民主评议") == [["民主评议党员", "本年度无记录"]]
        assert "本年度无记录" in sheet_rows(report, "问题整改")[0]


def test_the_chunked_report_reads_the_same_sections(decided, problem, district):
    direct = build(district)
    ids = (
        district.__class__.objects.filter(path__startswith=district.path).order_by("path").values_list("pk", flat=True)
    )
    parts = report_parts(report_chunk(organization_ids=[pk], year=YEAR) for pk in ids)
    chunked = report_data(organization=district, year=YEAR, today=TODAY, as_of=direct.as_of, parts=parts)
    assert chunked.evaluations == direct.evaluations and chunked.evaluations.graded == 2
    assert chunked.problems == direct.problems and chunked.problems.total == 1
    assert render.data_fingerprint(chunked) == render.data_fingerprint(direct)


def test_a_new_problem_changes_the_report_fingerprint(branch, secretary):
    before = render.data_fingerprint(build(branch))
    oversight_services.problem_register(
        organization=branch,
        source="inspection",
        description="学习计划未备案",
        responsible="王书记",
        deadline=datetime.date(YEAR, 12, 31),
        created_by=secretary,
        found_on=datetime.date(YEAR, 6, 1),
    )
    assert render.data_fingerprint(build(branch)) != before
