"""The portal's one xlsx writer: every export (rosters, dashboards, reports, admin exports) goes through it.

What it guarantees: text is never run as a formula (string cells, and Excel's quote prefix on text that starts
with a formula trigger), characters that xlsx cannot hold are dropped, numbers stay numbers and dates dates; each
sheet can open with title lines (organisation, year, filters) and an as-of line, then a bold, frozen header row
and columns wide enough for their header. Sheets are written in write-only (streaming) mode, so memory does not
grow with the number of rows.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Text starting with one of these is a formula to spreadsheet software (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2E6C9")
TITLE_FONT = Font(bold=True, size=13)
DEFAULT_WIDTH = 14
MAX_WIDTH = 60


def safe_cell(sheet: Any, value: Any) -> Cell:
    """A cell whose text is never run as a formula; dates keep a date format."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
        return cell
    if isinstance(value, datetime.datetime):
        # xlsx has no time zones: write the local wall time the page shows.
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    return cell


def text_width(text: str) -> float:
    """The column width that shows `text` whole (CJK characters take about two columns), within bounds."""
    return min(MAX_WIDTH, max(DEFAULT_WIDTH, sum(2 if ord(char) > 0x2E80 else 1 for char in text) + 2))


def _width(header: str) -> float:
    return text_width(header)


@dataclass
class Sheet:
    """One sheet: `title` (the tab, at most 31 characters), optional `heading` lines above the table (organisation,
    year, filters) and `as_of` (printed as "数据截至 …"), then `headers` and `rows`. `widths` by header overrides
    the width computed from the header."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    heading: Sequence[str] = ()
    as_of: datetime.datetime | None = None
    widths: Mapping[str, float] = field(default_factory=dict)


def _write(workbook: openpyxl.Workbook, spec: Sheet) -> None:
    sheet = workbook.create_sheet(spec.title[:31])
    for index, header in enumerate(spec.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = spec.widths.get(str(header), _width(str(header)))
    lines = [str(line) for line in spec.heading]
    if spec.as_of is not None:
        lines.append(_("数据截至 %(time)s") % {"time": timezone.localtime(spec.as_of).strftime("%Y-%m-%d %H:%M")})
    header_row = len(lines) + (2 if lines else 1)
    sheet.freeze_panes = f"A{header_row + 1}"  # before the first row: a write-only sheet writes its view first
    for line in lines:
        cell = safe_cell(sheet, line)
        cell.font = TITLE_FONT
        sheet.append([cell])
    if lines:
        sheet.append([])
    header_cells = []
    for header in spec.headers:
        cell = safe_cell(sheet, str(header))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in spec.rows:
        sheet.append([safe_cell(sheet, value) for value in row])


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of these sheets, in order."""
    workbook = openpyxl.Workbook(write_only=True)
    for spec in sheets:
        _write(workbook, spec)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_to_xlsx(
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str,
    heading: Sequence[str] = (),
    as_of: datetime.datetime | None = None,
    widths: Mapping[str, float] | None = None,
) -> bytes:
    """A workbook of one sheet (see `Sheet`)."""
    return workbook_bytes(
        [Sheet(title=title, headers=headers, rows=rows, heading=heading, as_of=as_of, widths=widths or {})]
    )


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download of `content` named `filename` (Chinese names are fine: RFC 6266 encoding)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
