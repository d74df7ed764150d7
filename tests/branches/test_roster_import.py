"""Roster import (花名册导入): the service and the file checks (the page and the job: test_roster_import_job.py)."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import idnumbers
from branches.models import Education, Gender, Member, Membership, MembershipType
from branches.roster import reader as roster_reader
from branches.roster.services import roster_import
from tests.factories import MemberFactory, PartyGroupFactory, new_id_number

pytestmark = pytest.mark.django_db

_VALID = idnumbers.compose(region="110105", birth_date=datetime.date(1985, 6, 1), sequence=1)
BAD_CHECKSUM = _VALID[:-1] + ("1" if _VALID[-1] != "1" else "2")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "民族",
    "学历",
    "手机号",
    "党员类型",
    "入党日期",
    "转正日期",
    "党小组",
    "职务/岗位",
    "类别",
]


def roster_row(**values) -> dict:
    """One good row, by header; keyword arguments use the header names' pinyin-free keys below."""
    row = {
        "姓名": "张三",
        "性别": "男",
        "身份证号": new_id_number(),
        "民族": "汉族",
        "学历": "大学本科",
        "手机号": "13800138000",
        "党员类型": "正式党员",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "党小组": "",
        "职务/岗位": "教师",
        "类别": "",
    }
    row.update(values)
    return row


def xlsx_upload(
    rows: list[dict], headers: list[str] = HEADERS, name: str = "roster.xlsx", title_rows=()
) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    for title in title_rows:
        sheet.append(title)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def csv_upload(
    rows: list[dict], headers: list[str] = HEADERS, encoding: str = "utf-8-sig", name: str = "roster.csv"
) -> SimpleUploadedFile:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def counts() -> tuple[int, int]:
    return Member.objects.count(), Membership.objects.count()


def error_tuples(result) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in result.errors]


# -- good files


def test_it_imports_a_good_xlsx_file(branch):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    first = roster_row(姓名="张三", 党小组="第一党小组", 类别="离退休党员、流动党员")
    second = roster_row(
        姓名="李四", 性别="女", 学历="研究生", 党员类型="预备党员", 入党日期="2024/3/5", 转正日期="", 手机号=""
    )
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([first, second]))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    zhang = Member.objects.get(id_number_digest=idnumbers.digest(first["身份证号"]))
    assert zhang.organization == branch
    assert zhang.group == group
    assert zhang.gender == Gender.MALE
    assert zhang.education == Education.UNDERGRADUATE
    assert zhang.joined_on == datetime.date(2010, 7, 1)
    assert zhang.full_member_on == datetime.date(2011, 7, 1)
    assert zhang.birth_date == idnumbers.birth_date_of(first["身份证号"])
    assert zhang.is_retired and zhang.is_floating and not zhang.is_student
    assert zhang.id_number == first["身份证号"]
    assert first["身份证号"] not in zhang.id_number_encrypted
    li = Member.objects.get(name="李四")
    assert li.membership_type == MembershipType.PROBATIONARY
    assert li.gender == Gender.FEMALE
    assert li.joined_on == datetime.date(2024, 3, 5)
    assert li.phone == ""
    assert Membership.objects.filter(member__in=[zhang, li], organization=branch, ended_on=None).count() == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_it_imports_a_good_csv_file_in_each_encoding(branch, encoding):
    rows = [roster_row(姓名="王五", 类别="非公企业党员；学生党员"), roster_row(姓名="赵六")]
    result = roster_import(organization=branch, uploaded_file=csv_upload(rows, encoding=encoding))

    assert result.ok, result.errors
    assert result.created == 2
    wang = Member.objects.get(name="王五")
    assert wang.is_non_public and wang.is_student and not wang.is_retired
    assert wang.id_number == rows[0]["身份证号"]


