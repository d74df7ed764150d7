"""Importing a month's 党费 from xlsx/csv: all or nothing, per-row errors in Chinese, members of the branch only,
Decimal amounts; as a background job with progress."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.dues import selectors, services
from activities.dues.imports import dues_import
from activities.dues.jobs import DUES_IMPORT
from activities.dues.models import DuesMonth, DuesPayment, DuesStatus
from activities.dues.services import DuesEntry
from branches.models import Member
from portal.jobs.models import Job, JobState
from tests.activities.dues_pages import give_bases
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def members(secretary, member_user, branch, other_branch):
    MemberFactory(organization=branch, name="张三", joined_on=datetime.date(2010, 1, 1))
    MemberFactory(organization=branch, name="李四", joined_on=datetime.date(2010, 1, 1))
    MemberFactory(organization=other_branch, name="西城党员", joined_on=datetime.date(2010, 1, 1))
    give_bases(branch)  # 40.00 a month
    return {m.name: m for m in Member.objects.all()}


def xlsx(rows: list[list], name: str = "dues.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["党费交纳记录"])
    sheet.append(["姓名", "身份证号", "实交金额", "交纳方式", "交纳日期"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows: list[list], encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "实交金额"])
    writer.writerows(rows)
    return SimpleUploadedFile("dues.csv", text.getvalue().encode(encoding))


def run(branch, secretary, upload, month=JAN):
    return dues_import(organization=branch, month=month, uploaded_file=upload, recorded_by=secretary)


def test_it_records_the_month_from_an_xlsx_file(branch, secretary, members):
    zhang = members["张三"]
    upload = xlsx(
        [
            ["张三", zhang.id_number, 40, "现金", "2026-01-15"],
            ["李四", "", "15.5", "", ""],
            ["王书记", "", "1100.00", "线上交纳", "2026/1/20"],
        ]
    )
    result = run(branch, secretary, upload)
    assert result.ok, result.errors
    payments = {p.member.name: p for p in DuesPayment.objects.select_related("member")}
    assert payments["张三"].status == DuesStatus.PAID and payments["张三"].method == "cash"
    assert payments["张三"].paid_on == datetime.date(2026, 1, 15)
    assert payments["李四"].status == DuesStatus.PARTIAL and payments["李四"].amount_paid == Decimal("15.50")
    assert payments["李四"].method == "transfer" and payments["李四"].paid_on == datetime.date(2026, 1, 31)
    assert payments["王书记"].status == DuesStatus.ADVANCE and payments["王书记"].voluntary == Decimal("1060.00")
    not_listed = [p for name, p in payments.items() if name not in ("张三", "李四", "王书记")]
    assert not_listed and all(p.status == DuesStatus.UNPAID for p in not_listed)
    stored = DuesMonth.objects.get(organization=branch, month=JAN)
    recomputed = services.dues_month_recompute(organization=branch, month=JAN)
    assert (stored.paid, stored.due, stored.arrears) == (recomputed.paid, recomputed.due, recomputed.arrears)


def test_it_reads_a_gb18030_csv(branch, secretary, members):
    result = run(branch, secretary, csv_file([["张三", "40"], ["李四", "0"]], encoding="gb18030"))
    assert result.ok, result.errors
    assert DuesPayment.objects.get(member=members["李四"]).status == DuesStatus.UNPAID


def test_a_member_of_another_branch_is_a_row_error_and_nothing_is_written(branch, secretary, members):
    foreign = members["西城党员"]
    upload = xlsx([["张三", "", 40, "", ""], ["西城党员", foreign.id_number, 40, "", ""], ["西城党员", "", 40, "", ""]])
    result = run(branch, secretary, upload)
    assert not result.ok
    assert [(error.line, error.message) for error in result.errors] == [
        (4, "该身份证号的党员登记在其他党支部，不能在本支部交纳党费。"),
        (5, "本支部本月应交党费的党员中没有“西城党员”（其他党支部的党员不能在本支部导入）。"),
    ]
    assert not DuesPayment.objects.exists() and not DuesMonth.objects.exists()


def test_every_bad_row_is_listed_with_its_line_and_column(branch, secretary, members):
    upload = xlsx(
        [
            ["张三", "", "12.345", "", ""],
            ["李四", "", "", "", ""],
            ["张三", "", "40", "", ""],
            ["王书记", "", "四十", "支票", "2099-01-01"],
        ]
    )
    result = run(branch, secretary, upload)
    assert not result.ok
    messages = [(error.line, error.column) for error in result.errors]
    assert (3, "实交金额") in messages and (4, "实交金额") in messages and (5, "姓名") in messages
    assert {(6, "实交金额"), (6, "交纳方式"), (6, "交纳日期")} <= set(messages)
    assert "与第3行是同一名党员。" in [error.message for error in result.errors]
    assert not DuesPayment.objects.exists()


def test_a_file_without_the_required_columns_says_which(branch, secretary, members):
    upload = SimpleUploadedFile("dues.csv", "姓名,备注\n张三,x\n".encode())
    result = run(branch, secretary, upload)
    assert not result.ok and "缺少必填列" in result.errors[0].message


def test_a_closed_month_is_refused(branch, secretary, members):
    run(branch, secretary, csv_file([["张三", "40"]]))
    services.dues_month_close(organization=branch, month=JAN, closed_by=secretary)
    result = run(branch, secretary, csv_file([["张三", "0"]]))
    assert not result.ok and "已结账" in result.errors[0].message
    assert DuesPayment.objects.get(member=members["张三"]).status == DuesStatus.PAID


def test_months_paid_ahead_are_kept(branch, secretary, members):
    zhang = members["张三"]
    services.dues_collection_save(
        sheet=selectors.collection_sheet(organization=branch, month=JAN),
        entries={zhang.pk: DuesEntry(status=DuesStatus.ADVANCE, amount_paid=Decimal("80.00"), months_ahead=1)},
        method="cash",
        paid_on=JAN,
        recorded_by=secretary,
    )
    february = datetime.date(2026, 2, 1)
    result = run(branch, secretary, csv_file([["李四", "40"]]), month=february)
    assert result.ok, result.errors
    assert DuesPayment.objects.get(member=zhang, month=february).status == DuesStatus.PREPAID


def test_the_page_starts_a_job_and_shows_its_result(
    client, branch, secretary, members, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    url = reverse("activities:dues_import", args=[branch.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"month": "2026-01", "file": csv_file([["张三", "40"]])})
    job = Job.objects.get(kind=DUES_IMPORT)
    assert response.status_code == 302 and response["Location"] == f"{url}?job={job.pk}"
    assert not DuesPayment.objects.exists()  # nothing written in the request
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    assert job.result["listed"] == 1
    page = client.get(response["Location"]).text
    assert 'id="import-done"' in page


def test_the_job_shows_the_row_errors(client, branch, secretary, members, django_capture_on_commit_callbacks):
    client.force_login(secretary)
    url = reverse("activities:dues_import", args=[branch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-01", "file": csv_file([["无此人", "40"]])})
    job = Job.objects.get(kind=DUES_IMPORT)
    assert job.state == JobState.FAILED
    page = client.get(response["Location"]).text
    assert 'id="import-errors"' in page and "无此人" in page
    assert not DuesPayment.objects.exists()


def test_a_foreign_secretary_gets_404_and_nothing_is_written(client, branch, other_branch_secretary, members):
    client.force_login(other_branch_secretary)
    url = reverse("activities:dues_import", args=[branch.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"month": "2026-01", "file": csv_file([["张三", "40"]])})
    assert response.status_code == 404
    assert not Job.objects.exists() and not DuesPayment.objects.exists()


def test_a_member_cannot_import(client, branch, member_user, members):
    client.force_login(member_user)
    url = reverse("activities:dues_import", args=[branch.pk])
    assert client.post(url, {"month": "2026-01", "file": csv_file([["张三", "40"]])}).status_code in (403, 404)
    assert not Job.objects.exists()


def test_the_import_reads_a_fixed_number_of_queries(branch, secretary, members, django_assert_max_num_queries):
    with django_assert_max_num_queries(14) as small:
        assert run(branch, secretary, csv_file([["张三", "40"]])).ok
    for index in range(20):
        MemberFactory(organization=branch, name=f"新党员{index}", joined_on=datetime.date(2010, 1, 1))
    rows = [[f"新党员{index}", "40"] for index in range(20)]
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert run(branch, secretary, csv_file(rows), month=datetime.date(2026, 2, 1)).ok
