"""The portal's one xlsx writer: formula-safe text, title and as-of lines, frozen header, widths, real dates."""

import datetime
import io

import openpyxl
from django.utils import timezone

from portal.xlsx import Sheet, rows_to_xlsx, workbook_bytes, xlsx_response


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_it_never_writes_text_as_a_formula():
    content = rows_to_xlsx(headers=["姓名", "备注"], rows=[["=1+1", "+86 138"], ["@SUM(A1)", "-2"]], title="名单")
    sheet = load(content)["名单"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [cell.value for cell in cells] == ["=1+1", "+86 138", "@SUM(A1)", "-2"]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_it_puts_title_lines_and_the_as_of_time_above_a_frozen_header():
    as_of = timezone.make_aware(datetime.datetime(2026, 12, 1, 8, 30))
    content = rows_to_xlsx(
        headers=["组织", "会议日期", "人数"],
        rows=[["第一党支部", datetime.date(2026, 3, 5), 12]],
        title="汇总",
        heading=["东城区委 2026年", "筛选：全部"],
        as_of=as_of,
    )
    sheet = load(content)["汇总"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "东城区委 2026年" and values[1][0] == "筛选：全部"
    assert values[2][0] == "数据截至 2026-12-01 08:30"
    assert values[4] == ["组织", "会议日期", "人数"]
    assert values[5][1] == datetime.datetime(2026, 3, 5) and values[5][2] == 12  # a date and a number, not text
    assert sheet.freeze_panes == "A6"
    assert sheet.column_dimensions["A"].width >= 14


def test_it_writes_one_sheet_per_section_and_answers_a_download_with_a_chinese_name():
    content = workbook_bytes(
        [Sheet(title="汇总", headers=["a"], rows=[[1]]), Sheet(title="下级党组织" * 10, headers=["b"], rows=[])]
    )
    book = load(content)
    assert book.sheetnames == ["汇总", ("下级党组织" * 10)[:31]]
    response = xlsx_response(content, "东城区委年度报表.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "utf-8''" in response["Content-Disposition"]
