"""Backtest a contract on history, and simulate its exposure by resampling days.

``backtest`` settles every month of a range in order (cure, earn-back and chronic carried) and
returns one row per month. ``simulate`` builds synthetic years: each synthetic month is made of
days drawn with replacement from the history (a block bootstrap whose block is one day, which
keeps each day's intraday pattern), a KPI's monthly value being the sample-weighted mean of its
days' values (exact for ratios and means whose sample is their denominator; an approximation
for FCR, whose repeat window crosses days). Each synthetic year is settled like a real one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from callpact.settlement.cure import CureDecision
from callpact.settlement.ledger import MonthInput, MonthSettlement, settle_months
from callpact.settlement.months import add_months
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.terms import SettlementTerms


@dataclass(frozen=True, slots=True)
class DayResult:
    """One KPI on one day: its value and sample (the denominator)."""

    value: Decimal
    sample: int


@dataclass(frozen=True, slots=True)
class Exposure:
    runs: int
    months: int
    mean: Decimal
    p5: Decimal
    p95: Decimal
    chronic_probability: Decimal
    net: tuple[Decimal, ...]


def backtest(
    months: Sequence[MonthInput], decisions: Sequence[CureDecision] = ()
) -> list[MonthSettlement]:
    return settle_months(months, decisions=decisions)


def _percentile(sorted_values: Sequence[Decimal], q: int) -> Decimal:
    # nearest-rank percentile: an amount that actually occurred
    rank = max(1, -(-q * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def _month_outcomes(
    terms: SettlementTerms, days: Sequence[Mapping[str, DayResult]]
) -> dict[str, KpiOutcome]:
    out: dict[str, KpiOutcome] = {}
    for kpi in terms.kpis:
        found = [d[kpi.kpi_id] for d in days if kpi.kpi_id in d]
        sample = sum(r.sample for r in found)
        value = sum((r.value * r.sample for r in found), Decimal(0)) / sample if sample else None
        status = KpiStatus(kpi.status_of(value, sample))
        out[kpi.kpi_id] = KpiOutcome(kpi.kpi_id, status, value, sample)
    return out


def simulate(
    terms: SettlementTerms,
    days: Sequence[Mapping[str, DayResult]],
    *,
    runs: int,
    seed: int,
    months_per_run: int = 12,
    days_per_month: int = 30,
) -> Exposure:
    """Distribution of the monthly net adjustment and the chance of a chronic breach in a year."""
    if not days:
        raise ValueError("no daily results to resample")
    rng = random.Random(seed)
    net: list[Decimal] = []
    chronic = 0
    for _ in range(runs):
        months = []
        for m in range(months_per_run):
            drawn = [days[rng.randrange(len(days))] for _ in range(days_per_month)]
            months.append(
                MonthInput(add_months("2000-01", m), terms, _month_outcomes(terms, drawn))
            )
        settled = settle_months(months)
        net.extend(s.net_adjustment for s in settled)
        chronic += any(s.termination for s in settled)
    ordered = sorted(net)
    mean = (sum(ordered, Decimal(0)) / len(ordered)).quantize(terms.rounding.unit)
    return Exposure(
        runs,
        months_per_run,
        mean,
        _percentile(ordered, 5),
        _percentile(ordered, 95),
        (Decimal(chronic) / runs).quantize(Decimal("0.001")),
        tuple(net),
    )
