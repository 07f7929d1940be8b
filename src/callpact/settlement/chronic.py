"""Chronic breach: the contract's rule over a KPI's monthly history gives a termination right.

The rule is ``consecutive_months: N`` (N misses in a row) and/or ``in_window: [M, K]`` (M misses
within any K consecutive months). Only **missed** months count; a not-measurable month (or a
month without a result) is not a miss and breaks a run. The right arises at the end of the
month that completes the pattern; notice can be given the next day, so the earliest date the
termination can take effect is the first day of the following month plus the notice days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from callpact.settlement.months import add_months, first_day
from callpact.settlement.rules import KpiStatus
from callpact.settlement.terms import ChronicRule


@dataclass(frozen=True, slots=True)
class ChronicCount:
    """Where a KPI stands against the rule after the last month of its history."""

    kpi_id: str
    run: int  # misses in a row ending with the last month
    in_window: int  # misses within the last K months
    triggered_in: str | None  # the latest month whose end completed the pattern
    rule: str | None


@dataclass(frozen=True, slots=True)
class TerminationRight:
    kpi_id: str
    triggered_in: str
    rule: str
    notice_from: date
    earliest_effective: date


def rule_words(rule: ChronicRule) -> list[str]:
    words = []
    if rule.consecutive_months:
        words.append(f"{rule.consecutive_months} consecutive months missed")
    if rule.in_window:
        words.append(f"{rule.in_window[0]} of {rule.in_window[1]} months missed")
    return words


def chronic_count(
    kpi_id: str, months: Sequence[str], statuses: Sequence[KpiStatus], rule: ChronicRule
) -> ChronicCount:
    """Scan one KPI's months (consecutive, oldest first) against the chronic-breach rule."""
    run = 0
    triggered: str | None = None
    why: str | None = None
    for i, (month, status) in enumerate(zip(months, statuses, strict=True)):
        run = run + 1 if status is KpiStatus.MISSED else 0
        window_misses = 0
        if rule.in_window:
            size = rule.in_window[1]
            window = statuses[max(0, i - size + 1) : i + 1]
            window_misses = sum(1 for s in window if s is KpiStatus.MISSED)
        if rule.consecutive_months and run >= rule.consecutive_months:
            triggered, why = month, f"{run} consecutive months missed"
        elif rule.in_window and window_misses >= rule.in_window[0]:
            triggered = month
            why = f"{window_misses} of the last {rule.in_window[1]} months missed"
    last_window = 0
    if rule.in_window and statuses:
        last_window = sum(1 for s in statuses[-rule.in_window[1] :] if s is KpiStatus.MISSED)
    return ChronicCount(kpi_id, run, last_window, triggered, why)


def termination_right(count: ChronicCount, rule: ChronicRule) -> TerminationRight | None:
    if count.triggered_in is None or count.rule is None:
        return None
    notice_from = first_day(add_months(count.triggered_in, 1))
    return TerminationRight(
        count.kpi_id,
        count.triggered_in,
        count.rule,
        notice_from,
        notice_from + timedelta(days=rule.notice_days),
    )
