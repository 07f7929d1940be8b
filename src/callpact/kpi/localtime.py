"""Local wall-clock time of the contract's time zone, derived neutrally for any Ibis backend.

Ibis has no portable time-zone conversion, so callpact never asks the backend for one. Instead
this module reads the zone's rules with :mod:`zoneinfo` and hands the engine plain numbers:

* :func:`offset_segments` — the UTC offsets in force over a span of instants, as a short list of
  ``(from_us, offset_us)`` (a month has one or two). The engine turns it into
  ``local_us = utc_us + CASE …`` over epoch microseconds, which every backend can evaluate.
* :func:`local_bounds_us` — a local half-open interval ``[start, end)`` (a month, a week, a day)
  as the UTC instants that bound it, so a period filter is a plain comparison of instants.
* :func:`open_windows_us` — hours of operation (weekly calendar minus holidays) as UTC windows.

All instants are integer epoch microseconds: waits and windows compare exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

US = 1_000_000
HOUR_US = 3600 * US
DAY_US = 86_400 * US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """Epoch microseconds of an aware datetime, exactly (no float seconds)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: callpact needs an offset")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def local_instant_us(day: date, clock: time, zone: ZoneInfo) -> int:
    """The instant a local wall-clock reading names (fold 0 on a repeated hour; a reading that a
    spring-forward skips is read with the offset before the change, i.e. it lands after it)."""
    return to_us(datetime.combine(day, clock, tzinfo=zone))


def local_bounds_us(first: date, end: date, zone: ZoneInfo) -> tuple[int, int]:
    """UTC instants of the local half-open interval ``[first 00:00, end 00:00)``."""
    return (local_instant_us(first, time(0), zone), local_instant_us(end, time(0), zone))


def _offset_us(us: int, zone: ZoneInfo) -> int:
    offset = from_us(us).astimezone(zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) * US


@dataclass(frozen=True, slots=True)
class OffsetSegment:
    """From ``from_us`` (inclusive) on, local = UTC + ``offset_us`` (until the next segment)."""

    from_us: int
    offset_us: int


def offset_segments(zone: ZoneInfo, start_us: int, end_us: int) -> tuple[OffsetSegment, ...]:
    """The offsets in force over ``[start_us, end_us)``, first segment starting at ``start_us``.

    Transitions are found hour by hour and pinned to the second by bisection (zones change on
    whole seconds), so the list is exact for every real zone.
    """
    segments = [OffsetSegment(start_us, _offset_us(start_us, zone))]
    step = HOUR_US
    probe = start_us
    while probe < end_us:
        nxt = min(probe + step, end_us)
        current = segments[-1].offset_us
        if _offset_us(nxt, zone) != current:
            low, high = probe, nxt  # offset(low) == current != offset(high)
            while high - low > US:
                mid = (low + high) // 2 // US * US
                if mid <= low:
                    mid = low + US
                if _offset_us(mid, zone) == current:
                    low = mid
                else:
                    high = mid
            segments.append(OffsetSegment(high, _offset_us(high, zone)))
        probe = nxt
    return tuple(segments)


def local_us_of(us: int, segments: Sequence[OffsetSegment]) -> int:
    """Plain-Python twin of the engine's expression (for explain output and tests)."""
    offset = segments[0].offset_us
    for seg in segments:
        if us >= seg.from_us:
            offset = seg.offset_us
    return us + offset


def open_windows_us(
    weekly: Iterable[tuple[int, int, int]],
    holidays: Iterable[date],
    zone: ZoneInfo,
    first: date,
    end: date,
) -> tuple[tuple[int, int], ...]:
    """Hours of operation as UTC windows ``[open, close)`` for local days ``first`` ≤ d < ``end``.

    ``weekly`` is ``(weekday 0=Monday, open minute, close minute)``; a holiday is closed all day.
    """
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in weekly:
        by_day.setdefault(weekday, []).append((opens, closes))
    closed = set(holidays)
    out: list[tuple[int, int]] = []
    day = first
    while day < end:
        if day not in closed:
            for opens, closes in sorted(by_day.get(day.weekday(), [])):
                start = local_instant_us(day, time(opens // 60, opens % 60), zone)
                stop = (
                    local_instant_us(day + timedelta(days=1), time(0), zone)
                    if closes >= 24 * 60
                    else local_instant_us(day, time(closes // 60, closes % 60), zone)
                )
                if stop > start:
                    out.append((start, stop))
        day += timedelta(days=1)
    return tuple(out)


def month_days(month: str) -> tuple[date, date]:
    """``"2027-03"`` → (2027-03-01, 2027-04-01): the local days of a month, half-open."""
    try:
        year_text, month_text = month.split("-")
        year, number = int(year_text), int(month_text)
        first = date(year, number, 1)
    except ValueError as error:
        raise ValueError(f"period {month!r} is not a month like 2027-03") from error
    end = date(year + (number == 12), number % 12 + 1, 1)
    return first, end
