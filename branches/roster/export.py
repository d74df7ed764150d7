"""Roster files the portal writes: the xlsx template to fill in (with the instructions sheet and the choice
lists as data validation) and the branch's roster export, formula-safe, ID numbers masked unless the viewer may
see them in full."""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from branches import idnumbers
from branches.models import (
    Education,
    Gender,
    Member,
    MemberCategory,
    MembershipType,
    MemberStatus,
    Organization,
    PartyGroup,
)
from branches.roster.columns import (
    COLUMNS,
    EXPORT_HEADERS,
    EXPORT_WIDTHS,
    INSTRUCTIONS_TITLE,
    SHEET_TITLE,
    _chinese_labels,
)
from branches.roster.reader import MAX_ROWS
from portal.xlsx import DATE_FORMAT, HEADER_FILL, HEADER_FONT, rows_to_xlsx

_REQUIRED_FONT = Font(bold=True, color="B00000")


def member_export_row(member: Member, *, show_full_id: bool) -> list[Any]:
    """One member's cells in EXPORT_HEADERS order (Chinese labels, dates as dates)."""
    labels = _EXPORT_LABELS
    return [
        member.pk,
        member.name,
        labels["gender"].get(member.gender, member.gender),
        member.id_number if show_full_id else member.id_number_masked,
        member.birth_date if show_full_id else member.birth_year,
        member.ethnicity,
        labels["education"].get(member.education, member.education),
        member.phone,
        labels["membership_type"].get(member.membership_type, member.membership_type),
        member.joined_on,
        member.full_member_on,
        member.group.name if member.group_id else "",
        member.position,
        "、".join(label for value, label in labels["category"].items() if getattr(member, value)),
        labels["status"].get(member.status, member.status),
    ]


_EXPORT_LABELS = {
    "gender": _chinese_labels(Gender),
    "education": _chinese_labels(Education),
    "membership_type": _chinese_labels(MembershipType),
    "category": _chinese_labels(MemberCategory),
    "status": _chinese_labels(MemberStatus),
}


def roster_export_xlsx(*, members: QuerySet[Member], show_full_id: bool) -> bytes:
    """The roster as xlsx, in the import's column format (plus 党籍状态).

    ID numbers are masked unless `show_full_id`; no cell is ever a formula.
    One query (the queryset must already select_related the group).
    """
    rows = (member_export_row(member, show_full_id=show_full_id) for member in members.iterator(chunk_size=2000))
    return rows_to_xlsx(headers=EXPORT_HEADERS, rows=rows, title=SHEET_TITLE, widths=EXPORT_WIDTHS)


def roster_template_xlsx(*, organization: Organization) -> bytes:
    """The import template: an empty roster sheet and a sheet of instructions, an example and the branch's groups."""
    group_names = list(
        PartyGroup.objects.filter(organization=organization).order_by("name").values_list("name", flat=True)
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = _REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(str(column.note), "两学一做学习教育平台")
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("id_number", "phone", "name", "position", "group", "categories"):
            # Text format, so that Excel keeps the 18 digits of an ID number.
            sheet.column_dimensions[letter].number_format = "@"
        elif column.key in ("birth_date", "joined_on", "full_member_on"):
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"

    def letter_of(key: str) -> str:
        return get_column_letter([column.key for column in COLUMNS].index(key) + 1)

    for key, choices in (("gender", Gender), ("membership_type", MembershipType), ("education", Education)):
        validation = DataValidation(
            type="list", formula1='"' + ",".join(_chinese_labels(choices).values()) + '"', allow_blank=True
        )
        validation.error = _("请从下拉列表中选择。")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letter_of(key)}2:{letter_of(key)}{MAX_ROWS + 1}")

    notes = workbook.create_sheet(INSTRUCTIONS_TITLE)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    notes.append([_("%(name)s 党员花名册导入说明") % {"name": organization.name}])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([])
    for text in (
        _("1. 在“花名册”工作表中从第2行起每行填写一名党员，不要修改第1行的列名；红色列名为必填列。"),
        _("2. 文件中只要有一行有错误，就不会导入任何数据；页面会列出每个错误所在的行号和原因，改正后重新上传即可。"),
        _(
            "3. 按身份证号识别党员：已在本支部登记的党员按本行内容更新，新的身份证号登记为新党员；"
            "重复上传同一文件不会产生重复记录。"
        ),
        _("4. 已登记在其他党支部的党员不能通过导入调入，请办理组织关系转接。"),
        _("5. 日期可写成 2010-07-01、2010/7/1、2010.07.01 或 2010年7月1日；也可以使用 Excel 的日期格式。"),
        _("6. 也可以上传 CSV 文件（UTF-8 或 Excel 默认的 GB18030 编码），列名与本模板相同。"),
    ):
        notes.append([text])
    notes.append([])
    notes.append([_("列名"), _("是否必填"), _("填写要求")])
    for cell in notes[notes.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        notes.append([column.header, _("必填") if column.required else _("选填"), str(column.note)])
    notes.append([])
    notes.append([_("填写示例（仅供参考，请勿复制到“花名册”工作表）")])
    notes[notes.max_row][0].font = HEADER_FONT
    example_row = notes.max_row + 1
    for index, column in enumerate(COLUMNS, start=1):
        cell = notes.cell(row=example_row, column=index, value=column.header)
        cell.font = HEADER_FONT
    example = _example_values(group_names[0] if group_names else "")
    for index, column in enumerate(COLUMNS, start=1):
        cell = notes.cell(row=example_row + 1, column=index, value=example[column.key])
        if isinstance(example[column.key], datetime.date):
            cell.number_format = DATE_FORMAT
    notes.append([])
    notes.append([_("本支部的党小组（“党小组”列须填写以下名称之一）")])
    notes[notes.max_row][0].font = HEADER_FONT
    first_group_row = notes.max_row + 1
    if group_names:
        for name in group_names:
            notes.append(["", "", name])
        group_range = f"'{INSTRUCTIONS_TITLE}'!$C${first_group_row}:$C${first_group_row + len(group_names) - 1}"
        validation = DataValidation(type="list", formula1=group_range, allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{letter_of('group')}2:{letter_of('group')}{MAX_ROWS + 1}")
    else:
        notes.append(["", "", _("本支部未设党小组，“党小组”列请留空。")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_values(group_name: str) -> dict[str, Any]:
    birth_date = datetime.date(1985, 6, 1)
    return {
        "name": "张三（示例）",
        "gender": "男",
        "id_number": idnumbers.compose(region="110101", birth_date=birth_date, sequence=1),
        "birth_date": birth_date,
        "ethnicity": "汉族",
        "education": "大学本科",
        "phone": "13800138000",
        "membership_type": "正式党员",
        "joined_on": datetime.date(2010, 7, 1),
        "full_member_on": datetime.date(2011, 7, 1),
        "group": group_name,
        "position": "教师",
        "categories": "流动党员、非公企业党员",
    }
