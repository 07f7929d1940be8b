"""Deadline arithmetic for governance rules: pure functions, the clock is always passed in.

A contract writes a deadline as ``1h``, ``4h``, ``30m``, ``10 days`` or ``2 business_days``.
Elapsed deadlines (minutes, hours, calendar days) are added to the starting instant, so they are
exact across DST changes. Business days are counted in the contract's time zone: a deadline of
*N business days* ends at midnight (local) after the *N*-th business day that follows the day the
clock started; Saturdays, Sundays and the listed holidays are not business days.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class DeadlineUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    BUSINESS_DAYS = "business_days"


_UNIT_WORDS: dict[str, DeadlineUnit] = {
    "m": DeadlineUnit.MINUTES,
    "min": DeadlineUnit.MINUTES,
    "minute": DeadlineUnit.MINUTES,
    "minutes": DeadlineUnit.MINUTES,
    "h": DeadlineUnit.HOURS,
    "hour": DeadlineUnit.HOURS,
    "hours": DeadlineUnit.HOURS,
    "d": DeadlineUnit.DAYS,
    "day": DeadlineUnit.DAYS,
    "days": DeadlineUnit.DAYS,
    "calendar_days": DeadlineUnit.DAYS,
    "business_day": DeadlineUnit.BUSINESS_DAYS,
    "business_days": DeadlineUnit.BUSINESS_DAYS,
    "bd": DeadlineUnit.BUSINESS_DAYS,
}

_DEADLINE_RE = re.compile(r"^\s*(\d+)\s*([a-z_ ]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A notification or response deadline as the contract writes it: an amount and a unit."""

    amount: int
    unit: DeadlineUnit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


def parse_deadline(text: str | int | timedelta | Deadline) -> Deadline:
    """Read ``1h``, ``4 hours``, ``30m``, ``3 days`` or ``2 business_days`` (ints mean hours)."""
    if isinstance(text, Deadline):
        return text
    if isinstance(text, timedelta):
        minutes = int(text.total_seconds() // 60)
        if minutes * 60 != text.total_seconds() or minutes < 0:
            raise ValueError(f"a deadline must be a whole, non-negative number of minutes: {text}")
        return Deadline(minutes, DeadlineUnit.MINUTES)
    if isinstance(text, int):
        return Deadline(text, DeadlineUnit.HOURS)
    match = _DEADLINE_RE.match(text.lower())
    if match is None:
        raise ValueError(
            f"cannot read the deadline {text!r}: write e.g. 1h, 30m, 3 days, 2 business_days"
        )
    word = match.group(2).strip().replace(" ", "_")
    unit = _UNIT_WORDS.get(word)
    if unit is None:
        raise ValueError(f"unknown deadline unit {match.group(2)!r} in {text!r}")
    return Deadline(int(match.group(1)), unit)


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself never counts)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def deadline_after(
    start: datetime,
    deadline: Deadline | str,
    time_zone: str,
    holidays: Collection[date] = (),
) -> datetime:
    """The instant (UTC) by which something started at ``start`` must be done."""
    _require_aware(start, "start")
    rule = parse_deadline(deadline)
    if rule.unit is DeadlineUnit.MINUTES:
        return (start + timedelta(minutes=rule.amount)).astimezone(UTC)
    if rule.unit is DeadlineUnit.HOURS:
        return (start + timedelta(hours=rule.amount)).astimezone(UTC)
    if rule.unit is DeadlineUnit.DAYS:
        return (start + timedelta(days=rule.amount)).astimezone(UTC)
    zone = ZoneInfo(time_zone)
    local_day = start.astimezone(zone).date()
    last_day = add_business_days(local_day, rule.amount, holidays)
    return end_of_local_day(last_day, time_zone)


def end_of_local_day(day: date, time_zone: str) -> datetime:
    """Midnight (local) at the end of ``day``, as a UTC instant."""
    zone = ZoneInfo(time_zone)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, time_zone: str) -> date:
    _require_aware(moment, "moment")
    return moment.astimezone(ZoneInfo(time_zone)).date()


def month_bounds(month: str, time_zone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of a ``YYYY-MM`` month in the contract's time zone, as UTC instants."""
    year_text, _, month_text = month.partition("-")
    year, month_number = int(year_text), int(month_text)
    if not 1 <= month_number <= 12:
        raise ValueError(f"not a month: {month!r} (write YYYY-MM)")
    zone = ZoneInfo(time_zone)
    start = datetime(year, month_number, 1, tzinfo=zone)
    end = datetime(year + month_number // 12, month_number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
