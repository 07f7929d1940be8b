"""The cure clock after a breach notice, driven by the client's decisions.

* ``grant``: a cure period of ``days`` (default: the contract's ``cure.period_days``) starts on
  the day of the decision (contract's local date); it ends after that many days.
* ``extend``: adds ``days`` to a granted cure period that has not been waived.
* ``waive``: the client waives the cure period; the breach stands at once (credits apply).

A notice with no decision yet is ``awaiting_decision``. The cure period's last day is
``cure_ends_on`` (inclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DECISIONS = ("grant", "waive", "extend")


class CureState(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    IN_CURE = "in_cure"
    CURE_PERIOD_OVER = "cure_period_over"
    WAIVED = "waived"


@dataclass(frozen=True, slots=True)
class DecisionFact:
    decision: str
    days: int | None
    decided_on: date


@dataclass(frozen=True, slots=True)
class CureClock:
    state: CureState
    cure_ends_on: date | None


def cure_clock(decisions: Sequence[DecisionFact], *, default_days: int, today: date) -> CureClock:
    ends: date | None = None
    for fact in decisions:
        if fact.decision == "waive":
            return CureClock(CureState.WAIVED, None)
        if fact.decision == "grant":
            days = fact.days if fact.days is not None else default_days
            ends = fact.decided_on + timedelta(days=days - 1)
        elif fact.decision == "extend":
            if ends is None:
                raise ValueError("a cure period can only be extended once granted")
            ends += timedelta(days=fact.days or 0)
    if ends is None:
        return CureClock(CureState.AWAITING_DECISION, None)
    return CureClock(CureState.IN_CURE if today <= ends else CureState.CURE_PERIOD_OVER, ends)


def check_decision(previous: Sequence[DecisionFact], decision: str, days: int | None) -> str | None:
    """Why this decision cannot follow the previous ones, or None when it can."""
    if decision not in DECISIONS:
        return f"a cure decision is {', '.join(DECISIONS)}, not {decision!r}"
    kinds = [fact.decision for fact in previous]
    if "waive" in kinds:
        return "the cure period was waived; no further decision applies"
    if decision == "grant" and "grant" in kinds:
        return "a cure period was already granted; extend it instead"
    if decision == "extend" and "grant" not in kinds:
        return "grant a cure period before extending it"
    if decision == "extend" and (days is None or days <= 0):
        return "an extension needs a positive number of days"
    if decision == "grant" and days is not None and days <= 0:
        return "a cure period needs a positive number of days"
    return None
