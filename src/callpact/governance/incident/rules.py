"""The incident reporting clock and liability, as pure functions.

The clock starts when the vendor **detected** the incident (not when it occurred: the vendor
cannot report what it does not know yet; the gap between the two is shown separately). The
deadline is the contract's notification deadline for the incident's severity (``1h``, ``4h``,
``2 business_days``…, see :mod:`callpact.governance.deadlines`). A report at the deadline itself
is on time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from callpact.governance.deadlines import deadline_after


class ReportingStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    UNREPORTED = "unreported"  # not reported and the deadline has passed
    PENDING = "pending"  # not reported yet, the deadline is still ahead


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident as settlement needs it: plain values, instants in UTC."""

    incident_id: str
    category: str
    severity: str
    occurred_at: datetime
    detected_at: datetime
    reported_at: datetime | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "incident_id": self.incident_id,
            "category": self.category,
            "severity": self.severity,
            "occurred_at": self.occurred_at.isoformat(),
            "detected_at": self.detected_at.isoformat(),
            "reported_at": self.reported_at.isoformat() if self.reported_at else None,
        }


@dataclass(frozen=True, slots=True)
class ReportingAssessment:
    due_at: datetime
    status: ReportingStatus
    liability: Decimal


def assess_reporting(
    record: IncidentRecord,
    *,
    notification_deadlines: Mapping[str, str],
    time_zone: str,
    liability_per_late_report: Decimal,
    liability_per_unreported_case: Decimal,
    now: datetime,
    holidays: Collection[date] = (),
) -> ReportingAssessment:
    """On time, late, unreported or pending, and the liability the contract attaches to it."""
    if record.severity not in notification_deadlines:
        known = ", ".join(notification_deadlines)
        raise ValueError(f"severity {record.severity!r} has no notification deadline ({known})")
    due = deadline_after(
        record.detected_at, notification_deadlines[record.severity], time_zone, holidays
    )
    if record.reported_at is not None:
        if record.reported_at <= due:
            return ReportingAssessment(due, ReportingStatus.ON_TIME, Decimal(0))
        return ReportingAssessment(due, ReportingStatus.LATE, liability_per_late_report)
    if now > due:
        return ReportingAssessment(due, ReportingStatus.UNREPORTED, liability_per_unreported_case)
    return ReportingAssessment(due, ReportingStatus.PENDING, Decimal(0))
