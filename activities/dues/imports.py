"""Importing a month's 党费 payments from xlsx or csv (a bank's or the online platform's list), all or nothing.

Every row is read and checked first: the member is found in the branch only (by 身份证号 when the file has it,
else by 姓名; a member of another branch, an unknown or ambiguous name, a member listed twice are row errors),
the amount is a `Decimal` to the 分, the method and the date are optional (default 转账, and the month's last
day or today). Only a file without a single bad row is written, by `dues_collection_save` in one transaction:
a listed member's status follows the amount (0 未交, less than due 部分交纳, due 已交, more 多交/预交, over
1,000 元 more 自愿多交), a member not in the file is recorded 未交, a month paid ahead (已预交) is kept, a
reduction already recorded is kept. The file reader (size, type, encodings, xlsx guards) is the roster's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.dues import selectors, services
from activities.dues.forms import parse_amount
from activities.dues.models import DuesMethod, DuesStatus
from branches import idnumbers
from branches.models import Member, Organization, User
from branches.roster.parser import CellError, RowError, parse_cell_date
from branches.roster.reader import RosterFileError, cell_text, normalize_header, read_table

# Header text → column key (the template's headers first, then what exports of banks and platforms call them).
HEADERS = {
    "姓名": "name",
    "党员姓名": "name",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "实交金额": "amount",
    "实交金额(元)": "amount",
    "实交金额（元）": "amount",
    "实交（元）": "amount",
    "交纳金额": "amount",
    "金额": "amount",
    "交纳方式": "method",
    "交纳日期": "paid_on",
}
REQUIRED = ("name", "amount")
METHODS = {
    "现金": DuesMethod.CASH,
    "转账": DuesMethod.TRANSFER,
    "银行转账": DuesMethod.TRANSFER,
    "线上交纳": DuesMethod.ONLINE,
    "线上": DuesMethod.ONLINE,
    "微信": DuesMethod.ONLINE,
    "支付宝": DuesMethod.ONLINE,
}
PROGRESS_EVERY = 200

Progress = Callable[[int, int | None, str | None], None]


def _no_progress(done: int, total: int | None = None, message: str | None = None) -> None:
    return None


def _is_header(values: Any) -> bool:
    keys = {HEADERS.get(normalize_header(value)) for value in values}
    return set(REQUIRED) <= keys


@dataclass
class DuesImportResult:
    ok: bool
    listed: int = 0
    unpaid: int = 0
    paid: str = "0.00"
    errors: list[RowError] = field(default_factory=list)


def _failed(errors: list[RowError]) -> DuesImportResult:
    return DuesImportResult(ok=False, errors=sorted(errors, key=lambda error: error.line))


def _status(amount: Decimal, due: Decimal) -> str:
    if amount <= 0:
        return DuesStatus.UNPAID
    if amount < due:
        return DuesStatus.PARTIAL
    return DuesStatus.PAID if amount == due else DuesStatus.ADVANCE


def dues_import(
    *,
    organization: Organization,
    month: datetime.date,
    uploaded_file: Any,
    recorded_by: User,
    progress: Progress | None = None,
) -> DuesImportResult:
    """Record `month` of the branch from the file: every row right, or nothing written (see the module)."""
    report = progress or _no_progress
    today = timezone.localdate()
    month = month.replace(day=1)
    report(0, None, _("读取文件中"))
    try:
        table = read_table(uploaded_file, is_header=_is_header)
    except RosterFileError as error:
        return _failed([RowError(line=error.line, column="", message=error.message)])
    keys = {index: HEADERS.get(normalize_header(header)) for index, header in enumerate(table.headers)}
    columns = {key: index for index, key in reversed(list(keys.items())) if key}
    header_of = {key: table.headers[index] for key, index in columns.items()}
    missing = [name for name, key in (("姓名", "name"), ("实交金额", "amount")) if key not in columns]
    if missing:
        message = _("缺少必填列：%(columns)s。请使用下载的模板。") % {"columns": "、".join(missing)}
        return _failed([RowError(line=table.header_line, column="", message=message)])
    if not table.rows:
        return _failed([RowError(line=table.header_line, column="", message=_("文件只有列名，没有交纳数据。"))])
    sheet = selectors.collection_sheet(organization=organization, month=month)
    if sheet.is_closed:
        return _failed([RowError(line=0, column="", message=_("该月党费已结账，不能导入；如需更正请逐笔更正。"))])
    rows_by_member = {row.member.pk: row for row in sheet.rows}
    by_digest = {row.member.id_number_digest: row.member for row in sheet.rows}
    by_name: dict[str, list[Member]] = defaultdict(list)
    for row in sheet.rows:
        by_name[row.member.name].append(row.member)
    digests: dict[int, str] = {}
    for line, values in table.rows:
        id_text = (
            cell_text(values[columns["id_number"]])
            if "id_number" in columns and columns["id_number"] < len(values)
            else ""
        )
        if id_text:
            digests[line] = idnumbers.digest(id_text)
    elsewhere = set(
        Member.objects.filter(id_number_digest__in=set(digests.values()) - set(by_digest)).values_list(
            "id_number_digest", flat=True
        )
    )
    errors: list[RowError] = []
    entries: dict[int, services.DuesEntry] = {}
    first_line: dict[int, int] = {}
    default_paid_on = min(today, selectors.month_end(month))
    total = len(table.rows)
    report(0, total, _("检查中"))

    def cell(values: tuple, key: str) -> Any:
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    for number, (line, values) in enumerate(table.rows, start=1):
        if number % PROGRESS_EVERY == 0:
            report(number, total, _("检查中"))
        name = cell_text(cell(values, "name"))
        member: Member | None = None
        if line in digests:
            member = by_digest.get(digests[line])
            if member is None:
                message = (
                    _("该身份证号的党员登记在其他党支部，不能在本支部交纳党费。")
                    if digests[line] in elsewhere
                    else _("本支部本月应交党费的党员中没有这个身份证号。")
                )
                errors.append(RowError(line=line, column=header_of["id_number"], message=message))
                continue
            if name and member.name != name:
                errors.append(
                    RowError(
                        line=line,
                        column=header_of["name"],
                        message=_("姓名“%(name)s”与身份证号登记的“%(registered)s”不一致。")
                        % {"name": name, "registered": member.name},
                    )
                )
                continue
        elif not name:
            errors.append(RowError(line=line, column=header_of["name"], message=_("请填写姓名。")))
            continue
        else:
            found = by_name.get(name, [])
            if len(found) != 1:
                message = (
                    _("本支部有%(n)d名党员叫“%(name)s”，请填写身份证号区分。") % {"n": len(found), "name": name}
                    if found
                    else _("本支部本月应交党费的党员中没有“%(name)s”（其他党支部的党员不能在本支部导入）。")
                    % {"name": name}
                )
                errors.append(RowError(line=line, column=header_of["name"], message=message))
                continue
            member = found[0]
        if member.pk in first_line:
            errors.append(
                RowError(
                    line=line,
                    column=header_of["name"],
                    message=_("与第%(line)d行是同一名党员。") % {"line": first_line[member.pk]},
                )
            )
            continue
        first_line[member.pk] = line
        errors_before = len(errors)
        raw_amount = cell_text(cell(values, "amount"))
        try:
            amount = parse_amount(raw_amount)
        except ValueError:
            amount = None
            errors.append(
                RowError(
                    line=line,
                    column=header_of["amount"],
                    message=_("金额“%(value)s”不正确，请填写如 12.50 的数字（最多两位小数）。") % {"value": raw_amount},
                )
            )
        else:
            if amount is None:
                errors.append(RowError(line=line, column=header_of["amount"], message=_("请填写实交金额（未交填0）。")))
        method_text = cell_text(cell(values, "method"))
        method = METHODS.get(method_text, "")
        if method_text and not method:
            errors.append(
                RowError(
                    line=line,
                    column=header_of["method"],
                    message=_("交纳方式“%(value)s”无法识别，可填：现金、转账、线上交纳。") % {"value": method_text},
                )
            )
        try:
            paid_on = parse_cell_date(cell(values, "paid_on"), today)
        except CellError as error:
            errors.append(RowError(line=line, column=header_of.get("paid_on", ""), message=error.message))
            paid_on = None
        if amount is None or len(errors) > errors_before:
            continue
        sheet_row = rows_by_member[member.pk]
        if sheet_row.payment is not None and sheet_row.payment.status == DuesStatus.PREPAID:
            continue  # paid ahead in an earlier month: kept as it is
        reduction = sheet_row.payment.reduction if sheet_row.payment else Decimal(0)
        reason = sheet_row.payment.reduction_reason if sheet_row.payment else ""
        status = _status(amount, sheet_row.computed.amount - reduction)
        entries[member.pk] = services.DuesEntry(
            status=status,
            amount_paid=amount if status in (DuesStatus.PARTIAL, DuesStatus.ADVANCE) else None,
            reduction=reduction,
            reduction_reason=reason,
            method=method,
            paid_on=paid_on,
        )
    if errors:
        return _failed(errors)
    for row in sheet.rows:
        if row.member.pk not in entries and not (row.payment and row.payment.status == DuesStatus.PREPAID):
            entries[row.member.pk] = services.DuesEntry(
                status=DuesStatus.UNPAID,
                reduction=row.payment.reduction if row.payment else Decimal(0),
                reduction_reason=row.payment.reduction_reason if row.payment else "",
            )
    report(total, total, _("写入中"))
    try:
        totals = services.dues_collection_save(
            sheet=sheet, entries=entries, method=DuesMethod.TRANSFER, paid_on=default_paid_on, recorded_by=recorded_by
        )
    except ValidationError as error:
        return _failed([RowError(line=0, column="", message=message) for message in error.messages])
    unpaid = sum(1 for entry in entries.values() if entry.status == DuesStatus.UNPAID)
    return DuesImportResult(ok=True, listed=len(first_line), unpaid=unpaid, paid=str(totals.paid))
