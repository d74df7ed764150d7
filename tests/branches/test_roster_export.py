"""Roster export (花名册导出): masked ID numbers, formula-safe cells, a fixed number of queries."""

import io
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from branches import selectors
from branches.models import Member, MemberStatus
from branches.roster.columns import EXPORT_HEADERS
from branches.roster.export import roster_export_xlsx
from branches.roster.services import roster_import
from tests.factories import MemberFactory, PartyGroupFactory

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://example.org","点我")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def grant_full_id_permission(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))


def sheet_rows(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in workbook["花名册"].iter_rows()]


def column(rows: list[list], header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_it_masks_id_numbers_for_a_secretary_without_the_permission(client, secretary, branch):
    members = [MemberFactory(organization=branch, name=f"党员{n}") for n in range(3)]
    client.force_login(secretary)
    response = client.get(reverse("branches:roster_export", args=[branch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.content)
    assert rows[0] == list(EXPORT_HEADERS)
    numbers = column(rows, "身份证号")
    assert len(numbers) == 4  # the secretary's own record too
    assert all("*" in number for number in numbers)
    for member in members:
        assert member.id_number_masked in numbers
        assert member.id_number not in numbers


def test_it_shows_full_id_numbers_to_a_user_holding_the_permission(client, secretary, branch):
    member = MemberFactory(organization=branch, name="张三")
    grant_full_id_permission(secretary)
    client.force_login(secretary)
    rows = sheet_rows(client.get(reverse("branches:roster_export", args=[branch.pk])).content)

    assert member.id_number in column(rows, "身份证号")


def test_it_never_writes_a_cell_that_spreadsheet_software_would_run(client, secretary, branch):
    group = PartyGroupFactory(organization=branch, name="@cmd|' /C calc'!A0")
    for n, text in enumerate(DANGEROUS):
        MemberFactory(organization=branch, name=text[:50], position=text, ethnicity=f"-{n}+1", group=group)
    client.force_login(secretary)
    content = client.get(reverse("branches:roster_export", args=[branch.pk])).content

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook["花名册"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    for text in DANGEROUS:
        assert text.replace("\r", "\n") in texts  # the very text as a plain string (XML reads CR as LF)
    assert "@cmd|' /C calc'!A0" in texts
    risky = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
    assert risky and all(cell.quotePrefix for cell in risky)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_it_exports_in_one_query_whatever_the_number_of_members(secretary, branch, django_assert_num_queries):
    group = PartyGroupFactory(organization=branch, name="第一党小组")

    def export() -> bytes:
        members = selectors.roster_queryset(
            user=secretary, organization=branch, filters=selectors.RosterFilters(status="")
        )
        with django_assert_num_queries(1):
            return roster_export_xlsx(members=members, show_full_id=False)

    MemberFactory(organization=branch, group=group)
    assert len(sheet_rows(export())) == 3
    for _ in range(20):
        MemberFactory(organization=branch, group=group)
    rows = sheet_rows(export())
    assert len(rows) == 23
    assert column(rows, "党小组").count("第一党小组") == 21


def test_it_exports_members_of_every_status_with_chinese_labels_in_any_language(client, secretary, branch):
    member = MemberFactory(organization=branch, name="转出党员", is_floating=True, is_retired=True)
    Member.objects.filter(pk=member.pk).update(status=MemberStatus.TRANSFERRED_OUT)
    client.force_login(secretary)
    with translation.override("en"):
        rows = sheet_rows(client.get(reverse("branches:roster_export", args=[branch.pk])).content)

    row = next(row for row in rows if row[1] == "转出党员")
    record = dict(zip(rows[0], row, strict=True))
    assert record["党籍状态"] == "已转出"
    assert record["性别"] == "男"
    assert record["党员类型"] == "正式党员"
    assert record["类别"] == "离退休党员、流动党员"


def test_it_exports_a_file_that_imports_back_unchanged(client, secretary, branch):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    MemberFactory(organization=branch, group=group, is_student=True, phone="13800001111", position="-组长")
    MemberFactory(organization=branch, membership_type="probationary", full_member_on=None)
    grant_full_id_permission(secretary)
    client.force_login(secretary)
    content = client.get(reverse("branches:roster_export", args=[branch.pk])).content

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("export.xlsx", content))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_it_answers_404_to_the_secretary_of_another_branch(client, other_branch_secretary, branch):
    MemberFactory(organization=branch)
    client.force_login(other_branch_secretary)

    assert client.get(reverse("branches:roster_export", args=[branch.pk])).status_code == 404


def test_it_imports_back_an_export_with_masked_id_numbers_as_unchanged(client, secretary, branch):
    MemberFactory(organization=branch, name="张三", phone="13800001111")
    MemberFactory(organization=branch, name="李四")
    client.force_login(secretary)
    content = client.get(reverse("branches:roster_export", args=[branch.pk])).content
    assert all("*" in number for number in column(sheet_rows(content), "身份证号"))

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("export.xlsx", content))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_it_updates_a_member_found_by_member_number_beside_a_masked_id_number(client, secretary, branch):
    member = MemberFactory(organization=branch, name="张三", position="")
    client.force_login(secretary)
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("branches:roster_export", args=[branch.pk])).content)
    )
    sheet = workbook["花名册"]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("党员编号")].value == member.pk:
            row[headers.index("职务/岗位")].value = "宣传委员"
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("export.xlsx", buffer.getvalue()))

    assert result.ok, result.errors
    assert (result.updated, result.unchanged) == (1, 1)
    member.refresh_from_db()
    assert member.position == "宣传委员"
    assert member.id_number_digest  # the number itself unchanged
    assert member.birth_date is not None


@pytest.mark.parametrize(
    ("member_number", "expected"),
    [("", "无法识别是哪位党员"), ("999999", "与党员编号999999对应的本支部党员不符")],
)
def test_it_refuses_a_masked_id_number_it_cannot_match_with_a_clear_message(
    client, secretary, branch, member_number, expected
):
    MemberFactory(organization=branch, name="张三")
    client.force_login(secretary)
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("branches:roster_export", args=[branch.pk])).content)
    )
    sheet = workbook["花名册"]
    for row in sheet.iter_rows(min_row=2):
        row[0].value = member_number or None
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = roster_import(organization=branch, uploaded_file=SimpleUploadedFile("export.xlsx", buffer.getvalue()))

    assert not result.ok
    assert any(expected in error.message and error.column == "身份证号" for error in result.errors), result.errors
    assert Member.objects.filter(organization=branch).count() == 2
