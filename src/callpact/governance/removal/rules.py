"""The removal clock: the vendor answers within ``vendor_response_days`` and replaces the person
within ``replacement_days``, both counted in calendar days from the moment of the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ClockState(StrEnum):
    DONE = "done"  # done by the deadline
    LATE = "late"  # done, after the deadline
    PENDING = "pending"  # not done, deadline still ahead
    OVERDUE = "overdue"  # not done, deadline passed
    NOT_REQUIRED = "not_required"


@dataclass(frozen=True, slots=True)
class RemovalClock:
    response_due: datetime
    replacement_due: datetime
    response: ClockState
    replacement: ClockState

    @property
    def overdue(self) -> bool:
        return ClockState.OVERDUE in (self.response, self.replacement)


def clock_state(due: datetime, done_at: datetime | None, now: datetime) -> ClockState:
    if done_at is not None:
        return ClockState.DONE if done_at <= due else ClockState.LATE
    return ClockState.PENDING if now <= due else ClockState.OVERDUE


def removal_clock(
    *,
    requested_at: datetime,
    response_days: int,
    replacement_days: int,
    responded_at: datetime | None,
    response: str | None,
    replaced_at: datetime | None,
    now: datetime,
) -> RemovalClock:
    """Where a removal request stands at ``now``. A contested request needs no replacement
    until the client and vendor settle it (the replacement clock shows ``not_required``)."""
    response_due = requested_at + timedelta(days=response_days)
    replacement_due = requested_at + timedelta(days=replacement_days)
    replacement = (
        ClockState.NOT_REQUIRED
        if response == "contested" and replaced_at is None
        else clock_state(replacement_due, replaced_at, now)
    )
    return RemovalClock(
        response_due=response_due,
        replacement_due=replacement_due,
        response=clock_state(response_due, responded_at, now),
        replacement=replacement,
    )
