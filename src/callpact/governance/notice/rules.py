"""A breach notice's cure clock: the annex's cure clause (:mod:`callpact.contracts.cure`) as it
stands today.

With ``notice_required: true`` the notice itself opens the cure period (``in_cure`` from the
notice's local date); without it the period ran from the day after the breached month, and a
notice is the written record of the breach. The client's decisions (``grant``, ``extend``,
``waive``) move the clock as the cure clause says. ``awaiting_decision``: no period runs yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from callpact.contracts.cure import CureDecisionFact, cure_period


class CureState(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    IN_CURE = "in_cure"
    CURE_PERIOD_OVER = "cure_period_over"
    WAIVED = "waived"


@dataclass(frozen=True, slots=True)
class CureClock:
    state: CureState
    cure_ends_on: date | None


def cure_clock(
    month: str,
    decisions: Sequence[CureDecisionFact],
    *,
    default_days: int,
    notice_required: bool,
    noticed_on: date,
    today: date,
) -> CureClock:
    period = cure_period(
        month,
        period_days=default_days,
        notice_required=notice_required,
        noticed_on=noticed_on,
        decisions=decisions,
    )
    if period.waived_on is not None:
        return CureClock(CureState.WAIVED, None)
    if period.ends_on is None:
        return CureClock(CureState.AWAITING_DECISION, None)
    state = CureState.IN_CURE if today <= period.ends_on else CureState.CURE_PERIOD_OVER
    return CureClock(state, period.ends_on)
