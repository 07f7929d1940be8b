"""Incident liabilities: per report made after the contract's notification deadline and per case
never reported.

The clock starts when the vendor detected the incident (when it occurred, if the detection time
is unknown). Deadlines read ``30m``, ``1h``, ``4 hours``, ``3 days`` or ``2 business_days``.
Elapsed deadlines are added to the instant; *N business days* end at local midnight after the
N-th business day following the local day the clock started (weekends and the contract's
holidays are not business days) — the same reading as governance's reporting clock.

An incident belongs to the statement of the month (contract time zone) in which its deadline
falls: by then it is either reported on time, reported late, or unreported. One still unreported
whose deadline lies after the month is *pending* and waits for a later statement. Its deadline
and liability are those of the contract version in force on the local day it was detected (an
amendment applies to the incidents detected from its effective date on), as in governance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from callpact.settlement.terms import IncidentTerms

_DEADLINE = re.compile(r"^\s*(\d+)\s*([a-z_ ]+?)\s*$")
_UNITS = {
    "m": "minutes", "min": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days", "calendar_days": "days",
    "bd": "business_days", "business_day": "business_days", "business_days": "business_days",
}  # fmt: skip


class ReportingStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    UNREPORTED = "unreported"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident as the ``incidents`` table holds it (instants timezone-aware)."""

    incident_id: str
    category: str
    severity: str
    occurred_at: datetime
    detected_at: datetime | None
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class IncidentAssessment:
    incident: Incident
    due_at: datetime
    status: ReportingStatus
    liability: Decimal
    reason: str
    #: the contract version whose incident protocol judged it (its effective date)
    terms_version: str = ""


def parse_deadline(text: str | int) -> tuple[int, str]:
    """``2 business_days`` → (2, "business_days"); a bare number means hours."""
    if isinstance(text, int):
        return text, "hours"
    match = _DEADLINE.match(text.lower())
    unit = _UNITS.get(match.group(2).strip().replace(" ", "_")) if match else None
    if match is None or unit is None:
        raise ValueError(
            f"cannot read the deadline {text!r}: write e.g. 1h, 3 days, 2 business_days"
        )
    return int(match.group(1)), unit


def add_business_days(day: date, count: int, holidays: Collection[date]) -> date:
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            count -= 1
    return current


def deadline_after(
    start: datetime, deadline: str | int, time_zone: str, holidays: Collection[date] = ()
) -> datetime:
    """The instant (UTC) by which an incident detected at ``start`` must be reported."""
    if start.tzinfo is None:
        raise ValueError("the clock's start must be timezone-aware")
    amount, unit = parse_deadline(deadline)
    if unit != "business_days":
        return (start + timedelta(**{unit: amount})).astimezone(UTC)
    zone = ZoneInfo(time_zone)
    last = add_business_days(start.astimezone(zone).date(), amount, holidays)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def assess_incidents(
    incidents: Sequence[Incident],
    terms: IncidentTerms,
    *,
    time_zone: str,
    period_start: datetime,
    period_end: datetime,
    holidays: Collection[date] = (),
    terms_of: Callable[[Incident], IncidentTerms] | None = None,
) -> list[IncidentAssessment]:
    """The incidents whose deadline falls in ``[period_start, period_end)``, each assessed.

    ``terms_of``: the incident protocol an incident is judged on (the version in force when it
    was detected); None: ``terms`` for every incident.

    A severity without a deadline in the contract is a ``ValueError`` naming the incident (the
    loader reports it as a diagnostic before settlement runs).
    """
    out: list[IncidentAssessment] = []
    for incident in sorted(incidents, key=lambda i: (i.occurred_at, i.incident_id)):
        protocol = terms if terms_of is None else terms_of(incident)
        rule = protocol.deadlines.get(incident.severity)
        if rule is None:
            known = ", ".join(protocol.deadlines)
            raise ValueError(
                f"incident {incident.incident_id}: severity {incident.severity!r} has no "
                f"notification deadline in the contract ({known})"
            )
        start = incident.detected_at or incident.occurred_at
        due = deadline_after(start, rule, time_zone, holidays)
        if not period_start <= due < period_end:
            continue
        label = f"Incident {incident.incident_id} ({incident.severity}, {incident.category})"
        due_text = due.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")
        if incident.reported_at is None:
            status, amount = ReportingStatus.UNREPORTED, protocol.liability_per_unreported_case
            reason = f"{label} never reported; due {due_text} ({rule})"
        elif incident.reported_at > due:
            status, amount = ReportingStatus.LATE, protocol.liability_per_late_report
            late = incident.reported_at - due
            reason = f"{label} reported {_duration_words(late)} late; due {due_text} ({rule})"
        else:
            status, amount = ReportingStatus.ON_TIME, Decimal(0)
            reason = f"{label} reported on time (due {due_text}, {rule})"
        if protocol.version != terms.version:
            # detected under another version than the month's: say whose terms apply
            reason += f"; terms of the version effective {protocol.version or 'first'}"
        out.append(IncidentAssessment(incident, due, status, amount, reason, protocol.version))
    return out


def _duration_words(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"
