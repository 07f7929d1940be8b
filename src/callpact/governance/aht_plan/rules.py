"""The AHT plan's target trajectory and its comparison with actual monthly AHT.

The annex gives a baseline and targets for some months (``2027-03: 460``). The target for any
month is read off a straight line from the baseline, at the contract's first month, through each
given point; after the last point the target stays at its value. Actual AHT at or below the
target is on track.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction


def month_index(month: str) -> int:
    year, _, number = month.partition("-")
    value = int(number)
    if not 1 <= value <= 12:
        raise ValueError(f"not a month: {month!r} (write YYYY-MM)")
    return int(year) * 12 + value - 1


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def target_for_month(
    month: str, *, start_month: str, baseline_s: int, trajectory: Mapping[str, int]
) -> Fraction:
    """The target AHT (seconds, exact) for ``month``; the baseline before the first month."""
    points = sorted(
        [(month_index(start_month), Fraction(baseline_s))]
        + [(month_index(m), Fraction(v)) for m, v in trajectory.items()]
    )
    at = month_index(month)
    if at <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= at <= x1:
            if x1 == x0:
                return y1
            return y0 + (y1 - y0) * Fraction(at - x0, x1 - x0)
    return points[-1][1]


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    month: str
    target_s: Fraction
    actual_s: float | None

    @property
    def gap_s(self) -> float | None:
        """Actual minus target: positive means slower than planned."""
        return None if self.actual_s is None else self.actual_s - float(self.target_s)

    @property
    def on_track(self) -> bool | None:
        return None if self.actual_s is None else self.actual_s <= self.target_s


OPEN_STATUSES = ("planned", "in_progress")
WITHDRAWN = "withdrawn"
NOT_YET_IN_FORCE = "not_yet_in_force"


def measure_overdue(*, status: str, due_on: date, today: date) -> bool:
    """An open measure is overdue from the day after its due date (the contract's local date)."""
    return status in OPEN_STATUSES and today > due_on


def status_on(
    *, status: str, withdrawn_on: date | None, day: date, effective_from: date | None = None
) -> str:
    """A measure's status on the local date ``day``.

    A measure an amendment adds to the annex is ``not_yet_in_force`` before the amendment's
    effective date: the contract does not require it yet, so it is neither open nor overdue.
    An amendment that removes a measure from the annex withdraws it from its effective date: a
    measure still open then is ``withdrawn`` from that day on, and keeps its own status before
    it (the plan as it stood then is not rewritten). A measure already done or dropped keeps
    that status: the amendment takes nothing from work finished or closed before it."""
    if effective_from is not None and day < effective_from:
        return NOT_YET_IN_FORCE
    if withdrawn_on is not None and day >= withdrawn_on and status in OPEN_STATUSES:
        return WITHDRAWN
    return status


def withdrawal_date(
    listings: Sequence[tuple[date, Collection[str]]], measure_id: str
) -> date | None:
    """The day the annex withdraws ``measure_id`` from the plan, given each version's effective
    date and the measure ids it lists, oldest first: the effective date of the first version
    after the last one listing it. None while the newest version lists it, and for an id no
    version lists (a measure the parties added by hand is theirs to close, not the annex's)."""
    last_listing = None
    for index, (_, listed) in enumerate(listings):
        if measure_id in listed:
            last_listing = index
    if last_listing is None or last_listing == len(listings) - 1:
        return None
    return listings[last_listing + 1][0]


def addition_date(listings: Sequence[tuple[date, Collection[str]]], measure_id: str) -> date | None:
    """The day the annex adds ``measure_id`` to the plan, given each version's effective date
    and the measure ids it lists, oldest first: the effective date of the first version listing
    it. None when the first version lists it (in the plan from the contract's start) and for an
    id no version lists (a measure the parties added by hand is in the plan from the day they
    added it)."""
    for index, (effective_from, listed) in enumerate(listings):
        if measure_id in listed:
            return None if index == 0 else effective_from
    return None
