"""Importing a branch roster (花名册), all or nothing: every row is read and checked first (required columns,
ID checksum, phone, dates, choices, group, duplicates in the file and against other branches, the model's own
rules), and only a file without a single bad row is written, in one transaction, with bulk inserts and updates.
Members are matched by ID number (its keyed digest), so importing the same file twice changes nothing and a
changed row updates the member it names."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import (
    Member,
    Membership,
    Organization,
    PartyGroup,
)
from branches.roster.columns import COLUMNS, COLUMNS_BY_KEY, FIELD_FOR_KEY, HEADER_KEYS, KEY_FOR_MODEL_FIELD
from branches.roster.parser import ParsedRow, RowError, column_keys, parse_row
from branches.roster.reader import RosterFileError, is_blank_row, read_table
from portal import hooks

# Rows listed on the page at most; the rest are counted in one closing line.
MAX_LISTED_ERRORS = 1000


# Digests looked up per query (keeps `IN (...)` lists and parameters small).
LOOKUP_CHUNK = 1000


WRITE_BATCH = 1000


@dataclass
class RosterImportResult:
    ok: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


for _column in COLUMNS:
    HEADER_KEYS[_column.header] = _column.key
    for _alias in _column.aliases:
        HEADER_KEYS[_alias] = _column.key


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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

# Rows between two progress reports (a report is one cache write).
PROGRESS_EVERY = 500

# `progress(done, total, message)`: what a background job hands in (portal.jobs.progress.ProgressReporter).
Progress = Callable[[int, int | None, str | None], None]


def _no_progress(done: int, total: int | None = None, message: str | None = None) -> None:
    return None


def roster_import(
    *, organization: Organization, uploaded_file: Any, progress: Progress | None = None
) -> RosterImportResult:
    """Import a branch roster (xlsx or csv) into `organization`: all rows or none.

    New ID numbers become new members (with their membership record opened);
    a known ID number in this branch updates that member when the row differs.
    Any bad row, or an ID number registered in another branch, stops the whole
    import; the result lists every bad row with its line number and reason.

    `progress`, if given, is called as rows are read and checked (done = rows checked, total = data rows),
    then with 写入中 before the writes; it may be called inside the import's transaction.
    """
    report = progress or _no_progress
    today = timezone.localdate()
    report(0, None, _("读取文件中"))
    try:
        table = read_table(uploaded_file)
    except RosterFileError as error:
        return _file_error(error)
    index_to_key, header_of_key, errors = column_keys(table)
    if errors:
        return RosterImportResult(ok=False, errors=errors)

    def header_of(key: str) -> str:
        return header_of_key[key] if key in header_of_key else COLUMNS_BY_KEY[key].header

    present = set(header_of_key)
    parsed: list[ParsedRow] = []
    rows: list[ParsedRow] = []
    first_line_of: dict[str, int] = {}
    total = len(table.rows)
    report(0, total, _("检查中"))
    for number, (line, values) in enumerate(table.rows, start=1):
        if number % PROGRESS_EVERY == 0:
            report(number, total, _("检查中"))
        cells = {key: values[index] if index < len(values) else None for index, key in index_to_key.items()}
        if is_blank_row(list(cells.values())):
            continue  # e.g. a line with only a pre-filled 序号
        row = parse_row(line, cells, present, today, errors, header_of)
        if row is not None:
            parsed.append(row)
    for row in _with_masked_numbers_resolved(organization, parsed, errors, header_of):
        if row.digest in first_line_of:
            errors.append(
                RowError(
                    line=row.line,
                    column=header_of("id_number"),
                    message=_("与第%(line)d行的身份证号重复。") % {"line": first_line_of[row.digest]},
                )
            )
            continue
        first_line_of[row.digest] = row.line
        rows.append(row)

    if not rows and not errors:
        return RosterImportResult(
            ok=False, errors=[RowError(line=table.header_line, column="", message=_("文件只有列名，没有党员数据。"))]
        )
    report(total, total, _("与已登记的党员核对中"))
    try:
        with transaction.atomic():
            result = _validate_and_write(
                organization=organization,
                rows=rows,
                present=present,
                errors=errors,
                header_of=header_of,
                report=lambda message: report(total, total, message),
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


def _with_masked_numbers_resolved(
    organization: Organization, rows: list[ParsedRow], errors: list[RowError], header_of: Callable[[str], str]
) -> list[ParsedRow]:
    """Rows whose ID number is masked (a re-imported export) are matched by 党员编号 to a member of this branch
    with the same masked number, and then count as that member with the number unchanged; the others are errors.
    One query per LOOKUP_CHUNK masked rows."""
    wanted = [row.member_id for row in rows if row.masked_id_number and row.member_id is not None]
    members: dict[int, Member] = {}
    for chunk in _chunks(wanted, LOOKUP_CHUNK):
        members |= {member.pk: member for member in Member.objects.filter(organization=organization, pk__in=chunk)}
    resolved = []
    for row in rows:
        if not row.masked_id_number:
            resolved.append(row)
            continue
        member = members.get(row.member_id) if row.member_id is not None else None
        if member is None or member.id_number_masked != row.masked_id_number:
            message = (
                _(
                    "身份证号已隐藏（只显示后四位），无法识别是哪位党员：请填写完整的身份证号，或保留本系统导出时的“党员编号”列。"
                )
                if row.member_id is None
                else _(
                    "身份证号已隐藏，且与党员编号%(number)d对应的本支部党员不符：请填写完整的身份证号，或使用本支部导出的原文件。"
                )
                % {"number": row.member_id}
            )
            errors.append(RowError(line=row.line, column=header_of("id_number"), message=message))
            continue
        row.id_number = member.id_number
        row.digest = member.id_number_digest
        resolved.append(row)
    return resolved


def _validate_and_write(
    *,
    organization: Organization,
    rows: list[ParsedRow],
    present: set[str],
    errors: list[RowError],
    header_of: Callable[[str], str],
    report: Callable[[str], None],
) -> RosterImportResult:
    """Check rows against the database (groups, other branches, model rules), then write them in bulk."""
    groups = {group.name: group for group in PartyGroup.objects.filter(organization=organization)}
    existing: dict[str, Member] = {}
    for chunk in _chunks([row.digest for row in rows], LOOKUP_CHUNK):
        for member in Member.objects.filter(id_number_digest__in=chunk).select_related("group"):
            existing[member.id_number_digest] = member

    fields = sorted({name for key in present for name in FIELD_FOR_KEY.get(key, [])} | {"birth_date"})
    attnames = [Member._meta.get_field(name).attname for name in fields]  # type: ignore[union-attr]  # concrete fields
    to_create: list[tuple[Member, str]] = []
    to_update: list[Member] = []
    unchanged = 0
    for number, row in enumerate(rows, start=1):
        if number % PROGRESS_EVERY == 0:
            report(_("与已登记的党员核对中"))  # also the job's heartbeat through a long check
        member = existing.get(row.digest)  # type: ignore[assignment]  # rebinds the loop variable above
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
                key = KEY_FOR_MODEL_FIELD.get(model_field)
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

    report(_("写入中"))
    now = timezone.now()
    for member, id_number in to_create:
        member.set_id_number(id_number)
    created = Member.objects.bulk_create([member for member, _number in to_create], batch_size=WRITE_BATCH)
    # When an imported member came to the branch is not known: their stay counts from the 入党日期, so that the
    # meetings of the months before the import, entered late, still expect them (activities: expected attendees
    # are the roster on the day held). A member added later through the member form counts from that day.
    Membership.objects.bulk_create(
        [Membership(member=member, organization=organization, started_on=member.joined_on) for member in created],
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
        # New members get the study tasks of the branch's filed plan that are still ahead (study follows).
        for receiver in hooks.organization_members_changed.receivers():
            transaction.on_commit(partial(receiver, organization_id=organization.pk))
    return RosterImportResult(ok=True, created=len(created), updated=len(to_update), unchanged=unchanged)
