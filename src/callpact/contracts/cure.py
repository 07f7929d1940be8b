"""When a breach's cure period runs: the one reading of the annex's cure clause.

Governance (a notice's cure clock) and settlement (which credits a cure suspends) both ask
this module, so the two never disagree by a day.

* ``notice_required: false`` — the cure period starts by itself, the day after the breached
  month.
* ``notice_required: true`` — it starts on the day of the client's written breach notice (the
  contract's local date). A breach the client never notices has no cure period: it is settled by
  the tiers.
* The client's decisions on the breach, oldest first: ``grant`` starts a period of ``days``
  (default ``period_days``) on the decision's day; ``extend`` adds ``days`` to a running period;
  ``waive`` waives the cure period (the breach stands). Each lasts ``days`` days, the first day
  included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

DECISIONS = ("grant", "waive", "extend")


@dataclass(frozen=True, slots=True)
class CureDecisionFact:
    """A client's decision on one breach, dated on the contract's local day."""

    decision: str
    days: int | None
    decided_on: date


@dataclass(frozen=True, slots=True)
class CurePeriod:
    """``starts_on``/``ends_on`` (inclusive) are None while no period runs (awaiting the
    client's notice); ``waived_on`` is the day the client waived it."""

    starts_on: date | None
    ends_on: date | None
    waived_on: date | None = None


def first_day_after(month: str) -> date:
    """The first day of the month after ``month`` (YYYY-MM)."""
    year, number = (int(part) for part in month.split("-"))
    return date(year + number // 12, number % 12 + 1, 1)


def cure_period(
    breached_month: str,
    *,
    period_days: int,
    notice_required: bool,
    noticed_on: date | None,
    decisions: Sequence[CureDecisionFact] = (),
) -> CurePeriod:
    """The cure period of the breach of ``breached_month`` under the cure clause."""
    starts: date | None = noticed_on if notice_required else first_day_after(breached_month)
    ends = starts + timedelta(days=period_days - 1) if starts is not None else None
    for fact in sorted(decisions, key=lambda d: d.decided_on):
        if fact.decision == "waive":
            return CurePeriod(starts, ends, waived_on=fact.decided_on)
        if fact.decision == "grant":
            starts = fact.decided_on
            ends = starts + timedelta(days=(fact.days or period_days) - 1)
        elif fact.decision == "extend":
            if ends is None:
                raise ValueError("a cure period can only be extended once it runs")
            ends += timedelta(days=fact.days or 0)
    return CurePeriod(starts, ends)


def check_decision(
    previous: Sequence[CureDecisionFact], decision: str, days: int | None, *, running: bool
) -> str | None:
    """Why ``decision`` cannot follow ``previous`` (``running``: a notice already opened the
    period), or None when it can."""
    if decision not in DECISIONS:
        return f"a cure decision is {', '.join(DECISIONS)}, not {decision!r}"
    kinds = [fact.decision for fact in previous]
    if "waive" in kinds:
        return "the cure period was waived; no further decision applies"
    if decision == "grant" and "grant" in kinds:
        return "a cure period was already granted; extend it instead"
    if decision == "extend" and "grant" not in kinds and not running:
        return "grant a cure period before extending it"
    if decision == "extend" and (days is None or days <= 0):
        return "an extension needs a positive number of days"
    if decision == "grant" and days is not None and days <= 0:
        return "a cure period needs a positive number of days"
    return None
