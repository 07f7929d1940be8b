"""Hours of operation and holidays, on hand-worked calendars (US federal 2027, DST days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callpact.contracts.hours import (
    holiday_dates,
    open_intervals,
    parse_calendar,
    parse_rule,
    us_federal_holidays,
)
from callpact.contracts.model import HoursCalendar

CHICAGO = ZoneInfo("America/Chicago")
MEMBER_LINE = HoursCalendar(
    calendar=("mon-fri 07:00-19:00", "sat 09:00-13:00"), holidays=("us-federal",)
)


def test_us_federal_holidays_2027_with_observed_days() -> None:
    # Worked from a 2027 calendar (January 1st is a Friday): fixed-date holidays falling on a
    # Saturday move to the Friday before, on a Sunday to the Monday after.
    assert sorted(us_federal_holidays(2027)) == [
        date(2027, 1, 1),  # New Year's Day, Friday
        date(2027, 1, 18),  # third Monday of January
        date(2027, 2, 15),  # third Monday of February
        date(2027, 5, 31),  # last Monday of May
        date(2027, 6, 18),  # Juneteenth is a Saturday → Friday 18th
        date(2027, 7, 5),  # Independence Day is a Sunday → Monday 5th
        date(2027, 9, 6),  # first Monday of September
        date(2027, 10, 11),  # second Monday of October
        date(2027, 11, 11),  # Veterans Day, Thursday
        date(2027, 11, 25),  # fourth Thursday of November
        date(2027, 12, 24),  # Christmas is a Saturday → Friday 24th
    ]


def test_new_year_on_a_saturday_is_observed_in_the_previous_year() -> None:
    # 2022-01-01 was a Saturday: observed on Friday 2021-12-31.
    december = holiday_dates(["us-federal"], date(2021, 12, 1), date(2021, 12, 31))
    assert december == {date(2021, 12, 24), date(2021, 12, 31)}


def test_juneteenth_only_from_2021() -> None:
    assert date(2020, 6, 19) not in us_federal_holidays(2020)
    assert date(2021, 6, 18) in us_federal_holidays(2021)  # a Saturday in 2021


def test_explicit_dates_and_unknown_sets() -> None:
    days = holiday_dates([date(2027, 12, 26), "us-federal"], date(2027, 12, 20), date(2027, 12, 31))
    # New Year's Day 2028 is a Saturday, so it is observed on Friday 2027-12-31.
    assert days == {date(2027, 12, 24), date(2027, 12, 26), date(2027, 12, 31)}
    with pytest.raises(ValueError, match="unknown holiday set"):
        holiday_dates(["uk-bank"], date(2027, 1, 1), date(2027, 1, 2))


def test_parse_rules() -> None:
    assert parse_rule("mon-fri 07:00-19:00") == ((0, 1, 2, 3, 4), 420, 1140)
    assert parse_rule("sat,sun 00:00-24:00") == ((5, 6), 0, 1440)
    assert parse_rule("daily 10:00-11:30")[0] == (0, 1, 2, 3, 4, 5, 6)
    # Split shifts on one day are kept apart; overlapping ones merge.
    weekly = parse_calendar(["mon 08:00-12:00", "mon 13:00-17:00", "mon 11:00-12:30"])
    assert weekly == {0: ((480, 750), (780, 1020))}
    for bad in ("mon-fri 19:00-07:00", "fri-mon 08:00-10:00", "mon 25:00-26:00", "weekdays 8-5"):
        with pytest.raises(ValueError, match="hours"):
            parse_rule(bad)


def test_is_open_reads_aware_moments_in_the_contract_zone() -> None:
    # Friday 2027-03-12 is standard time (UTC−6): 13:00Z is 07:00 local, opening time.
    assert not MEMBER_LINE.is_open(datetime(2027, 3, 12, 12, 59, tzinfo=UTC), CHICAGO)
    assert MEMBER_LINE.is_open(datetime(2027, 3, 12, 13, 0, tzinfo=UTC), CHICAGO)
    # Monday 2027-03-15 is daylight time (UTC−5): 07:00 local is 12:00Z.
    assert not MEMBER_LINE.is_open(datetime(2027, 3, 15, 11, 59, 59, tzinfo=UTC), CHICAGO)
    assert MEMBER_LINE.is_open(datetime(2027, 3, 15, 12, 0, tzinfo=UTC), CHICAGO)
    # Closing is exclusive: 18:59:59 is open, 19:00 is not.
    assert MEMBER_LINE.is_open(datetime(2027, 3, 15, 18, 59, 59, tzinfo=CHICAGO), CHICAGO)
    assert not MEMBER_LINE.is_open(datetime(2027, 3, 15, 19, 0, tzinfo=CHICAGO), CHICAGO)


def test_is_open_on_holidays_weekends_and_naive_local_times() -> None:
    local_ten = datetime(2027, 7, 5, 10, 0)  # noqa: DTZ001 - a naive time is local wall clock
    assert not MEMBER_LINE.is_open(local_ten, "America/Chicago")  # Independence Day observed
    assert MEMBER_LINE.is_open(local_ten + timedelta(days=1), "America/Chicago")
    saturday = datetime(2027, 7, 10, 12, 59, tzinfo=CHICAGO)
    assert MEMBER_LINE.is_open(saturday, CHICAGO)
    assert not MEMBER_LINE.is_open(saturday + timedelta(minutes=1), CHICAGO)
    assert not MEMBER_LINE.is_open(saturday + timedelta(days=1), CHICAGO)  # Sunday


def test_open_intervals_of_a_week_with_a_holiday() -> None:
    # Week of Monday 2027-07-05 (holiday): Tue–Fri 12 h each, Saturday 4 h, Sunday closed.
    intervals = MEMBER_LINE.open_intervals(date(2027, 7, 5), date(2027, 7, 12), CHICAGO)
    assert [start.date() for start, _ in intervals] == [date(2027, 7, d) for d in (6, 7, 8, 9, 10)]
    assert intervals[0] == (
        datetime(2027, 7, 6, 7, 0, tzinfo=CHICAGO),
        datetime(2027, 7, 6, 19, 0, tzinfo=CHICAGO),
    )
    hours = sum((end - start for start, end in intervals), timedelta()) / timedelta(hours=1)
    assert hours == 4 * 12 + 4


def test_open_intervals_across_dst_changes_are_real_elapsed_time() -> None:
    around_the_clock = parse_calendar(["daily 00:00-24:00"])
    spring = open_intervals(around_the_clock, (), date(2027, 3, 14), date(2027, 3, 15), CHICAGO)
    fall = open_intervals(around_the_clock, (), date(2027, 11, 7), date(2027, 11, 8), CHICAGO)
    assert [(end - start).total_seconds() / 3600 for start, end in spring] == [23]
    assert [(end - start).total_seconds() / 3600 for start, end in fall] == [25]
    # 01:00–04:00 on the spring-forward night skips 02:00–03:00: two real hours.
    night = parse_calendar(["sun 01:00-04:00"])
    ((start, end),) = open_intervals(night, (), date(2027, 3, 14), date(2027, 3, 15), CHICAGO)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)
    assert start.astimezone(UTC) == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=datetime(2027, 1, 1),  # noqa: DTZ001 - hypothesis builds naive bounds
        max_value=datetime(2027, 12, 30),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_is_open_agrees_with_open_intervals(moment: datetime) -> None:
    local_day = moment.astimezone(CHICAGO).date()
    intervals = MEMBER_LINE.open_intervals(local_day, local_day + timedelta(days=1), CHICAGO)
    inside = any(start <= moment < end for start, end in intervals)
    assert MEMBER_LINE.is_open(moment, CHICAGO) == inside
