"""Hours of operation, holidays and the half-hour interval grid of a generated program."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from callpact.contracts import hours as contract_hours

INTERVAL_MINUTES = 30
INTERVAL_US = INTERVAL_MINUTES * 60 * 1_000_000
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})\s*$"
)

#: mon-fri 07:00-19:00, sat 09:00-13:00: (weekday, open minute, close minute)
DEFAULT_CALENDAR = ("mon-fri 07:00-19:00", "sat 09:00-13:00")


def parse_calendar(rules: Iterable[str]) -> tuple[tuple[int, int, int], ...]:
    """``["mon-fri 07:00-19:00", "sat 09:00-13:00"]`` → ((weekday, open_min, close_min), …)."""
    out: dict[int, tuple[int, int]] = {}
    for rule in rules:
        match = _RULE.match(rule.lower())
        if not match:
            raise ValueError(f"cannot read hours {rule!r}; expected like 'mon-fri 07:00-19:00'")
        opens, closes = (
            int(t.split(":")[0]) * 60 + int(t.split(":")[1])
            for t in (match["open"], match["close"])
        )
        if not 0 <= opens < closes <= 24 * 60:
            raise ValueError(f"hours {rule!r} must open before they close, within one day")
        for part in match["days"].split(","):
            first, _, last = part.partition("-")
            if first not in _DAYS or (last and last not in _DAYS):
                raise ValueError(f"unknown day in hours {rule!r}")
            start = _DAYS.index(first)
            end = _DAYS.index(last) if last else start
            for weekday in range(start, end + 1):
                out[weekday] = (opens, closes)
    return tuple((d, o, c) for d, (o, c) in sorted(out.items()))


def us_federal_holidays(years: Iterable[int]) -> frozenset[date]:
    """US federal holidays (observed dates) of the given years: the contracts' own calendar,
    so generated programs close on the days the KPIs and settlement call holidays."""
    return frozenset(day for year in years for day in contract_hours.us_federal_holidays(year))


@dataclass(frozen=True, slots=True)
class IntervalGrid:
    """Every open half hour of a program, in UTC microseconds, with its local attributes."""

    start_us: npt.NDArray[np.int64]
    month: npt.NDArray[np.int64]  # index into the program's months
    day: npt.NDArray[np.int64]  # index of the local calendar day in the program
    weekday: npt.NDArray[np.int64]  # 0 = Monday
    local_minute: npt.NDArray[np.int64]  # minutes after local midnight
    slot: npt.NDArray[np.int64]  # position within the day's open intervals
    day_dates: tuple[date, ...]  # local date of each day index

    @property
    def size(self) -> int:
        return int(self.start_us.size)


def _utc_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def build_grid(
    months: list[tuple[int, int]],
    time_zone: str,
    hours: tuple[tuple[int, int, int], ...],
    holidays: frozenset[date],
) -> IntervalGrid:
    """The open half hours of ``months`` in ``time_zone`` (local wall clock, DST-aware)."""
    zone = ZoneInfo(time_zone)
    by_weekday = {d: (o, c) for d, o, c in hours}
    starts: list[int] = []
    month_of: list[int] = []
    day_of: list[int] = []
    weekday_of: list[int] = []
    minute_of: list[int] = []
    slot_of: list[int] = []
    dates: list[date] = []
    for m, (year, month) in enumerate(months):
        day = date(year, month, 1)
        while day.month == month:
            window = by_weekday.get(day.weekday())
            if window and day not in holidays:
                index = len(dates)
                dates.append(day)
                for slot, minute in enumerate(range(window[0], window[1], INTERVAL_MINUTES)):
                    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
                        minutes=minute
                    )
                    # Adding minutes to an aware datetime keeps the wall clock, as intended.
                    starts.append(_utc_us(local))
                    month_of.append(m)
                    day_of.append(index)
                    weekday_of.append(day.weekday())
                    minute_of.append(minute)
                    slot_of.append(slot)
            day += timedelta(days=1)
    return IntervalGrid(
        start_us=np.asarray(starts, dtype=np.int64),
        month=np.asarray(month_of, dtype=np.int64),
        day=np.asarray(day_of, dtype=np.int64),
        weekday=np.asarray(weekday_of, dtype=np.int64),
        local_minute=np.asarray(minute_of, dtype=np.int64),
        slot=np.asarray(slot_of, dtype=np.int64),
        day_dates=tuple(dates),
    )


def utc_offsets_us(instants_us: npt.NDArray[np.int64], time_zone: str) -> npt.NDArray[np.int64]:
    """The zone's UTC offset (µs) at each instant; looked up once per distinct hour."""
    zone = ZoneInfo(time_zone)
    hours = instants_us // 3_600_000_000
    unique, inverse = np.unique(hours, return_inverse=True)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    offsets = np.empty(unique.size, dtype=np.int64)
    for i, hour in enumerate(unique.tolist()):
        # Offsets of real zones change on whole quarter hours; the hour's offset at its last
        # microsecond and at its start agree except in the hour of a change, so take both ends.
        moment = epoch + timedelta(hours=hour)
        offset = moment.astimezone(zone).utcoffset()
        offsets[i] = int(offset.total_seconds()) * 1_000_000 if offset else 0
    result = offsets[inverse]
    # In the hour of a change the offset may switch inside the hour: fix those few exactly.
    changing = np.flatnonzero(
        np.isin(hours, unique[np.flatnonzero(np.diff(offsets)) + 1])
        | np.isin(hours, unique[np.flatnonzero(np.diff(offsets))])
    )
    for i in changing.tolist():
        moment = epoch + timedelta(microseconds=int(instants_us[i]))
        offset = moment.astimezone(zone).utcoffset()
        result[i] = int(offset.total_seconds()) * 1_000_000 if offset else 0
    return result
