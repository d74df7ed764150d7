"""Roster files (花名册): import a branch roster from xlsx or csv, the xlsx template, the xlsx export.

The import is all or nothing: every row is read and checked first (required
columns, ID checksum, phone, dates, choices, group, duplicates in the file and
against other branches, the model's own rules), and only a file without a
single bad row is written, in one transaction, with bulk inserts and updates.
Members are matched by ID number (its keyed digest), so importing the same file
twice changes nothing and a changed row updates the member it names.

The column headers below are the file format, not interface text: they stay
Chinese whatever the interface language, like the choice labels written into
and read from the cells.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from branches import idnumbers
from branches.models import (
    Education,
    Gender,
    Member,
    MemberCategory,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    PartyGroup,
    phone_validator,
)

# At least 60,000 rows must fit (a large 基层党委's roster in one file).
MAX_ROWS = 100_000
# Rows listed on the page at most; the rest are counted in one closing line.
MAX_LISTED_ERRORS = 1000
# Digests looked up per query (keeps `IN (...)` lists and parameters small).
LOOKUP_CHUNK = 1000
WRITE_BATCH = 1000
# An xlsx is a zip: refuse one that unpacks to more than this (zip bombs).
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024
# Rows searched for the header (a title row above it is common).
HEADER_SEARCH_ROWS = 10
SHEET_TITLE = "花名册"
INSTRUCTIONS_TITLE = "填写说明"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
# Spreadsheet software treats a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Numbers below this in a date column are Excel day counts (100000 is the year 2173).
EXCEL_SERIAL_LIMIT = 100_000
CATEGORY_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    note: Any
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, 10, gettext_lazy("必填。")),
    Column("gender", "性别", True, 6, gettext_lazy("必填：男 或 女。")),
    Column(
        "id_number",
        "身份证号",
        True,
        22,
        gettext_lazy("必填：18位居民身份证号，末位可为X。请保持文本格式，以免 Excel 把它变成数字。"),
        ("身份证号码", "公民身份号码", "身份证"),
    ),
    Column("birth_date", "出生日期", False, 12, gettext_lazy("可不填：留空时按身份证号推算；填写时须与身份证号一致。")),
    Column(
        "ethnicity", "民族", False, 8, gettext_lazy("如：汉族、回族。留空时新登记的党员按汉族登记，已有党员保持不变。")
    ),
    Column(
        "education",
        "学历",
        False,
        12,
        gettext_lazy("研究生、大学本科、大学专科、中专/高中、初中及以下；可留空。"),
        ("文化程度",),
    ),
    Column(
        "phone", "手机号", False, 14, gettext_lazy("11位手机号，以1开头；可留空。"), ("手机号码", "手机", "联系电话")
    ),
    Column("membership_type", "党员类型", True, 10, gettext_lazy("必填：正式党员 或 预备党员。"), ("党员身份",)),
    Column("joined_on", "入党日期", True, 12, gettext_lazy("必填，例如 2010-07-01。"), ("入党时间",)),
    Column(
        "full_member_on",
        "转正日期",
        False,
        12,
        gettext_lazy("正式党员填写；预备党员必须留空。"),
        ("转正时间", "转为正式党员日期"),
    ),
    Column("group", "党小组", False, 14, gettext_lazy("须是本支部已建立的党小组名称；可留空。"), ("所在党小组",)),
    Column("position", "职务/岗位", False, 16, gettext_lazy("可留空。"), ("职务", "岗位", "工作岗位")),
    Column(
        "categories",
        "类别",
        False,
        26,
        gettext_lazy("可填多个，用顿号、逗号或分号隔开：离退休党员、流动党员、非公企业党员、党员领导干部、学生党员。"),
        ("党员类别", "人员类别"),
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
EXPORT_HEADERS: tuple[str, ...] = (*(column.header for column in COLUMNS), "党籍状态")
EXPORT_WIDTHS: dict[str, int] = {column.header: column.width for column in COLUMNS} | {"党籍状态": 10, "所在党支部": 24}

# Member fields an import writes (the file's columns, and what follows from them).
_FIELD_FOR_KEY = {
    "name": ["name"],
    "gender": ["gender"],
    "birth_date": ["birth_date"],
    "ethnicity": ["ethnicity"],
    "education": ["education"],
    "phone": ["phone"],
    "membership_type": ["membership_type"],
    "joined_on": ["joined_on"],
    "full_member_on": ["full_member_on"],
    "group": ["group"],
    "position": ["position"],
    "categories": [category.value for category in MemberCategory],
}
# Model field name (in a ValidationError) → column key.
_KEY_FOR_MODEL_FIELD = {
    "name": "name",
    "gender": "gender",
    "birth_date": "birth_date",
    "ethnicity": "ethnicity",
    "education": "education",
    "phone": "phone",
    "membership_type": "membership_type",
    "joined_on": "joined_on",
    "full_member_on": "full_member_on",
    "group": "group",
    "position": "position",
    **{category.value: "categories" for category in MemberCategory},
}


@dataclass
class RowError:
    line: int  # the spreadsheet's line number (header = line 1); 0 for the file as a whole
    column: str
    message: str


@dataclass
class RosterImportResult:
    ok: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class RosterFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding, header)."""

    def __init__(self, message: str, *, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line


# ---------------------------------------------------------------------------
# Choice labels (the Chinese text in the cells)


def _chinese_labels(choices) -> dict[str, str]:
    """value → Chinese label, whatever language is active (the msgids are the Chinese labels)."""
    with translation.override(None):
        return {choice.value: str(choice.label) for choice in choices}


def _label_lookup(choices, extra: dict[str, str]) -> dict[str, str]:
    lookup = {label: value for value, label in _chinese_labels(choices).items()}
    return lookup | extra


GENDER_BY_LABEL = _label_lookup(Gender, {"男性": Gender.MALE, "女性": Gender.FEMALE})
MEMBERSHIP_TYPE_BY_LABEL = _label_lookup(
    MembershipType, {"正式": MembershipType.FULL, "预备": MembershipType.PROBATIONARY}
)
EDUCATION_BY_LABEL = _label_lookup(
    Education,
    {
        "博士研究生": Education.POSTGRADUATE,
        "硕士研究生": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE,
        "本科": Education.UNDERGRADUATE,
        "大专": Education.COLLEGE,
        "专科": Education.COLLEGE,
        "中专": Education.SECONDARY,
        "高中": Education.SECONDARY,
        "职高": Education.SECONDARY,
        "技校": Education.SECONDARY,
        "初中": Education.JUNIOR,
        "小学": Education.JUNIOR,
    },
)


def _category_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in _chinese_labels(MemberCategory).items():
        lookup[label] = value
        lookup[label.removesuffix("党员").removeprefix("党员")] = value
    lookup |= {
        "离休": MemberCategory.RETIRED,
        "退休": MemberCategory.RETIRED,
        "离退休人员": MemberCategory.RETIRED,
        "非公": MemberCategory.NON_PUBLIC,
        "非公有制企业党员": MemberCategory.NON_PUBLIC,
    }
    return lookup


CATEGORY_BY_LABEL = _category_lookup()
CATEGORY_FIELDS: tuple[str, ...] = tuple(category.value for category in MemberCategory)


# ---------------------------------------------------------------------------
# Reading the file


@dataclass
class _Table:
    headers: list[str]
    header_line: int
    rows: list[tuple[int, tuple[Any, ...]]]  # (line, cell values)


def _normalize_header(value: Any) -> str:
    text = _text(value)
    for junk in ("（必填）", "(必填)", "*", "＊", " ", "\u3000"):
        text = text.replace(junk, "")
    return text.replace("／", "/")


_HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    _HEADER_KEYS[_column.header] = _column.key
    for _alias in _column.aliases:
        _HEADER_KEYS[_alias] = _column.key


def _is_header_row(values: Sequence[Any]) -> bool:
    keys = {_HEADER_KEYS.get(_normalize_header(value)) for value in values}
    return {"name", "id_number"} <= keys


def _is_blank_row(values: Sequence[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _table_from_rows(rows: Iterable[tuple[int, Sequence[Any]]]) -> _Table:
    """Find the header (within the first lines) and collect the non-blank data rows after it."""
    iterator = iter(rows)
    seen: list[tuple[int, Sequence[Any]]] = []
    header: tuple[int, Sequence[Any]] | None = None
    for line, values in iterator:
        if _is_blank_row(values):
            continue
        seen.append((line, values))
        if _is_header_row(values):
            header = (line, values)
            break
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not seen:
            raise RosterFileError(_("文件中没有任何内容。"))
        # No recognisable header: report the missing columns against the first line with content.
        header = seen[0]
    header_line, header_values = header
    data: list[tuple[int, tuple[Any, ...]]] = []
    for line, values in iterator:
        if _is_blank_row(values):
            continue
        if len(data) >= MAX_ROWS:
            raise RosterFileError(_("文件超过%(limit)d行，请分成几个文件导入。") % {"limit": MAX_ROWS}, line=line)
        data.append((line, tuple(values)))
    return _Table(headers=[_text(value) for value in header_values], header_line=header_line, rows=data)


def _read_xlsx(content: bytes) -> _Table:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise RosterFileError(_("文件不是有效的 Excel（xlsx）文件，可能已损坏或只是改了扩展名。")) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise RosterFileError(_("文件不是有效的 Excel（xlsx）文件，可能已损坏或只是改了扩展名。"))
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise RosterFileError(_("Excel 文件解压后过大，请删去无关的工作表或分批导入。"))
    unreadable = _("无法读取该 Excel 文件，文件可能已损坏。请在 Excel 中打开后重新保存再上传。")
    try:
        reader = _XlsxSheetReader(content)
    except Exception:  # openpyxl raises many kinds for a damaged file; none of them is the user's business
        raise RosterFileError(unreadable) from None
    try:
        return _table_from_rows(reader.rows())
    except RosterFileError:
        raise
    except Exception:
        raise RosterFileError(unreadable) from None
    finally:
        reader.close()


class _ForbiddenXml(Exception):
    pass


def _forbid(*args: Any) -> None:
    raise _ForbiddenXml


class _XlsxSheetReader:
    """The roster sheet's rows as values, streamed with expat.

    openpyxl reads the workbook's parts (sheet list, shared strings, styles for
    date cells); the sheet itself is parsed here because openpyxl's read-only
    reader costs about ten times as much per cell (and reads a sheet without a
    <dimension> twice), which matters for a 50,000-row roster.
    """

    CHUNK = 1 << 20

    def __init__(self, content: bytes):
        self._reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        self._reader.read_manifest()
        self._reader.read_strings()
        self._reader.read_workbook()
        apply_stylesheet(self._reader.archive, self._reader.parser.wb)
        workbook = self._reader.parser.wb
        self._strings = self._reader.shared_strings
        self._date_styles = frozenset(workbook._date_formats)
        self._epoch = workbook.epoch
        sheets = [
            (sheet.name, rel.target)
            for sheet, rel in self._reader.parser.find_sheets()
            if rel.target in self._reader.valid_files and "chartsheet" not in rel.Type
        ]
        if not sheets:
            raise ValueError("no worksheet")
        self._path = next((path for name, path in sheets if name == SHEET_TITLE), sheets[0][1])

    def close(self) -> None:
        self._reader.archive.close()

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        parser = expat.ParserCreate(namespace_separator=" ")
        # No DTDs or entities in a worksheet: refuse them (entity expansion attacks).
        parser.StartDoctypeDeclHandler = _forbid
        parser.EntityDeclHandler = _forbid
        parser.buffer_text = True
        ready: list[tuple[int, list[Any]]] = []
        state = {"row": 0, "cells": {}, "col": 0, "type": "n", "style": 0, "text": None}

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = name.rpartition(" ")[2]
            if tag == "c":
                ref = attrs.get("r")
                state["col"] = _column_index(ref) if ref else state["col"] + 1
                state["type"] = attrs.get("t", "n")
                state["style"] = int(attrs.get("s", 0))
                state["text"] = None
            elif tag == "v" or (tag == "t" and state["type"] == "inlineStr"):
                state["text"] = [] if state["text"] is None else state["text"]
                state["collect"] = True
            elif tag == "row":
                number = attrs.get("r")
                state["row"] = int(number) if number else state["row"] + 1
                state["cells"] = {}
                state["col"] = 0

        def text(data: str) -> None:
            if state.get("collect"):
                state["text"].append(data)

        def end(name: str) -> None:
            tag = name.rpartition(" ")[2]
            if tag in ("v", "t"):
                state["collect"] = False
            elif tag == "c":
                parts = state["text"]
                if parts is not None:
                    state["cells"][state["col"]] = self._value(state["type"], state["style"], "".join(parts))
            elif tag == "row":
                cells = state["cells"]
                if cells:
                    values = [None] * max(cells)
                    for col, value in cells.items():
                        values[col - 1] = value
                    ready.append((state["row"], values))

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        with self._reader.archive.open(self._path) as source:
            while chunk := source.read(self.CHUNK):
                parser.Parse(chunk, False)
                yield from ready
                ready.clear()
            parser.Parse(b"", True)
        yield from ready

    def _value(self, kind: str, style: int, raw: str) -> Any:
        if kind == "s":
            return self._strings[int(raw)]
        if kind in ("str", "inlineStr", "e"):
            return raw
        if kind == "b":
            return raw.strip() == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(raw.strip())
        raw = raw.strip()
        if not raw:
            return None
        number = int(raw) if raw.lstrip("-").isdigit() else float(raw)
        if style in self._date_styles:
            return from_excel(number, self._epoch)
        return number


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index


def _decode_text(content: bytes) -> str:
    # Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK/GB18030).
    encodings = ("utf-8-sig",) if content.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”格式后再上传。"))


def _read_csv(content: bytes) -> _Table:
    text = _decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table_from_rows(enumerate(reader, start=1))
    except csv.Error:
        raise RosterFileError(_("CSV 文件格式有误（引号不成对等），请用 Excel 打开后重新保存。")) from None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _read_table(uploaded_file) -> _Table:
    """Check size and type by content, then read the rows of an xlsx or csv upload."""
    limit = settings.ROSTER_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise RosterFileError(
            _("文件大小%(size)s，超过上限%(limit)s，请分批导入。")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise RosterFileError(_("文件大小超过上限%(limit)s，请分批导入。") % {"limit": filesizeformat(limit)})
    if not content.strip():
        raise RosterFileError(_("上传的文件是空的。"))
    name = (getattr(uploaded_file, "name", "") or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if content.startswith(_OLE_MAGIC):
        raise RosterFileError(_("这是旧版 Excel（.xls）文件或加密的文件，请在 Excel 中“另存为”.xlsx 格式后再上传。"))
    is_zip = content.startswith(b"PK\x03\x04")
    if extension == "xlsx" or (is_zip and extension != "csv"):
        if not is_zip:
            raise RosterFileError(
                _("文件扩展名是 .xlsx，但内容不是 Excel 文件，可能只是改了扩展名。请上传真正的 xlsx 或 csv 文件。")
            )
        return _read_xlsx(content)
    if extension not in ("csv", ""):
        raise RosterFileError(_("只能上传 xlsx 或 csv 格式的花名册。"))
    if is_zip or b"\x00" in content[:4096] or content.startswith(b"MZ"):
        raise RosterFileError(_("文件内容不是文本格式的 CSV，请上传 xlsx 或 csv 文件。"))
    return _read_csv(content)


# ---------------------------------------------------------------------------
# Reading cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


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
        text = _text(value)
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
    text = _text(value)
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
    number = idnumbers.normalize(_text(value))
    try:
        idnumbers.validate_id_number(number)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return number


def _parse_phone(value: Any) -> str:
    text = _text(value).replace(" ", "").replace("-", "").removeprefix("+86")
    if not text:
        return ""
    try:
        phone_validator(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return text


def _parse_categories(value: Any) -> dict[str, bool]:
    flags = dict.fromkeys(CATEGORY_FIELDS, False)
    for part in CATEGORY_SEPARATORS.split(_text(value)):
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
    text = _text(value)
    if len(text) > max_length:
        raise CellError(_("内容过长（最多%(n)d个字）。") % {"n": max_length})
    return text


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # Member attribute → value, only for the file's columns
    id_number: str = ""
    digest: str = ""
    group_name: str = ""


def _parse_row(
    line: int, cells: dict[str, Any], present: set[str], today: datetime.date, errors: list[RowError], header_of
) -> _Row | None:
    """Turn one line's cells into Member values; record an error per bad cell."""
    row = _Row(line=line, values={})
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
    if required("id_number"):
        row.id_number = parse("id_number", _parse_id_number) or ""
    if required("membership_type"):
        row.values["membership_type"] = parse(
            "membership_type", lambda v: _parse_choice(v, MEMBERSHIP_TYPE_BY_LABEL, MembershipType)
        )
    if required("joined_on"):
        row.values["joined_on"] = parse("joined_on", lambda v: _parse_date(v, today))
    birth_date = parse("birth_date", lambda v: _parse_date(v, today)) if "birth_date" in present else None
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
            lambda v: _parse_choice(v, EDUCATION_BY_LABEL, Education) if _text(v) else "",
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
        row.group_name = _text(cells.get("group"))
    if not ok:
        return None
    row.digest = idnumbers.digest(row.id_number)
    return row


# ---------------------------------------------------------------------------
# The import service


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _column_keys(table: _Table) -> tuple[dict[int, str], dict[str, str], list[RowError]]:
    """Map the file's header cells to columns: index → key, key → the header as written."""
    index_to_key: dict[int, str] = {}
    header_of_key: dict[str, str] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(table.headers):
        key = _HEADER_KEYS.get(_normalize_header(raw))
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


def _file_error(error: RosterFileError) -> RosterImportResult:
    return RosterImportResult(ok=False, errors=[RowError(line=error.line, column="", message=error.message)])


def _limit_errors(errors: list[RowError]) -> list[RowError]:
    errors.sort(key=lambda error: error.line)
    if len(errors) <= MAX_LISTED_ERRORS:
        return errors
    rest_lines = len({error.line for error in errors[MAX_LISTED_ERRORS:]})
    return [
        *errors[:MAX_LISTED_ERRORS],
        RowError(
            line=0,
            column="",
            message=_("另有%(n)d行有错误未逐一列出，请先改正以上各行。") % {"n": rest_lines},
        ),
    ]


ANALYZE_AFTER_ROWS = 5000


def roster_import(*, organization: Organization, uploaded_file) -> RosterImportResult:
    """Import a branch roster (xlsx or csv) into `organization`: all rows or none.

    New ID numbers become new members (with their membership record opened);
    a known ID number in this branch updates that member when the row differs.
    Any bad row, or an ID number registered in another branch, stops the whole
    import; the result lists every bad row with its line number and reason.
    """
    today = timezone.localdate()
    try:
        table = _read_table(uploaded_file)
    except RosterFileError as error:
        return _file_error(error)
    index_to_key, header_of_key, errors = _column_keys(table)
    if errors:
        return RosterImportResult(ok=False, errors=errors)

    def header_of(key: str) -> str:
        return header_of_key.get(key, COLUMNS_BY_KEY[key].header)

    present = set(header_of_key)
    rows: list[_Row] = []
    first_line_of: dict[str, int] = {}
    for line, values in table.rows:
        cells = {key: values[index] if index < len(values) else None for index, key in index_to_key.items()}
        if _is_blank_row(list(cells.values())):
            continue  # e.g. a line with only a pre-filled 序号
        row = _parse_row(line, cells, present, today, errors, header_of)
        if row is None:
            continue
        if row.digest in first_line_of:
            errors.append(
                RowError(
                    line=line,
                    column=header_of("id_number"),
                    message=_("与第%(line)d行的身份证号重复。") % {"line": first_line_of[row.digest]},
                )
            )
            continue
        first_line_of[row.digest] = line
        rows.append(row)

    if not rows and not errors:
        return RosterImportResult(
            ok=False, errors=[RowError(line=table.header_line, column="", message=_("文件只有列名，没有党员数据。"))]
        )
    try:
        with transaction.atomic():
            result = _validate_and_write(
                organization=organization, rows=rows, present=present, errors=errors, header_of=header_of
            )
    except IntegrityError:
        # Another import or edit registered one of these ID numbers meanwhile.
        return RosterImportResult(
            ok=False,
            errors=[RowError(line=0, column="", message=_("导入时花名册被同时修改，未导入任何数据，请重新上传。"))],
        )
    if not result.ok:
        result.errors = _limit_errors(result.errors)
    return result


def _validate_and_write(
    *, organization: Organization, rows: list[_Row], present: set[str], errors: list[RowError], header_of
) -> RosterImportResult:
    """Check rows against the database (groups, other branches, model rules), then write them in bulk."""
    groups = {group.name: group for group in PartyGroup.objects.filter(organization=organization)}
    existing: dict[str, Member] = {}
    for chunk in _chunks([row.digest for row in rows], LOOKUP_CHUNK):
        for member in Member.objects.filter(id_number_digest__in=chunk).select_related("group"):
            existing[member.id_number_digest] = member

    fields = sorted({name for key in present for name in _FIELD_FOR_KEY.get(key, [])} | {"birth_date"})
    attnames = [Member._meta.get_field(name).attname for name in fields]
    to_create: list[tuple[Member, str]] = []
    to_update: list[Member] = []
    unchanged = 0
    for row in rows:
        member = existing.get(row.digest)
        if member is not None and member.organization_id != organization.pk:
            errors.append(
                RowError(
                    line=row.line,
                    column=header_of("id_number"),
                    message=_("该身份证号已登记在其他党支部，请办理组织关系转接。"),
                )
            )
            continue
        values = dict(row.values)
        if "group" in present:
            group = groups.get(row.group_name) if row.group_name else None
            if row.group_name and group is None:
                errors.append(
                    RowError(
                        line=row.line,
                        column=header_of("group"),
                        message=_("本支部没有名为“%(name)s”的党小组，请先在支部页面建立，或改正名称。")
                        % {"name": row.group_name},
                    )
                )
                continue
            values["group"] = group
        is_new = member is None
        if is_new:
            member = Member(organization=organization)
        else:
            member.organization = organization  # the same row; saves a query in clean()
            before = [getattr(member, name) for name in attnames]
        for name, value in values.items():
            setattr(member, name, value)
        try:
            # Cells were checked field by field above; the model adds its cross-field rules.
            member.clean()
        except ValidationError as error:
            for model_field, messages in error.message_dict.items():
                key = _KEY_FOR_MODEL_FIELD.get(model_field)
                column = header_of(key) if key else ""
                errors.extend(RowError(line=row.line, column=column, message=message) for message in messages)
            continue
        if is_new:
            to_create.append((member, row.id_number))
        elif [getattr(member, name) for name in attnames] == before:
            unchanged += 1
        else:
            to_update.append(member)

    if errors:
        return RosterImportResult(ok=False, errors=errors)

    now = timezone.now()
    for member, id_number in to_create:
        member.set_id_number(id_number)
    created = Member.objects.bulk_create([member for member, _number in to_create], batch_size=WRITE_BATCH)
    today = timezone.localdate()
    Membership.objects.bulk_create(
        [Membership(member=member, organization=organization, started_on=today) for member in created],
        batch_size=WRITE_BATCH,
    )
    if to_update:
        for member in to_update:
            member.updated_at = now
        Member.objects.bulk_update(to_update, [*fields, "updated_at"], batch_size=WRITE_BATCH)
    if len(created) >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # Fresh planner statistics after a large load; autovacuum may be off or late.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE branches_member, branches_membership")
    if created or to_update:
        # New members get the study tasks of the branch's filed plan that are still ahead (study app).
        from study.tasks import organization_tasks_sync

        organization_tasks_sync.delay_on_commit(organization_id=organization.pk)
    return RosterImportResult(ok=True, created=len(created), updated=len(to_update), unchanged=unchanged)


# ---------------------------------------------------------------------------
# Writing xlsx


_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="B00000")
_HEADER_FILL = PatternFill("solid", fgColor="F2E6C9")


def _safe_cell(sheet, value: Any) -> WriteOnlyCell:
    """A cell whose text is never run as a formula by spreadsheet software.

    Text is stored as a string cell (never a formula); text starting with a
    formula trigger also gets Excel's quote prefix, so that editing the cell
    later keeps it text.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = XLSX_DATE_FORMAT
    return cell


def rows_to_xlsx(*, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = SHEET_TITLE) -> bytes:
    """One formula-safe sheet: bold header, frozen, column widths; used by the roster and admin exports."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = EXPORT_WIDTHS.get(header, 14)
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = _safe_cell(sheet, str(header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_safe_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_export_row(member: Member, *, show_full_id: bool) -> list[Any]:
    """One member's cells in EXPORT_HEADERS order (Chinese labels, dates as dates)."""
    labels = _EXPORT_LABELS
    return [
        member.name,
        labels["gender"].get(member.gender, member.gender),
        member.id_number if show_full_id else member.id_number_masked,
        member.birth_date,
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
    return rows_to_xlsx(headers=EXPORT_HEADERS, rows=rows)


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
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(str(column.note), "两学一做学习教育平台")
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("id_number", "phone", "name", "position", "group", "categories"):
            # Text format, so that Excel keeps the 18 digits of an ID number.
            sheet.column_dimensions[letter].number_format = "@"
        elif column.key in ("birth_date", "joined_on", "full_member_on"):
            sheet.column_dimensions[letter].number_format = XLSX_DATE_FORMAT
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
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for column in COLUMNS:
        notes.append([column.header, _("必填") if column.required else _("选填"), str(column.note)])
    notes.append([])
    notes.append([_("填写示例（仅供参考，请勿复制到“花名册”工作表）")])
    notes[notes.max_row][0].font = _HEADER_FONT
    example_row = notes.max_row + 1
    for index, column in enumerate(COLUMNS, start=1):
        cell = notes.cell(row=example_row, column=index, value=column.header)
        cell.font = _HEADER_FONT
    example = _example_values(group_names[0] if group_names else "")
    for index, column in enumerate(COLUMNS, start=1):
        cell = notes.cell(row=example_row + 1, column=index, value=example[column.key])
        if isinstance(example[column.key], datetime.date):
            cell.number_format = XLSX_DATE_FORMAT
    notes.append([])
    notes.append([_("本支部的党小组（“党小组”列须填写以下名称之一）")])
    notes[notes.max_row][0].font = _HEADER_FONT
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