def test_it_reads_excel_unicode_text_that_is_utf_16_big_endian_with_a_bom_and_tabs(branch):
    row = roster_row(姓名="钱七")
    text = "\t".join(HEADERS) + "\r\n" + "\t".join(str(row.get(header, "")) for header in HEADERS) + "\r\n"
    upload = SimpleUploadedFile("roster.csv", b"\xfe\xff" + text.encode("utf-16-be"))

    result = roster_import(organization=branch, uploaded_file=upload)

    assert result.ok, result.errors
    assert Member.objects.get(name="钱七").id_number == row["身份证号"]


def test_it_refuses_a_csv_in_an_encoding_it_cannot_read_and_names_the_ones_it_can(branch):
    before = counts()
    content = "姓名,身份证号\n".encode() + b"\x80\xff\xfe\x81,110105198506010012\n"

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("roster.csv", content))

    assert not result.ok
    assert result.errors[0].message == (
        "无法识别 CSV 文件的编码。可以读取的编码是：UTF-8（可带 BOM）、GB18030/GBK、带 BOM 的 UTF-16。"
        "请在 Excel 中另存为“CSV UTF-8”格式后再上传。"
    )
    assert counts() == before


def test_it_accepts_excel_date_cells_and_the_usual_date_spellings(branch):
    spellings = [datetime.datetime(2010, 7, 1), "2010-07-01", "2010/7/1", "2010.07.01", "2010年7月1日"]
    rows = [roster_row(入党日期=spelling, 转正日期="") for spelling in spellings]
    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows))

    assert result.ok, result.errors
    assert set(Member.objects.filter(organization=branch).values_list("joined_on", flat=True)) == {
        datetime.date(2010, 7, 1)
    }


def test_it_finds_the_header_below_a_title_row_and_counts_lines_as_the_spreadsheet_does(branch):
    upload = xlsx_upload([roster_row(), roster_row(手机号="12345")], title_rows=[["第一党支部党员花名册"], []])
    result = roster_import(organization=branch, uploaded_file=upload)

    assert not result.ok
    assert error_tuples(result) == [(5, "手机号")]


def test_it_derives_the_birth_date_from_the_id_number_and_checks_a_given_one(branch):
    number = idnumbers.compose(region="110105", birth_date=datetime.date(1970, 3, 8), sequence=7)
    headers = [*HEADERS, "出生日期"]
    bad = roster_row(身份证号=new_id_number(), 出生日期="1970-01-01")
    result = roster_import(
        organization=branch, uploaded_file=xlsx_upload([roster_row(身份证号=number, 出生日期=""), bad], headers)
    )
    assert error_tuples(result) == [(3, "出生日期")]

    result = roster_import(organization=branch, uploaded_file=xlsx_upload([roster_row(身份证号=number)], headers))
    assert result.ok
    assert Member.objects.get(id_number_digest=idnumbers.digest(number)).birth_date == datetime.date(1970, 3, 8)


# -- bad files: nothing is written, every bad row is named


def test_it_refuses_a_file_without_a_required_column_with_one_error(branch):
    headers = [header for header in HEADERS if header not in ("身份证号", "入党日期")]
    before = counts()
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([roster_row(), roster_row()], headers))

    assert not result.ok
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "身份证号" in result.errors[0].message and "入党日期" in result.errors[0].message
    assert counts() == before


@pytest.mark.parametrize(
    ("bad_values", "column", "fragment"),
    [
        ({"身份证号": BAD_CHECKSUM}, "身份证号", "校验位"),
        ({"身份证号": "11010519850601001"}, "身份证号", "18位"),
        ({"手机号": "2380013800"}, "手机号", "11位"),
        ({"入党日期": "2010-13-01"}, "入党日期", "不存在"),
        ({"入党日期": "去年七月"}, "入党日期", "无法识别"),
        ({"入党日期": ""}, "入党日期", "必填"),
        ({"党小组": "不存在的小组"}, "党小组", "不存在的小组"),
        ({"党员类型": "预备党员", "转正日期": "2011-07-01"}, "转正日期", "预备党员不应有转正日期"),
        ({"转正日期": "2009-07-01"}, "转正日期", "不能早于入党日期"),
        ({"性别": "未知"}, "性别", "男、女"),
        ({"类别": "离退休党员、外星党员"}, "类别", "外星党员"),
    ],
)
def test_it_names_the_line_and_column_of_a_bad_row_and_writes_nothing(branch, bad_values, column, fragment):
    PartyGroupFactory(organization=branch, name="第一党小组")
    rows = [roster_row(党小组="第一党小组"), roster_row(**bad_values), roster_row()]
    before = counts()
    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows))

    assert not result.ok
    assert error_tuples(result) == [(3, column)]
    assert fragment in result.errors[0].message
    assert counts() == before


