"""Reading a roster file (xlsx or csv) into a table of cells, before any cell is parsed: the header row, the
row limit, the unpacked-size guard for xlsx (a streaming sheet reader with forbidden XML constructs refused) and
the text encodings csv files arrive in. Every refusal is a `RosterFileError` with a Chinese message."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader, _find_workbook_part
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel
from openpyxl.xml.constants import SHARED_STRINGS

from branches.roster.columns import HEADER_KEYS, SHEET_TITLE

# At least 60,000 rows must fit (a large 基层党委's roster in one file).
MAX_ROWS = 100_000

# Every limit below is checked before or while streaming, never after reading a whole part into memory, so that
# any file within ROSTER_UPLOAD_MAX_BYTES is read or refused within seconds and a bounded amount of memory.

# Rows read from the sheet or the csv, blank ones included.
MAX_SHEET_ROWS = 2 * MAX_ROWS

# Columns: a cell further right than this is refused (the roster has about fifteen).
MAX_COLUMNS = 200

# Cells with a value in the sheet: 100,000 rows of 16 columns (reading them takes about 7 s of CPU).
MAX_CELLS = 1_600_000

# XML elements in the sheet, whatever their kind (formatting and unknown elements cost as much as cells).
MAX_SHEET_ELEMENTS = 5_000_000

# Characters in the sheet's cells all together (inline strings are not shared).
MAX_SHEET_TEXT_CHARS = 40_000_000

# One cell or one shared string: Excel's own limit.
MAX_CELL_CHARS = 32_767

# One csv line (a roster line is a few hundred characters).
MAX_CSV_LINE_CHARS = 100_000

# Distinct strings of the workbook (sharedStrings.xml), and their characters all together.
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRING_CHARS = 20_000_000

# Worksheets listed in the workbook, and files inside the xlsx.
MAX_SHEETS = 100
MAX_ZIP_MEMBERS = 1_000

# Nesting of XML elements (a worksheet needs about six levels).
MAX_XML_DEPTH = 64

# One run of bytes between two "<" in a streamed part: bounds the size of any one tag, attribute or text.
MAX_XML_TOKEN_BYTES = 4 * MAX_CELL_CHARS + 4096

# An xlsx is a zip: refuse one that unpacks to more than this in total (zip bombs), or a part over its own limit.
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_SHEET_PART_BYTES = 200 * 1024 * 1024
MAX_SHARED_STRINGS_PART_BYTES = 100 * 1024 * 1024
# Parts that openpyxl parses whole (workbook, relationships, content types, styles).
MAX_SMALL_PART_BYTES = 8 * 1024 * 1024
MAX_SMALL_PART_ELEMENTS = 300_000


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


def _counted(rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[tuple[int, Sequence[Any]]]:
    """The rows, refusing a file with more than MAX_SHEET_ROWS of them (blank rows count too)."""
    for count, (line, values) in enumerate(rows, start=1):
        if count > MAX_SHEET_ROWS:
            raise RosterFileError(
                _("表格超过%(limit)d行（空行也计算在内），请删去多余的空行，或分成几个文件导入。")
                % {"limit": MAX_SHEET_ROWS},
                line=line,
            )
        yield line, values


HeaderTest = Callable[[Sequence[Any]], bool]


def _table_from_rows(rows: Iterable[tuple[int, Sequence[Any]]], is_header: HeaderTest | None = None) -> Table:
    """Find the header (within the first lines; `is_header` says which is, the roster's by default) and collect
    the non-blank data rows after it."""
    is_header = is_header or _is_header_row
    iterator = _counted(rows)
    seen: list[tuple[int, Sequence[Any]]] = []
    header: tuple[int, Sequence[Any]] | None = None
    for line, values in iterator:
        if is_blank_row(values):
            continue
        seen.append((line, values))
        if is_header(values):
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


_NOT_XLSX = gettext_lazy("文件不是有效的 Excel（xlsx）文件，可能已损坏或只是改了扩展名。")
_UNREADABLE = gettext_lazy("无法读取该 Excel 文件，文件可能已损坏。请在 Excel 中打开后重新保存再上传。")
_RESAVE = gettext_lazy("文件可能已损坏或被改动过，请在 Excel 中打开后“另存为”新的 xlsx 文件再上传。")


def _zip_member_count(content: bytes) -> int | None:
    """The number of files the zip's end-of-directory record announces, read before zipfile builds its index
    (a 20 MB zip can list hundreds of thousands of files). None if the record is not found."""
    position = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if position < 0 or position + 12 > len(content):
        return None
    return int.from_bytes(content[position + 10 : position + 12], "little")


def _check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse, from the zip's directory alone, an archive whose parts unpack to more than their limits."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise RosterFileError(_too_many_members())
    if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES:
        raise RosterFileError(
            _("Excel 文件解压后超过%(limit)s，请删去无关的工作表或图片，或分批导入。")
            % {"limit": filesizeformat(MAX_XLSX_UNPACKED_BYTES)}
        )
    for info in infos:
        limit = _part_limit(info.filename)
        if info.file_size > limit:
            raise RosterFileError(
                _("Excel 文件中的“%(part)s”解压后超过%(limit)s（单个部件的上限），请删去无关的内容或分批导入。")
                % {"part": info.filename[:100], "limit": filesizeformat(limit)}
            )


def _too_many_members() -> str:
    return _("Excel 文件内含的部件超过%(limit)d个，不像是花名册。请把花名册复制到新建的工作簿中保存后再上传。") % {
        "limit": MAX_ZIP_MEMBERS
    }


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/"):
        return MAX_SHEET_PART_BYTES
    if name.startswith("xl/sharedStrings"):
        return MAX_SHARED_STRINGS_PART_BYTES
    if name.endswith((".xml", ".rels")) and not name.startswith(("xl/media/", "xl/drawings/", "xl/charts/")):
        return MAX_SMALL_PART_BYTES
    return MAX_SHEET_PART_BYTES


def _read_xlsx(content: bytes, is_header: HeaderTest | None = None) -> Table:
    announced = _zip_member_count(content)
    if announced is not None and announced > MAX_ZIP_MEMBERS:
        raise RosterFileError(_too_many_members())
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise RosterFileError(str(_NOT_XLSX)) from None
    with archive:
        _check_zip(archive)
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise RosterFileError(str(_NOT_XLSX))
        try:
            _check_small_part(archive, "[Content_Types].xml")
            reader = _XlsxSheetReader(content, archive)
        except RosterFileError:
            raise
        except Exception:  # openpyxl raises many kinds for a damaged file; none of them is the user's business
            raise RosterFileError(str(_UNREADABLE)) from None
        try:
            return _table_from_rows(reader.rows(), is_header)
        except RosterFileError:
            raise
        except Exception:
            raise RosterFileError(str(_UNREADABLE)) from None


class _ForbiddenXml(Exception):
    pass


def _forbid(*args: Any) -> None:
    raise _ForbiddenXml


def _deep_message() -> str:
    return _("Excel 文件的结构嵌套超过%(limit)d层，%(fix)s") % {"limit": MAX_XML_DEPTH, "fix": _RESAVE}


def _token_message() -> str:
    return _("Excel 文件中有一段连续内容超过%(limit)s，%(fix)s") % {
        "limit": filesizeformat(MAX_XML_TOKEN_BYTES),
        "fix": _RESAVE,
    }


def _new_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    # No DTDs or entities in a workbook: refuse them (entity expansion attacks).
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.buffer_text = True
    return parser


def _feed(parser: expat.XMLParserType, source: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[None]:
    """Parse a zip member in chunks, yielding after each; refuse a run of more than MAX_XML_TOKEN_BYTES bytes
    without a "<" (one tag, attribute or text that large would be buffered whole by expat)."""
    run = 0
    while chunk := source.read(chunk_size):
        parts = chunk.split(b"<")
        if len(parts) == 1:
            run += len(chunk)
        else:
            run += len(parts[0])
            longest = max(map(len, parts[1:-1]), default=0)
            if run > MAX_XML_TOKEN_BYTES or longest > MAX_XML_TOKEN_BYTES:
                raise RosterFileError(_token_message())
            run = len(parts[-1])
        if run > MAX_XML_TOKEN_BYTES:
            raise RosterFileError(_token_message())
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)
    yield


def _check_small_part(archive: zipfile.ZipFile, name: str, *, is_workbook: bool = False) -> None:
    """Stream a part that openpyxl will read whole: bounded depth and element count, no DTD; the workbook lists
    at most MAX_SHEETS sheets."""
    parser = _new_parser()
    state = {"depth": 0, "elements": 0, "sheets": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        state["depth"] += 1
        state["elements"] += 1
        if state["depth"] > MAX_XML_DEPTH:
            raise RosterFileError(_deep_message())
        if state["elements"] > MAX_SMALL_PART_ELEMENTS:
            raise RosterFileError(
                _("Excel 文件中的“%(part)s”包含的元素超过%(limit)d个，%(fix)s")
                % {"part": name, "limit": MAX_SMALL_PART_ELEMENTS, "fix": _RESAVE}
            )
        if is_workbook and tag.rpartition(" ")[2] == "sheet":
            state["sheets"] += 1
            if state["sheets"] > MAX_SHEETS:
                raise RosterFileError(
                    _("Excel 文件的工作表超过%(limit)d个，请删去无关的工作表，只留下花名册后再上传。")
                    % {"limit": MAX_SHEETS}
                )

    def end(tag: str) -> None:
        state["depth"] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with archive.open(name) as source:
            for _chunk in _feed(parser, source):
                pass
    except expat.ExpatError:
        raise _ForbiddenXml from None


def _read_shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The workbook's shared strings as openpyxl's read_string_table gives them (the text of `<si><t>` and of
    each `<r><t>` run, phonetic runs left out), streamed and counted: at most MAX_SHARED_STRINGS strings of at
    most MAX_CELL_CHARS characters, MAX_SHARED_STRING_CHARS in all."""
    parser = _new_parser()
    strings: list[str] = []
    state: dict[str, Any] = {"depth": 0, "parts": None, "collect": False, "length": 0, "total": 0, "phonetic": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        state["depth"] += 1
        if state["depth"] > MAX_XML_DEPTH:
            raise RosterFileError(_deep_message())
        tag = name.rpartition(" ")[2]
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise RosterFileError(
                    _("Excel 文件中不同的文字超过%(limit)d条，请删去无关的内容，或分成几个文件导入。")
                    % {"limit": MAX_SHARED_STRINGS}
                )
            state["parts"] = []
            state["length"] = 0
        elif tag == "rPh":
            state["phonetic"] += 1
        elif tag == "t" and state["parts"] is not None and not state["phonetic"]:
            state["collect"] = True

    def text(data: str) -> None:
        if state["collect"]:
            state["length"] += len(data)
            state["total"] += len(data)
            if state["length"] > MAX_CELL_CHARS:
                raise RosterFileError(
                    _("Excel 文件中有一个单元格的文字超过%(limit)d个字符，请找到并删去这段过长的内容后再上传。")
                    % {"limit": MAX_CELL_CHARS}
                )
            if state["total"] > MAX_SHARED_STRING_CHARS:
                raise RosterFileError(
                    _("Excel 文件中的文字总共超过%(limit)d个字符，请删去无关的内容，或分成几个文件导入。")
                    % {"limit": MAX_SHARED_STRING_CHARS}
                )
            state["parts"].append(data)

    def end(name: str) -> None:
        state["depth"] -= 1
        tag = name.rpartition(" ")[2]
        if tag == "t":
            state["collect"] = False
        elif tag == "rPh":
            state["phonetic"] -= 1
        elif tag == "si" and state["parts"] is not None:
            strings.append("".join(state["parts"]).replace("x005F_", ""))
            state["parts"] = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with archive.open(name) as source:
        for _chunk in _feed(parser, source):
            pass
    return strings


class _XlsxSheetReader:
    """The roster sheet's rows as values, streamed with expat.

    openpyxl reads the workbook's small parts (sheet list, styles for date cells), after they were checked;
    the shared strings and the sheet itself are streamed here, with every limit counted as they go (openpyxl
    reads the shared strings whole, and its read-only reader costs about ten times as much per cell).
    """

    def __init__(self, content: bytes, archive: zipfile.ZipFile):
        self._archive = archive
        self._reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
        try:
            self._reader.read_manifest()
            # The parts openpyxl reads whole are checked (depth, size, element count, no DTD) before it reads them.
            workbook_part = _find_workbook_part(self._reader.package).PartName[1:]
            for name in (workbook_part, get_rels_path(workbook_part), "xl/styles.xml"):
                if name in self._reader.valid_files:
                    _check_small_part(archive, name, is_workbook=name == workbook_part)
            strings_type = self._reader.package.find(SHARED_STRINGS)
            self._strings = _read_shared_strings(archive, strings_type.PartName[1:]) if strings_type else []
            self._reader.read_workbook()
            apply_stylesheet(self._reader.archive, self._reader.parser.wb)
            sheets = [
                (sheet.name, rel.target)
                for sheet, rel in self._reader.parser.find_sheets()
                if rel.target in self._reader.valid_files and "chartsheet" not in rel.Type
            ]
        finally:
            self._reader.archive.close()
        workbook = self._reader.parser.wb
        self._date_styles = frozenset(workbook._date_formats)
        self._epoch = workbook.epoch
        if not sheets:
            raise ValueError("no worksheet")
        self._path = next((path for name, path in sheets if name == SHEET_TITLE), sheets[0][1])

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        parser = _new_parser()
        ready: list[tuple[int, list[Any]]] = []
        tags: dict[str, str] = {}  # "namespace tag" → tag, so that each name is split once
        row = col = style = depth = elements = cells_read = length = total = 0
        kind = "n"
        cells: dict[int, Any] = {}
        parts: list[str] | None = None
        collect = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, style, depth, elements, kind, cells, parts, collect, length
            depth += 1
            elements += 1
            if depth > MAX_XML_DEPTH:
                raise RosterFileError(_deep_message())
            if elements > MAX_SHEET_ELEMENTS:
                raise RosterFileError(_elements_message(), line=row)
            tag = tags.get(name) or tags.setdefault(name, name.rpartition(" ")[2])
            if tag == "c":
                ref = attrs.get("r")
                col = _column_index(ref) if ref else col + 1
                if col > MAX_COLUMNS:
                    raise RosterFileError(_columns_message(row), line=row)
                kind = attrs.get("t", "n")
                style = int(attrs.get("s", 0))
                parts = None
            elif tag == "v" or (tag == "t" and kind == "inlineStr"):
                if parts is None:
                    parts = []
                    length = 0
                collect = True
            elif tag == "row":
                number = attrs.get("r")
                row = int(number) if number else row + 1
                cells = {}
                col = 0

        def text(data: str) -> None:
            nonlocal length, total
            if collect:
                length += len(data)
                total += len(data)
                if length > MAX_CELL_CHARS:
                    raise RosterFileError(_cell_message(row), line=row)
                if total > MAX_SHEET_TEXT_CHARS:
                    raise RosterFileError(
                        _("工作表中的文字总共超过%(limit)d个字符，请删去无关的内容，或分成几个文件导入。")
                        % {"limit": MAX_SHEET_TEXT_CHARS},
                        line=row,
                    )
                parts.append(data)

        def end(name: str) -> None:
            nonlocal depth, collect, cells_read
            depth -= 1
            tag = tags.get(name) or tags.setdefault(name, name.rpartition(" ")[2])
            if tag == "v" or tag == "t":
                collect = False
            elif tag == "c":
                if parts is not None:
                    cells_read += 1
                    if cells_read > MAX_CELLS:
                        raise RosterFileError(_cells_message(), line=row)
                    cells[col] = self._value(kind, style, "".join(parts))
            elif tag == "row" and cells:
                values = [None] * max(cells)
                for index, value in cells.items():
                    values[index - 1] = value
                ready.append((row, values))

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        with self._archive.open(self._path) as source:
            for _chunk in _feed(parser, source):
                yield from ready
                ready.clear()

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


def _columns_message(line: int) -> str:
    return _("第%(line)d行的内容超出了第%(limit)d列，请删去表格右侧多余的列后再上传。") % {
        "line": line,
        "limit": MAX_COLUMNS,
    }


def _cell_message(line: int) -> str:
    return _("第%(line)d行有一个单元格超过%(limit)d个字符，请删去这段过长的内容后再上传。") % {
        "line": line,
        "limit": MAX_CELL_CHARS,
    }


def _elements_message() -> str:
    return _("工作表包含的元素超过%(limit)d个（格式、批注等都计算在内），%(fix)s") % {
        "limit": MAX_SHEET_ELEMENTS,
        "fix": _RESAVE,
    }


def _cells_message() -> str:
    return _("表格中有内容的单元格超过%(limit)d个，请删去无关的列，或分成几个文件导入。") % {"limit": MAX_CELLS}


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def has_text_bom(content: bytes) -> bool:
    return content.startswith(tuple(bom for bom, _encoding in _BOMS))


def _decode_text(content: bytes) -> str:
    # Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK/GB18030); "Unicode text" is UTF-16 with a BOM.
    encodings = next(((encoding,) for bom, encoding in _BOMS if content.startswith(bom)), ("utf-8", "gb18030"))
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(
        _(
            "无法识别 CSV 文件的编码。可以读取的编码是：UTF-8（可带 BOM）、GB18030/GBK、带 BOM 的 UTF-16。"
            "请在 Excel 中另存为“CSV UTF-8”格式后再上传。"
        )
    )


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The csv's rows, each physical line at most MAX_CSV_LINE_CHARS long, each row at most MAX_COLUMNS fields
    of at most MAX_CELL_CHARS characters (checked before csv builds a row from the line)."""
    start = 0
    line = 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_CSV_LINE_CHARS:
            raise RosterFileError(
                _("CSV 文件第%(line)d行超过%(limit)d个字符，请检查分隔符是否正确，并删去过长的内容。")
                % {"line": line, "limit": MAX_CSV_LINE_CHARS},
                line=line,
            )
        start = end + 1
        line += 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for values in reader:
        if len(values) > MAX_COLUMNS:
            raise RosterFileError(_columns_message(reader.line_num), line=reader.line_num)
        if any(len(value) > MAX_CELL_CHARS for value in values):
            raise RosterFileError(_cell_message(reader.line_num), line=reader.line_num)
        yield reader.line_num, values


def _read_csv(content: bytes, is_header: HeaderTest | None = None) -> Table:
    text = _decode_text(content)
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",\t;", key=first_line.count)
    try:
        return _table_from_rows(_csv_rows(text, delimiter), is_header)
    except csv.Error as error:
        if "field limit" in str(error):
            raise RosterFileError(
                _("CSV 文件中有一个单元格超过%(limit)d个字符，请检查引号是否成对，并删去过长的内容。")
                % {"limit": MAX_CELL_CHARS}
            ) from None
        raise RosterFileError(_("CSV 文件格式有误（引号不成对等），请用 Excel 打开后重新保存。")) from None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_table(uploaded_file, *, is_header: HeaderTest | None = None) -> Table:
    """Check size and type by content, then read the rows of an xlsx or csv upload. `is_header` recognises the
    header row of another kind of file (the roster's by default)."""
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
        return _read_xlsx(content, is_header)
    if extension not in ("csv", ""):
        raise RosterFileError(_("只能上传 xlsx 或 csv 格式的花名册。"))
    if is_zip or content.startswith(b"MZ") or (b"\x00" in content[:4096] and not has_text_bom(content)):
        raise RosterFileError(_("文件内容不是文本格式的 CSV，请上传 xlsx 或 csv 文件。"))
    return _read_csv(content, is_header)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
