"""Incident liabilities against the notification deadlines, worked by hand (America/Chicago,
CST = UTC−6 in January; Monday 18 January 2027 is Martin Luther King Jr. Day)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)

import pytest

from callpact.settlement.incidents import (
    Incident,
    ReportingStatus,
    assess_incidents,
    deadline_after,
)
from callpact.settlement.terms import IncidentTerms

TZ = "America/Chicago"
HOLIDAYS = frozenset({date(2027, 1, 18)})
PROTOCOL = IncidentTerms(
    deadlines={"critical": "1h", "major": "4h", "minor": "2 business_days"},
    liability_per_late_report=D(250),
    liability_per_unreported_case=D(1000),
)
JAN = (datetime(2027, 1, 1, 6, tzinfo=UTC), datetime(2027, 2, 1, 6, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_business_days_skip_the_weekend_and_the_holiday() -> None:
    # detected Friday 15 Jan 16:00 local; business days Tue 19, Wed 20 → due Thu 21 00:00 local
    due = deadline_after(utc(2027, 1, 15, 22), "2 business_days", TZ, HOLIDAYS)
    assert due == utc(2027, 1, 21, 6)


def test_elapsed_deadlines_add_to_the_instant() -> None:
    assert deadline_after(utc(2027, 1, 15, 22), "1h", TZ) == utc(2027, 1, 15, 23)
    assert deadline_after(utc(2027, 1, 15, 22), "3 days", TZ) == utc(2027, 1, 18, 22)


@pytest.mark.parametrize(
    ("reported", "status", "liability"),
    [
        (utc(2027, 1, 21, 5, 59), ReportingStatus.ON_TIME, D(0)),
        (utc(2027, 1, 21, 6), ReportingStatus.ON_TIME, D(0)),  # at the deadline is on time
        (utc(2027, 1, 21, 6, 30), ReportingStatus.LATE, D(250)),
        (None, ReportingStatus.UNREPORTED, D(1000)),
    ],
)
def test_minor_incident(reported: datetime | None, status: ReportingStatus, liability: D) -> None:
    incident = Incident(
        "I-1", "legal_threat", "minor", utc(2027, 1, 15, 21), utc(2027, 1, 15, 22), reported
    )
    (result,) = assess_incidents(
        [incident],
        PROTOCOL,
        time_zone=TZ,
        period_start=JAN[0],
        period_end=JAN[1],
        holidays=HOLIDAYS,
    )
    assert (result.status, result.liability) == (status, liability)


def test_incident_belongs_to_the_month_of_its_deadline() -> None:
    # detected Friday 29 Jan 17:00 local: due end of Tue 2 Feb → February's statement
    late_in_month = Incident(
        "I-2", "safety", "minor", utc(2027, 1, 29, 23), utc(2027, 1, 29, 23), None
    )
    assert (
        assess_incidents(
            [late_in_month], PROTOCOL, time_zone=TZ, period_start=JAN[0], period_end=JAN[1]
        )
        == []
    )
    feb = (JAN[1], datetime(2027, 3, 1, 6, tzinfo=UTC))
    (result,) = assess_incidents(
        [late_in_month], PROTOCOL, time_zone=TZ, period_start=feb[0], period_end=feb[1]
    )
    assert result.status is ReportingStatus.UNREPORTED


def test_clock_starts_at_occurrence_when_detection_is_unknown() -> None:
    critical = Incident(
        "I-3", "safety", "critical", utc(2027, 1, 10, 12), None, utc(2027, 1, 10, 13, 5)
    )
    (result,) = assess_incidents(
        [critical], PROTOCOL, time_zone=TZ, period_start=JAN[0], period_end=JAN[1]
    )
    assert result.status is ReportingStatus.LATE
    assert "reported 5 min late" in result.reason


def test_unknown_severity_names_the_incident() -> None:
    odd = Incident("I-4", "safety", "catastrophic", utc(2027, 1, 10, 12), None, None)
    with pytest.raises(ValueError, match=r"I-4.*catastrophic"):
        assess_incidents([odd], PROTOCOL, time_zone=TZ, period_start=JAN[0], period_end=JAN[1])