def test_it_names_the_first_line_of_an_id_number_given_twice(branch):
    number = new_id_number()
    rows = [roster_row(), roster_row(身份证号=number), roster_row(), roster_row(身份证号=number.lower())]
    before = counts()
    result = roster_import(organization=branch, uploaded_file=csv_upload(rows))

    assert error_tuples(result) == [(5, "身份证号")]
    assert "第3行" in result.errors[0].message
    assert counts() == before


def test_it_refuses_an_id_number_of_another_branch_without_naming_that_branch(branch, other_branch):
    number = new_id_number()
    MemberFactory(organization=other_branch, id_number=number, name="外支部党员")
    before = counts()
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([roster_row(), roster_row(身份证号=number)]))

    assert error_tuples(result) == [(3, "身份证号")]
    assert result.errors[0].message == "该身份证号已登记在其他党支部，请办理组织关系转接。"
    assert other_branch.name not in result.errors[0].message
    assert counts() == before
    assert Member.objects.get(id_number_digest=idnumbers.digest(number)).organization == other_branch


def test_it_lists_every_bad_row_in_line_order(branch):
    rows = [
        roster_row(),
        roster_row(手机号="123"),
        roster_row(),
        roster_row(身份证号=BAD_CHECKSUM, 入党日期="某日"),
        roster_row(性别=""),
    ]
    before = counts()
    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows))

    assert error_tuples(result) == [(3, "手机号"), (5, "身份证号"), (5, "入党日期"), (6, "性别")]
    assert counts() == before


def test_it_explains_an_id_number_that_excel_turned_into_a_number(branch):
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([roster_row(身份证号=110105198506010012)]))

    assert error_tuples(result) == [(2, "身份证号")]
    assert "数字" in result.errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("roster.xlsx", "姓名,身份证号\n张三,110105198506010012\n".encode(), "改了扩展名"),
        ("roster.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "不是文本"),
        ("roster.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "xlsx 或 csv"),
        ("roster.txt", "姓名,身份证号\n".encode(), "xlsx 或 csv"),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xlsx"),
        ("roster.xlsx", b"PK\x03\x04" + b"\x00" * 100, "xlsx"),
        ("roster.xlsx", b"", "空"),
        ("roster.csv", b"\n\n", "空"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_roster_with_a_clear_error(branch, name, content, fragment):
    before = counts()
    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile(name, content))

    assert not result.ok
    assert len(result.errors) == 1
    assert fragment in result.errors[0].message
    assert counts() == before


def test_it_refuses_a_real_zip_that_is_not_a_workbook(branch):

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("roster.xlsx", buffer.getvalue()))

    assert not result.ok
    assert "xlsx" in result.errors[0].message


def test_it_refuses_a_header_only_file(branch):
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([]))

    assert not result.ok
    assert "没有党员数据" in result.errors[0].message


def test_it_refuses_a_file_over_the_size_limit(branch, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 2000
    upload = csv_upload([roster_row() for _ in range(60)])
    assert upload.size > 2000
    before = counts()
    result = roster_import(organization=branch, uploaded_file=upload)

    assert not result.ok
    assert "超过上限" in result.errors[0].message
    assert counts() == before


# -- re-import and updates


def test_it_changes_nothing_when_the_same_file_is_imported_again(branch):
    PartyGroupFactory(organization=branch, name="第一党小组")
    rows = [
        roster_row(党小组="第一党小组", 类别="流动党员"),
        roster_row(民族="回族"),
        roster_row(党员类型="预备党员", 转正日期=""),
    ]
    assert roster_import(organization=branch, uploaded_file=xlsx_upload(rows)).created == 3
    stamps = dict(Member.objects.values_list("pk", "updated_at"))
    before = counts()

    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows))

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert counts() == before
    assert dict(Member.objects.values_list("pk", "updated_at")) == stamps


