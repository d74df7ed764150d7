"""Reading a roster file (xlsx or csv) into a table of cells, before any cell is parsed: the header row, the
row limit, the unpacked-size guard for xlsx (a streaming sheet reader with forbidden XML constructs refused) and
the text encodings csv files arrive in. Every refusal is a `RosterFileError` with a Chinese message."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel

from branches.roster.columns import HEADER_KEYS, SHEET_TITLE

# At least 60,000 rows must fit (a large 基层党委's roster in one file).
MAX_ROWS = 100_000


# An xlsx is a zip: refuse one that unpacks to more than this (zip bombs).
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024


# Rows searched for the header (a title row above it is common).
HEADER_SEARCH_ROWS = 10


class RosterFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding, header)."""

    def __init__(self, message: str, *, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Table:
    headers: list[str]
    header_line: int
    rows: list[tuple[int, tuple[Any, ...]]]  # (line, cell values)


def normalize_header(value: Any) -> str:
    text = cell_text(value)
    for junk in ("（必填）", "(必填)", "*", "＊", " ", "\u3000"):
        text = text.replace(junk, "")
    return text.replace("／", "/")


def _is_header_row(values: Sequence[Any]) -> bool:
    keys = {HEADER_KEYS.get(normalize_header(value)) for value in values}
    return {"name", "id_number"} <= keys


def is_blank_row(values: Sequence[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _table_from_rows(rows: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    """Find the header (within the first lines) and collect the non-blank data rows after it."""
    iterator = iter(rows)
    seen: list[tuple[int, Sequence[Any]]] = []
    header: tuple[int, Sequence[Any]] | None = None
    for line, values in iterator:
        if is_blank_row(values):
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
        if is_blank_row(values):
            continue
        if len(data) >= MAX_ROWS:
            raise RosterFileError(_("文件超过%(limit)d行，请分成几个文件导入。") % {"limit": MAX_ROWS}, line=line)
        data.append((line, tuple(values)))
    return Table(headers=[cell_text(value) for value in header_values], header_line=header_line, rows=data)


def _read_xlsx(content: bytes) -> Table:
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


def _read_csv(content: bytes) -> Table:
    text = _decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table_from_rows(enumerate(reader, start=1))
    except csv.Error:
        raise RosterFileError(_("CSV 文件格式有误（引号不成对等），请用 Excel 打开后重新保存。")) from None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_table(uploaded_file) -> Table:
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


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
