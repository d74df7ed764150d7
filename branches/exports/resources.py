"""The shared base of the admin's annual exports and the file formats they are written in (see the package)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from branches.models import Member, Organization, User
from portal.xlsx import FORMULA_TRIGGERS, rows_to_xlsx

YES = _("是")
NO = _("否")
# Rows read from the database at a time, and how often a job reports its progress.
CHUNK_SIZE = 2000


class ExportValueWidget(widgets.Widget):
    """Numbers, dates and times stay what they are (the xlsx writer formats them); yes/no in words; the rest text."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(YES if value else NO)
        if isinstance(value, (int, float, Decimal, datetime.date)):
            return value
        return str(value)


def verbose(model: type[Model], name: str) -> str | Promise:
    """The column title of a model field: its verbose name (already in the catalogues)."""
    label: str | Promise = getattr(model._meta.get_field(name), "verbose_name", name)
    return label


def column(attribute: str, label: str | Promise) -> fields.Field:
    """An export column: `attribute` follows relations with `__` (a method such as `get_kind_display` is called)."""
    # A lazy label is fine: the headers go through force_str (the stubs want a plain str).
    return fields.Field(attribute=attribute, column_name=label, widget=ExportValueWidget())  # type: ignore[arg-type]  # wrong stubs


class AnnualExportResource(resources.Resource):
    """The base of every annual export: the rows a user may export of one year and one subtree, and their columns.

    A subclass declares its columns (`column(…)`), `visible_to(user)` through the access module, `year_lookup`
    (None when the rows have no year), `organization_field` (the path to the row's organisation), and the
    `select_related` that keeps the export at a fixed number of queries.
    """

    title: ClassVar[str | Promise] = ""
    year_lookup: ClassVar[str | None] = None
    organization_field: ClassVar[str] = "organization"
    select_related: ClassVar[tuple[str, ...]] = ()
    ordering: ClassVar[tuple[str, ...]] = ("pk",)

    def __init__(self, *, show_full_id: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.show_full_id = show_full_id

    @classmethod
    def get_display_name(cls) -> str:
        return str(cls.title)

    @classmethod
    def visible_to(cls, user: User) -> QuerySet:
        """The rows `user` may see, through the access module (branches.permissions and the apps' permissions)."""
        raise NotImplementedError

    @classmethod
    def export_queryset(cls, *, user: User, year: int | None, organization: Organization | None) -> QuerySet:
        """The rows of `year` (when the rows have one) under `organization` (None: the user's whole scope)."""
        queryset = cls.visible_to(user)
        if year is not None and cls.year_lookup:
            queryset = queryset.filter(**{cls.year_lookup: year})
        if organization is not None:
            queryset = queryset.filter(**{f"{cls.organization_field}__path__startswith": organization.path})
        return queryset.select_related(*cls.select_related).order_by(*cls.ordering)

    def member_id_number(self, member: Member) -> str:
        """A member's ID number, masked unless the exporting user may see it in full."""
        return member.id_number if self.show_full_id else member.id_number_masked

    def rows(self, queryset: QuerySet, *, progress: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
        """The rows of `queryset`, read in chunks (memory stays flat); `progress(done)` after every chunk."""
        done = 0
        for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield self.export_resource(instance)
            done += 1
            if progress is not None and done % CHUNK_SIZE == 0:
                progress(done)
        if progress is not None:
            progress(done)


# Formats -------------------------------------------------------------------------------------------------------


def neutralised(value: Any) -> Any:
    """Text that spreadsheet software would run as a formula (= + - @ …) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralised(value)


def csv_bytes(*, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel then reads the Chinese right), formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_text(str(header)) for header in headers])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class AnnualExportXLSX(base_formats.XLSX):
    """xlsx through the portal's writer (portal.xlsx): text is never a formula, dates stay dates, frozen header."""

    def write(
        self, *, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str, heading: Sequence[str]
    ) -> bytes:
        return rows_to_xlsx(headers=headers, rows=rows, title=title, heading=heading, as_of=timezone.now())


class AnnualExportCSV(base_formats.CSV):
    """CSV, formula-safe (a leading apostrophe on text starting with = + - @)."""

    def write(
        self, *, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str, heading: Sequence[str]
    ) -> bytes:
        return csv_bytes(headers=headers, rows=rows)


EXPORT_FORMATS: dict[str, type[AnnualExportXLSX] | type[AnnualExportCSV]] = {
    "xlsx": AnnualExportXLSX,
    "csv": AnnualExportCSV,
}


def export_file(
    *,
    resource: AnnualExportResource,
    queryset: QuerySet,
    file_format: str,
    heading: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The whole export of `queryset` as `file_format` ("xlsx" or "csv")."""
    writer = EXPORT_FORMATS[file_format]()
    return writer.write(
        headers=resource.get_export_headers(),
        rows=resource.rows(queryset, progress=progress),
        title=str(resource.title)[:31],
        heading=heading,
    )
