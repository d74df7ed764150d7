"""Months and years asked for in a page's query string (`?month=YYYY-MM`, `?year=YYYY`), and month arithmetic.

Each page says which years it can hold records for; anything else falls back to this month or year and reports
it (False), so that the page can say "没有这个月份" instead of answering an error."""

import datetime
import re

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str | None, *, today: datetime.date, earliest_year: int) -> tuple[datetime.date, bool]:
    """`YYYY-MM` → the first of that month; empty → this month; anything else (or a year outside
    `earliest_year` … next year) → this month and False."""
    if not value:
        return today.replace(day=1), True
    match = MONTH_PATTERN.match(value.strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if earliest_year <= year <= today.year + 1 and 1 <= month <= 12:
            return datetime.date(year, month, 1), True
    return today.replace(day=1), False


def parse_year(value: str | None, *, today: datetime.date, earliest_year: int, latest_year: int) -> tuple[int, bool]:
    """`YYYY` → that year; empty → this year; anything else (or outside `earliest_year` … `latest_year`) → this
    year and False."""
    if not value:
        return today.year, True
    value = value.strip()
    if value.isdigit() and earliest_year <= int(value) <= latest_year:
        return int(value), True
    return today.year, False


def shift_month(month: datetime.date, delta: int) -> datetime.date:
    """The first of the month `delta` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)
