"""Hostile roster uploads: every file within the upload size limit is read or refused within seconds of CPU and a
bounded amount of memory, with a Chinese message that names the limit, and nothing is written.

The files are generated here with zipfile (no fixtures on disk); the time and memory checks are generous guards,
not benchmarks: the point is that refusing does not grow with what the file claims to hold.
"""

import io
import resource
import time
import zipfile
from collections.abc import Iterable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import Member, Membership
from branches.roster import reader as roster_reader
from branches.roster.services import roster_import

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>'
)


def workbook(sheets: int = 1) -> str:
    listed = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId1"/>' for i in range(sheets))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f"<sheets>{listed}</sheets></workbook>"
    )


def sheet(rows: Iterable[str] = ()) -> Iterable[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{HEADER_ROW}'
    yield from rows
    yield "</sheetData></worksheet>"


def shared_strings(items: Iterable[str]) -> Iterable[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
    yield from items
    yield "</sst>"


def xlsx(**parts: str | Iterable[str]) -> SimpleUploadedFile:
    """A workbook from its parts (keyword = part name with "/" as "__"); large parts are written in pieces."""
    defaults = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": workbook(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet(),
        "xl/sharedStrings.xml": shared_strings([]),
    }
    defaults.update({name.replace("__", "/").replace("_dot_", "."): part for name, part in parts.items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in defaults.items():
            with archive.open(name, "w") as target:
                pieces = [part] if isinstance(part, str) else part
                pending: list[str] = []
                size = 0
                for piece in pieces:
                    pending.append(piece)
                    size += len(piece)
                    if size > 1 << 20:
                        target.write("".join(pending).encode())
                        pending, size = [], 0
                target.write("".join(pending).encode())
    return SimpleUploadedFile("hostile.xlsx", buffer.getvalue())


def repeat(text: str, times: int, per_piece: int = 50_000) -> Iterable[str]:
    while times > 0:
        count = min(times, per_piece)
        yield text * count
        times -= count


def refusal(branch, upload: SimpleUploadedFile) -> str:
    """Import the file, expect a refusal of the whole file; check the CPU and memory it took and that nothing
    was written. Returns the message."""
    members, memberships = Member.objects.count(), Membership.objects.count()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.process_time()
    result = roster_import(organization=branch, uploaded_file=upload)
    spent = time.process_time() - started
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    assert spent < 10, f"{spent:.1f} s of CPU"
    assert growth_mb < 300, f"{growth_mb:.0f} MB"
    assert (Member.objects.count(), Membership.objects.count()) == (members, memberships)
    return result.errors[0].message


def test_it_refuses_22_million_tiny_shared_strings_packed_into_less_than_a_megabyte(branch):
    upload = xlsx(xl__sharedStrings_dot_xml=shared_strings(repeat("<si><t>a</t></si>", 22_000_000)))
    assert upload.size < 1024 * 1024

    message = refusal(branch, upload)

    assert "sharedStrings.xml" in message
    assert "解压后超过100.0\xa0MB" in message
    assert "分批导入" in message


def test_it_counts_shared_strings_and_refuses_more_than_its_limit(branch):
    count = roster_reader.MAX_SHARED_STRINGS + 1
    upload = xlsx(xl__sharedStrings_dot_xml=shared_strings(repeat("<si><t>a</t></si>", count)))

    message = refusal(branch, upload)

    assert f"不同的文字超过{roster_reader.MAX_SHARED_STRINGS}条" in message


def test_it_refuses_one_huge_shared_string(branch):
    upload = xlsx(xl__sharedStrings_dot_xml=shared_strings(["<si><t>", "长" * 40_000, "</t></si>"]))

    message = refusal(branch, upload)

    assert f"单元格的文字超过{roster_reader.MAX_CELL_CHARS}个字符" in message


def test_it_refuses_one_huge_cell_with_its_line(branch):
    cell = '<row r="7"><c r="A7" t="inlineStr"><is><t>' + "x" * 40_000 + "</t></is></c></row>"
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet([cell]))

    message = refusal(branch, upload)

    assert message == f"第7行有一个单元格超过{roster_reader.MAX_CELL_CHARS}个字符，请删去这段过长的内容后再上传。"


def test_it_refuses_a_single_run_of_text_too_large_to_buffer(branch):
    cell = '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "x" * 30_000_000 + "</t></is></c></row>"
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet([cell]))

    message = refusal(branch, upload)

    assert "有一段连续内容超过" in message
    assert "另存为" in message


def test_it_refuses_many_sheets(branch):
    message = refusal(branch, xlsx(xl__workbook_dot_xml=workbook(sheets=5_000)))

    assert message == (
        f"Excel 文件的工作表超过{roster_reader.MAX_SHEETS}个，请删去无关的工作表，只留下花名册后再上传。"
    )


def test_it_refuses_a_zip_of_many_parts_before_indexing_them(branch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", workbook())
        for index in range(20_000):
            archive.writestr(f"x/{index}", "")

    message = refusal(branch, SimpleUploadedFile("parts.xlsx", buffer.getvalue()))

    assert f"部件超过{roster_reader.MAX_ZIP_MEMBERS}个" in message


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml"])
def test_it_refuses_deep_xml_nesting(branch, part):
    deep = ["<a>" * 500_000, "</a>" * 500_000]
    parts = {
        "xl/worksheets/sheet1.xml": sheet(['<row r="2">', *deep, "</row>"]),
        "xl/workbook.xml": [workbook().replace("<sheets>", "<sheets>" + deep[0] + deep[1])],
        "xl/sharedStrings.xml": shared_strings(["<si>", *deep, "</si>"]),
    }
    upload = xlsx(**{part.replace("/", "__").replace(".", "_dot_"): parts[part]})

    message = refusal(branch, upload)

    assert message.startswith(f"Excel 文件的结构嵌套超过{roster_reader.MAX_XML_DEPTH}层")


def test_it_refuses_a_sheet_part_that_unpacks_beyond_its_own_limit(branch):
    padding = " " * (1 << 20)
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet(["<row/>", *([padding] * 201)]))

    message = refusal(branch, upload)

    assert "xl/worksheets/sheet1.xml" in message
    assert "解压后超过200.0\xa0MB（单个部件的上限）" in message


def test_it_refuses_more_cells_than_its_limit_within_the_time_bound(branch):
    row = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    rows = roster_reader.MAX_CELLS // 100 + 1
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet(repeat(row, rows, per_piece=1_000)))

    message = refusal(branch, upload)

    assert message == f"表格中有内容的单元格超过{roster_reader.MAX_CELLS}个，请删去无关的列，或分成几个文件导入。"


