"""Parsing the cells of one roster row into member fields: dates (several written forms and Excel day
numbers), ID numbers, phones, choices and categories. A bad cell is a `CellError`; a row collects its
`RowError`s so the secretary sees every problem of the file at once."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from branches import idnumbers
from branches.models import (
    Education,
    Gender,
    MemberCategory,
    MembershipType,
    phone_validator,
)
from branches.roster.columns import (
    CATEGORY_BY_LABEL,
    CATEGORY_FIELDS,
    CATEGORY_SEPARATORS,
    COLUMNS,
    EDUCATION_BY_LABEL,
    GENDER_BY_LABEL,
    HEADER_KEYS,
    MEMBERSHIP_TYPE_BY_LABEL,
    _chinese_labels,
)
from branches.roster.reader import Table, cell_text, normalize_header

# Numbers below this in a date column are Excel day counts (100000 is the year 2173).
EXCEL_SERIAL_LIMIT = 100_000


@dataclass
class RowError:
    line: int  # the spreadsheet's line number (header = line 1); 0 for the file as a whole
    column: str
    message: str


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _parse_date(value: Any, today: datetime.date) -> datetime.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        parsed = value.date()
    elif isinstance(value, datetime.date):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < EXCEL_SERIAL_LIMIT:
        # A date cell whose number format was not recognised as a date: Excel's day count.
        parsed = from_excel(value).date()
    else:
        text = cell_text(value)
        # "2010-07-01 00:00:00" from a spreadsheet that kept the time.
        text = re.sub(r"\s+0{1,2}:00(:00)?$", "", text)
        parsed = None
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    parsed = datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    raise CellError(_("日期“%(value)s”不存在。") % {"value": text}) from None
                break
        if parsed is None:
            raise CellError(
                _("无法识别日期“%(value)s”，请写成 2010-07-01、2010/7/1 或 2010年7月1日。") % {"value": text}
            )
    if parsed.year < 1900:
        raise CellError(_("日期%(date)s过早，请核对。") % {"date": parsed.isoformat()})
    if parsed > today:
        raise CellError(_("日期%(date)s晚于今天，请核对。") % {"date": parsed.isoformat()})
    return parsed


def _parse_choice(value: Any, lookup: dict[str, str], choices) -> str:
    text = cell_text(value)
    try:
        return lookup[text]
    except KeyError:
        allowed = "、".join(_chinese_labels(choices).values())
        raise CellError(
            _("“%(value)s”不是有效的选项，应填写：%(allowed)s。") % {"value": text, "allowed": allowed}
        ) from None


def _parse_id_number(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(_("身份证号被 Excel 存成了数字，后几位已经丢失。请把该列设为文本格式后重新填写。"))
    number = idnumbers.normalize(cell_text(value))
    try:
        idnumbers.validate_id_number(number)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return number


# What the portal's own export shows a viewer without the permission: asterisks and the last four characters.
_MASKED_ID = re.compile(r"^\*{6,}[0-9]{3}[0-9X]$")


def is_masked_id_number(value: Any) -> bool:
    return isinstance(value, str) and bool(_MASKED_ID.match(idnumbers.normalize(value)))


def _parse_member_id(value: Any) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not text.isdigit():
        raise CellError(_("党员编号应为数字（由系统导出时填写；新增党员请留空）。"))
    return int(text)


def _parse_phone(value: Any) -> str:
    text = cell_text(value).replace(" ", "").replace("-", "").removeprefix("+86")
    if not text:
        return ""
    try:
        phone_validator(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return text


def _parse_categories(value: Any) -> dict[str, bool]:
    flags = dict.fromkeys(CATEGORY_FIELDS, False)
    for part in CATEGORY_SEPARATORS.split(cell_text(value)):
        if not part:
            continue
        try:
            flags[CATEGORY_BY_LABEL[part]] = True
        except KeyError:
            allowed = "、".join(_chinese_labels(MemberCategory).values())
            raise CellError(
                _("类别“%(value)s”无法识别，应为：%(allowed)s。") % {"value": part, "allowed": allowed}
            ) from None
    return flags


def _parse_text(value: Any, *, max_length: int) -> str:
    text = cell_text(value)
    if len(text) > max_length:
        raise CellError(_("内容过长（最多%(n)d个字）。") % {"n": max_length})
    return text


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]  # Member attribute → value, only for the file's columns
    id_number: str = ""
    digest: str = ""
    group_name: str = ""
    member_id: int | None = None
    masked_id_number: str = ""  # the export's masked number: the member is found by member_id instead


def parse_row(
    line: int, cells: dict[str, Any], present: set[str], today: datetime.date, errors: list[RowError], header_of
) -> ParsedRow | None:
    """Turn one line's cells into Member values; record an error per bad cell."""
    row = ParsedRow(line=line, values={})
    ok = True

    def parse(key: str, parser) -> Any:
        nonlocal ok
        try:
            return parser(cells.get(key))
        except CellError as error:
            ok = False
            errors.append(RowError(line=line, column=header_of(key), message=error.message))
            return None

    def required(key: str) -> bool:
        nonlocal ok
        value = cells.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            ok = False
            errors.append(RowError(line=line, column=header_of(key), message=_("必填项，不能为空。")))
            return False
        return True

    if required("name"):
        row.values["name"] = parse("name", lambda v: _parse_text(v, max_length=50))
    if required("gender"):
        row.values["gender"] = parse("gender", lambda v: _parse_choice(v, GENDER_BY_LABEL, Gender))
    if "member_id" in present:
        row.member_id = parse("member_id", _parse_member_id)
    if required("id_number"):
        if is_masked_id_number(cells.get("id_number")):
            row.masked_id_number = idnumbers.normalize(cell_text(cells.get("id_number")))
        else:
            row.id_number = parse("id_number", _parse_id_number) or ""
    if required("membership_type"):
        row.values["membership_type"] = parse(
            "membership_type", lambda v: _parse_choice(v, MEMBERSHIP_TYPE_BY_LABEL, MembershipType)
        )
    if required("joined_on"):
        row.values["joined_on"] = parse("joined_on", lambda v: _parse_date(v, today))
    # Beside a masked number the export shows only the birth year: the birth date then stays as registered.
    with_birth_date = "birth_date" in present and not row.masked_id_number
    birth_date = parse("birth_date", lambda v: _parse_date(v, today)) if with_birth_date else None
    if row.id_number:
        from_id = idnumbers.birth_date_of(row.id_number)
        if birth_date and birth_date != from_id:
            ok = False
            errors.append(
                RowError(
                    line=line,
                    column=header_of("birth_date"),
                    message=_("出生日期与身份证号中的出生日期（%(date)s）不一致。") % {"date": from_id.isoformat()},
                )
            )
        row.values["birth_date"] = from_id
    if "ethnicity" in present:
        ethnicity = parse("ethnicity", lambda v: _parse_text(v, max_length=20))
        if ethnicity:
            row.values["ethnicity"] = ethnicity
    if "education" in present:
        row.values["education"] = parse(
            "education",
            lambda v: _parse_choice(v, EDUCATION_BY_LABEL, Education) if cell_text(v) else "",
        )
    if "phone" in present:
        row.values["phone"] = parse("phone", _parse_phone)
    if "full_member_on" in present:
        row.values["full_member_on"] = parse("full_member_on", lambda v: _parse_date(v, today))
    if "position" in present:
        row.values["position"] = parse("position", lambda v: _parse_text(v, max_length=100))
    if "categories" in present:
        row.values |= parse("categories", _parse_categories) or {}
    if "group" in present:
        row.group_name = cell_text(cells.get("group"))
    if not ok:
        return None
    if row.id_number:
        row.digest = idnumbers.digest(row.id_number)
    return row


def column_keys(table: Table) -> tuple[dict[int, str], dict[str, str], list[RowError]]:
    """Map the file's header cells to columns: index → key, key → the header as written."""
    index_to_key: dict[int, str] = {}
    header_of_key: dict[str, str] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(table.headers):
        key = HEADER_KEYS.get(normalize_header(raw))
        if key is None:
            continue  # 序号, 备注 and other columns of the branch's own are ignored
        if key in header_of_key:
            errors.append(
                RowError(
                    line=table.header_line,
                    column=raw,
                    message=_("列“%(header)s”重复出现。") % {"header": raw},
                )
            )
            continue
        index_to_key[index] = key
        header_of_key[key] = raw
    missing = [column.header for column in COLUMNS if column.required and column.key not in header_of_key]
    if missing:
        errors.append(
            RowError(
                line=table.header_line,
                column="",
                message=_("缺少必填列：%(columns)s。请使用下载的模板，第一行为列名。")
                % {"columns": "、".join(missing)},
            )
        )
    return index_to_key, header_of_key, errors


def parse_cell_date(value: Any, today: datetime.date) -> datetime.date | None:
    """A date cell of an uploaded sheet (the roster's formats); raises `CellError` with a Chinese message."""
    return _parse_date(value, today)
