"""Settlement months (``YYYY-MM``): every month is settled under the version then in force."""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a month: {text!r} (write YYYY-MM)")
    return int(match.group(1)), int(match.group(2))


def month_index(text: str) -> int:
    year, month = parse_month(text)
    return year * 12 + month - 1


def month_of_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(text: str, count: int) -> str:
    return month_of_index(month_index(text) + count)


def first_day(text: str) -> date:
    year, month = parse_month(text)
    return date(year, month, 1)


def last_day(text: str) -> date:
    return first_day(add_months(text, 1)) - timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    return [month_of_index(i) for i in range(month_index(first), month_index(last) + 1)]