def test_it_refuses_more_elements_than_its_limit_within_the_time_bound(branch):
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet(repeat("<x/>", roster_reader.MAX_SHEET_ELEMENTS + 1)))

    message = refusal(branch, upload)

    assert f"工作表包含的元素超过{roster_reader.MAX_SHEET_ELEMENTS}个" in message


def test_it_refuses_a_cell_beyond_the_last_column_it_reads(branch):
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet(['<row r="3"><c r="XFD3"><v>1</v></c></row>']))

    message = refusal(branch, upload)

    assert message == f"第3行的内容超出了第{roster_reader.MAX_COLUMNS}列，请删去表格右侧多余的列后再上传。"


def test_it_refuses_too_many_rows_blank_ones_included(branch):
    blank = '<row><c t="inlineStr"><is><t> </t></is></c></row>'
    rows = repeat(blank, roster_reader.MAX_SHEET_ROWS + 1, per_piece=10_000)
    upload = xlsx(xl__worksheets__sheet1_dot_xml=sheet(rows))

    message = refusal(branch, upload)

    assert f"表格超过{roster_reader.MAX_SHEET_ROWS}行（空行也计算在内）" in message


def test_it_refuses_a_csv_with_one_enormous_line(branch, settings):
    content = ("姓名,身份证号\n" + "a," * 9_000_000).encode()
    assert len(content) <= settings.ROSTER_UPLOAD_MAX_BYTES

    message = refusal(branch, SimpleUploadedFile("line.csv", content))

    assert message == (
        f"CSV 文件第2行超过{roster_reader.MAX_CSV_LINE_CHARS}个字符，请检查分隔符是否正确，并删去过长的内容。"
    )


def test_it_refuses_a_csv_cell_over_the_cell_limit(branch):
    content = ("姓名,身份证号\n" + "张三," + "1" * 40_000 + "\n").encode()

    message = refusal(branch, SimpleUploadedFile("cell.csv", content))

    assert message == f"第2行有一个单元格超过{roster_reader.MAX_CELL_CHARS}个字符，请删去这段过长的内容后再上传。"


def test_it_refuses_a_csv_with_too_many_columns(branch):
    content = ("姓名,身份证号\n" + "张三," * 500 + "\n").encode()

    message = refusal(branch, SimpleUploadedFile("wide.csv", content))

    assert message == f"第2行的内容超出了第{roster_reader.MAX_COLUMNS}列，请删去表格右侧多余的列后再上传。"
