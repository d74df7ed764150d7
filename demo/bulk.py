"""Bulk writing for the demo data and the generated history (demo.activities, demo.history).

On PostgreSQL rows go in by COPY with primary keys taken from the sequence beforehand; elsewhere (SQLite in the
tests) through bulk_create, with the story's own timestamps kept by `story_timestamps`.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def allocate_ids(model, count: int) -> list[int]:
    """`count` primary keys from the model's sequence (PostgreSQL), so that related rows can be written by COPY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model, columns: Iterable[str], rows: Iterable[tuple]) -> None:
    """COPY rows into the model's table (PostgreSQL): the fastest bulk path, values as given."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(model._meta.get_field(name).column) for name in columns),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def copy_text_rows(model, columns: Iterable[str], rows: Iterable[tuple], *, chunk_rows: int = 20_000) -> None:
    """COPY rows in PostgreSQL's text format, formatted here in one pass (several times faster than
    `copy_rows` for hundreds of thousands of rows of plain values: numbers, dates, short texts)."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(model._meta.get_field(name).column) for name in columns),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(map(_copy_text, row)))
            if len(lines) >= chunk_rows:
                copy.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            copy.write("\n".join(lines) + "\n")


@contextlib.contextmanager
def story_timestamps(*models) -> Iterator[None]:
    """Let bulk_create keep the story's created_at / updated_at instead of stamping "now": auto_now and
    auto_now_add are switched off for these models' timestamp fields while the block runs (single-threaded)."""
    fields = [
        field
        for model in models
        for name in ("created_at", "updated_at")
        for field in model._meta.concrete_fields
        if field.name == name
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