def test_it_updates_the_member_matched_by_id_number(branch):
    PartyGroupFactory(organization=branch, name="第二党小组")
    rows = [roster_row(姓名="张三"), roster_row(姓名="李四", 党员类型="预备党员", 转正日期="")]
    roster_import(organization=branch, uploaded_file=xlsx_upload(rows))
    li = Member.objects.get(name="李四")

    rows[1] |= {"党员类型": "正式党员", "转正日期": "2025-01-02", "手机号": "13912345678", "党小组": "第二党小组"}
    before = counts()
    result = roster_import(organization=branch, uploaded_file=csv_upload(rows))

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert counts() == before
    li.refresh_from_db()
    assert li.membership_type == MembershipType.FULL
    assert li.full_member_on == datetime.date(2025, 1, 2)
    assert li.phone == "13912345678"
    assert li.group.name == "第二党小组"


def test_it_updates_a_member_registered_on_the_branch_page_and_leaves_missing_columns_alone(branch):
    member = MemberFactory(organization=branch, name="王书记", ethnicity="满族", position="书记", phone="13700000000")
    headers = ["姓名", "性别", "身份证号", "党员类型", "入党日期", "转正日期"]
    row = {
        "姓名": "王书记",
        "性别": "女",
        "身份证号": member.id_number,
        "党员类型": "正式党员",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
    }
    result = roster_import(organization=branch, uploaded_file=xlsx_upload([row], headers))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    member.refresh_from_db()
    assert member.gender == Gender.FEMALE
    assert (member.ethnicity, member.position, member.phone) == ("满族", "书记", "13700000000")
    assert Membership.objects.filter(member=member).count() == 1


# -- volume and queries


