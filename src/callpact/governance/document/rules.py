"""When a required document is due and where it stands.

A document is due on the contract's start date plus ``due_days_after_start`` days, at the end of
that day in the contract's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from callpact.governance.deadlines import local_date


class DocumentStatus(StrEnum):
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"
    PENDING = "pending"
    OVERDUE = "overdue"


def due_date(start: date, due_days_after_start: int) -> date:
    return start + timedelta(days=due_days_after_start)


def document_status(
    *, due_on: date, submitted_at: datetime | None, now: datetime, time_zone: str
) -> DocumentStatus:
    if submitted_at is not None:
        on_time = local_date(submitted_at, time_zone) <= due_on
        return DocumentStatus.SUBMITTED if on_time else DocumentStatus.SUBMITTED_LATE
    if local_date(now, time_zone) > due_on:
        return DocumentStatus.OVERDUE
    return DocumentStatus.PENDING
