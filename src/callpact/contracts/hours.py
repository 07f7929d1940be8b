"""Hours of operation: weekly calendars, holidays, and the open intervals they give.

A calendar is a list of rules like ``"mon-fri 07:00-19:00"`` read as local wall-clock time in
the contract's time zone. A day may carry several rules (split shifts); a window may end at
``24:00`` but never cross midnight (write two rules instead). Holidays close the whole local
day. Pure functions: no clock, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^\s*(?P<days>daily|[a-z]{3}(?:-[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)
HOLIDAY_SETS = ("us-federal",)

#: weekday (0 = Monday) → sorted, non-overlapping (open_minute, close_minute) windows
WeeklyHours = Mapping[int, tuple[tuple[int, int], ...]]


def _minutes(text: str, rule: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"hours {rule!r}: {text} is not a time of day")
    return hours * 60 + minutes


def parse_rule(rule: str) -> tuple[tuple[int, ...], int, int]:
    """``"mon-fri 07:00-19:00"`` → ((0, 1, 2, 3, 4), 420, 1140). Raises ``ValueError``."""
    match = _RULE.match(rule.lower())
    if not match:
        raise ValueError(
            f"cannot read hours {rule!r}; write them like 'mon-fri 07:00-19:00' or "
            "'daily 00:00-24:00'"
        )
    opens = _minutes(match["open"], rule)
    closes = _minutes(match["close"], rule)
    if not opens < closes:
        raise ValueError(
            f"hours {rule!r} must open before they close on the same day "
            "(split a window across midnight into two rules)"
        )
    if match["days"] == "daily":
        return tuple(range(7)), opens, closes
    weekdays: list[int] = []
    for part in match["days"].split(","):
        first, _, last = part.strip().partition("-")
        for name in (first, last):
            if name and name not in DAYS:
                raise ValueError(f"hours {rule!r}: unknown day {name!r} (use {', '.join(DAYS)})")
        start = DAYS.index(first)
        end = DAYS.index(last) if last else start
        if end < start:
            raise ValueError(f"hours {rule!r}: {first}-{last} runs backwards")
        weekdays.extend(range(start, end + 1))
    return tuple(sorted(set(weekdays))), opens, closes


def parse_calendar(rules: Iterable[str]) -> WeeklyHours:
    """The weekly windows of a calendar; overlapping windows of one day are merged."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for rule in rules:
        weekdays, opens, closes = parse_rule(rule)
        for weekday in weekdays:
            by_day.setdefault(weekday, []).append((opens, closes))
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for weekday, windows in sorted(by_day.items()):
        merged: list[tuple[int, int]] = []
        for opens, closes in sorted(windows):
            if merged and opens <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
            else:
                merged.append((opens, closes))
        out[weekday] = tuple(merged)
    return out


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n = -1: the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: date) -> date:
    """The federal rule for a fixed-date holiday: Saturday → Friday before, Sunday → Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def us_federal_holidays(year: int) -> dict[date, str]:
    """The observed US federal holidays whose *holiday* falls in ``year`` (5 U.S.C. 6103).

    An observed day may fall in the neighbouring year: New Year's Day 2022 (a Saturday) was
    observed on Friday 2021-12-31. Juneteenth counts from 2021, when it became a holiday.
    """
    days = {
        observed(date(year, 1, 1)): "New Year's Day",
        _nth_weekday(year, 1, 0, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, 0, 3): "Washington's Birthday",
        _nth_weekday(year, 5, 0, -1): "Memorial Day",
        observed(date(year, 7, 4)): "Independence Day",
        _nth_weekday(year, 9, 0, 1): "Labor Day",
        _nth_weekday(year, 10, 0, 2): "Columbus Day",
        observed(date(year, 11, 11)): "Veterans Day",
        _nth_weekday(year, 11, 3, 4): "Thanksgiving Day",
        observed(date(year, 12, 25)): "Christmas Day",
    }
    if year >= 2021:
        days[observed(date(year, 6, 19))] = "Juneteenth National Independence Day"
    return days


def holiday_dates(names: Iterable[str | date], start: date, end: date) -> frozenset[date]:
    """Holiday dates in ``[start, end]`` from named sets (``us-federal``) and explicit dates."""
    out: set[date] = set()
    for name in names:
        if isinstance(name, date):
            out.add(name)
        elif name == "us-federal":
            # One year either side: an observed day can cross into the neighbouring year.
            for year in range(start.year - 1, end.year + 2):
                out.update(us_federal_holidays(year))
        else:
            raise ValueError(f"unknown holiday set {name!r} (known: {', '.join(HOLIDAY_SETS)})")
    return frozenset(d for d in out if start <= d <= end)


def zone_of(time_zone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(time_zone, ZoneInfo):
        return time_zone
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}") from error


def _real(local: datetime) -> datetime:
    """A local wall-clock time as the instant it names, with a fixed UTC offset.

    A time skipped by DST moves forward (02:30 on the spring-forward night is 03:30). The
    fixed offset matters: Python subtracts and compares two datetimes sharing one ZoneInfo by
    wall clock, which would make a 23-hour day last 24 hours."""
    instant = local.astimezone(UTC).astimezone(local.tzinfo)
    offset = instant.utcoffset()
    assert offset is not None
    return instant.replace(tzinfo=timezone(offset))


def is_open(
    weekly: WeeklyHours,
    holidays: Iterable[str | date],
    moment: datetime,
    time_zone: str | ZoneInfo,
) -> bool:
    """Whether ``moment`` lies inside the hours of operation.

    An aware ``moment`` is first read in the contract's time zone; a naive one is taken as
    local wall-clock time already. Windows are half-open: open at 07:00, closed at 19:00.
    """
    zone = zone_of(time_zone)
    local = moment.astimezone(zone) if moment.tzinfo is not None else moment
    day = local.date()
    if day in holiday_dates(holidays, day, day):
        return False
    # Whole minutes suffice: 18:59:59.9 is minute 1139, inside 07:00-19:00; 19:00:00 is not.
    minute = local.hour * 60 + local.minute
    return any(opens <= minute < closes for opens, closes in weekly.get(day.weekday(), ()))


def open_intervals(
    weekly: WeeklyHours,
    holidays: Iterable[str | date],
    start: date,
    end: date,
    time_zone: str | ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """The open ``[opens, closes)`` intervals of the local days ``start ≤ day < end``.

    Both ends are aware datetimes showing local wall-clock time with that moment's fixed UTC
    offset (``2027-03-14T03:00-05:00``), so they compare as instants and ``closes - opens`` is
    elapsed time: a 00:00-24:00 window lasts 23 h on the day clocks spring forward and 25 h on
    the day they fall back. Consecutive windows are not merged across midnight.
    """
    zone = zone_of(time_zone)
    closed = holiday_dates(holidays, start, end) if start < end else frozenset()
    out: list[tuple[datetime, datetime]] = []
    day = start
    while day < end:
        if day not in closed:
            midnight = datetime.combine(day, time(0), tzinfo=zone)
            for opens, closes in weekly.get(day.weekday(), ()):
                opening = midnight + timedelta(minutes=opens)
                if closes == 24 * 60:
                    closing = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                else:
                    closing = midnight + timedelta(minutes=closes)
                out.append((_real(opening), _real(closing)))
        day += timedelta(days=1)
    return out