def test_it_imports_ten_thousand_rows(branch):
    PartyGroupFactory(organization=branch, name="第一党小组")
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADERS)
    for n in range(10_000):
        number = idnumbers.compose(
            region="110108", birth_date=datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 900), sequence=n % 900
        )
        sheet.append(
            [
                f"党员{n}",
                "男" if n % 2 else "女",
                number,
                "汉族",
                "大学本科",
                f"139{n:08d}",
                "正式党员",
                datetime.date(2000, 7, 1),
                datetime.date(2001, 7, 1),
                "第一党小组" if n % 3 else "",
                "",
                "",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("big.xlsx", buffer.getvalue()))

    assert result.ok, result.errors[:5]
    assert result.created == 10_000
    assert Member.objects.filter(organization=branch).count() == 10_000
    assert Membership.objects.filter(organization=branch, ended_on=None).count() == 10_000
    assert Member.objects.filter(organization=branch, group__name="第一党小组").count() == 6_666


def test_it_runs_the_same_number_of_queries_for_100_and_500_rows(branch):
    PartyGroupFactory(organization=branch, name="第一党小组")

    def queries_for(n: int) -> int:
        rows = [roster_row(党小组="第一党小组") for _ in range(n)]
        with CaptureQueriesContext(connection) as context:
            result = roster_import(organization=branch, uploaded_file=csv_upload(rows))
        assert result.created == n
        return len(context.captured_queries)

    small, large = queries_for(100), queries_for(500)
    assert small == large
    assert large <= 10


# -- the branch page: tests/branches/test_roster_import_job.py (the import runs as a background job)


# -- the template


def test_it_offers_a_template_that_imports_back_once_filled_in(client, secretary, branch):
    PartyGroupFactory(organization=branch, name="第一党小组")
    PartyGroupFactory(organization=branch, name="第二党小组")
    client.force_login(secretary)
    response = client.get(reverse("branches:roster_template", args=[branch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["花名册"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["姓名", "性别", "身份证号"]
    assert sheet.max_row == 1  # no example row that could be imported by mistake
    assert sheet.column_dimensions["C"].width >= 20
    notes = "\n".join(str(cell.value) for row in workbook["填写说明"].iter_rows() for cell in row if cell.value)
    assert "第一党小组" in notes and "第二党小组" in notes
    assert "示例" in notes

    number = new_id_number()
    values = {
        "姓名": "模板党员",
        "性别": "女",
        "身份证号": number,
        "党员类型": "正式党员",
        "入党日期": datetime.date(2015, 7, 1),
        "转正日期": datetime.date(2016, 7, 1),
        "党小组": "第二党小组",
        "类别": "党员领导干部",
    }
    sheet.append([values.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("花名册.xlsx", buffer.getvalue()))

    assert result.ok, result.errors
    member = Member.objects.get(id_number_digest=idnumbers.digest(number))
    assert (member.name, member.group.name, member.is_leading_cadre) == ("模板党员", "第二党小组", True)


def test_it_skips_lines_that_only_carry_a_serial_number(branch):
    headers = ["序号", *HEADERS]
    rows = [roster_row(序号=1), {"序号": 2}, {"序号": 3}, roster_row(序号=4)]
    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows, headers))

    assert result.ok, result.errors
    assert result.created == 2


def test_it_reads_a_workbook_with_inline_strings_and_prefixed_tags(branch):
    """Workbooks from other programs: inline strings, an `x:` namespace prefix, no shared strings or styles."""

    number = new_id_number()
    values = ["张三", "男", number, "正式党员", "2010-07-01"]
    headers = ["姓名", "性别", "身份证号", "党员类型", "入党日期"]

    def row_xml(line: int, cells: list[str]) -> str:
        inner = "".join(
            f'<x:c r="{chr(65 + i)}{line}" t="inlineStr"><x:is><x:t>{value}</x:t></x:is></x:c>'
            for i, value in enumerate(cells)
        )
        return f'<x:row r="{line}">{inner}</x:row>'

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
            + row_xml(1, headers)
            + row_xml(3, values)
            + "</x:sheetData></x:worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("other.xlsx", buffer.getvalue()))

    assert result.ok, result.errors
    assert Member.objects.get(id_number_digest=idnumbers.digest(number)).name == "张三"


def test_it_refuses_a_workbook_that_declares_entities(branch):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    good = xlsx_upload([roster_row()])
    source = io.BytesIO(good.read())

    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as forged:
        for item in original.infolist():
            data = original.read(item.filename)
            forged.writestr(item, bomb if item.filename.startswith("xl/worksheets/") else data)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))

    assert not result.ok
    assert "无法读取" in result.errors[0].message


def test_it_reads_a_date_column_that_excel_left_as_day_numbers(branch):
    rows = [roster_row(入党日期=40360, 转正日期=20110701)]  # 2010-07-01 as Excel's day count; 2011-07-01 as digits
    result = roster_import(organization=branch, uploaded_file=xlsx_upload(rows))

    assert result.ok, result.errors
    member = Member.objects.get(id_number_digest=idnumbers.digest(rows[0]["身份证号"]))
    assert (member.joined_on, member.full_member_on) == (datetime.date(2010, 7, 1), datetime.date(2011, 7, 1))


def test_it_allows_sixty_thousand_rows_and_refuses_more_than_its_limit(branch, monkeypatch):
    assert roster_reader.MAX_ROWS >= 60_000
    monkeypatch.setattr(roster_reader, "MAX_ROWS", 3)
    before = counts()
    result = roster_import(organization=branch, uploaded_file=csv_upload([roster_row() for _ in range(4)]))

    assert not result.ok
    assert error_tuples(result) == [(5, "")]
    assert "超过3行" in result.errors[0].message
    assert counts() == before
