"""Backtest a contract on history, and simulate its exposure by resampling days.

``backtest`` settles every month of a range in order (cure, earn-back and chronic carried) and
``backtest_rows`` turns the months into rows a negotiator reads: KPI values, tiers, credits,
bonuses and the cure and chronic-breach events of each month.

``simulate`` builds synthetic years: each synthetic month is made of days drawn with replacement
from the history (a block bootstrap whose block is one day, which keeps each day's intraday
pattern), a KPI's monthly value being the sample-weighted mean of its days' values (exact for
ratios and means whose sample is their denominator; an approximation for FCR, whose repeat
window crosses days). Each synthetic year is settled like a real one, so cure periods,
earn-back and the chronic-breach rule act inside it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from callpact.settlement.cure import CureDecision, EpisodeState
from callpact.settlement.incidents import IncidentAssessment
from callpact.settlement.ledger import MonthInput, MonthSettlement, settle_months
from callpact.settlement.money import decimal_text, money_text
from callpact.settlement.months import add_months
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.terms import SettlementTerms, Volumes

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class DayResult:
    """One KPI on one day: its value and sample (the denominator)."""

    value: Decimal
    sample: int


@dataclass(frozen=True, slots=True)
class Exposure:
    """The simulated distribution of the monthly net adjustment (bonuses + earn-back − credits;
    negative when the vendor pays back) and the share of synthetic years with a chronic breach."""

    runs: int
    months: int
    days_per_month: int
    seed: int
    mean: Decimal
    p5: Decimal
    p95: Decimal
    chronic_probability: Decimal
    net: tuple[Decimal, ...] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "months_per_run": self.months,
            "days_per_month": self.days_per_month,
            "seed": self.seed,
            "method": "block bootstrap by day (days drawn with replacement)",
            "net_adjustment": {
                "mean": money_text(self.mean),
                "p5": money_text(self.p5),
                "p95": money_text(self.p95),
            },
            "chronic_breach_probability": format(self.chronic_probability, "f"),
        }


def backtest(
    months: Sequence[MonthInput],
    decisions: Sequence[CureDecision] = (),
    incidents_by_month: Mapping[str, Sequence[IncidentAssessment]] | None = None,
) -> list[MonthSettlement]:
    """Settle every month of the range in order, as if the contract had been in force."""
    return settle_months(months, decisions=decisions, incidents_by_month=incidents_by_month)


def month_events(settlement: MonthSettlement) -> list[dict[str, Any]]:
    """What happened to breach episodes and termination rights in this month, in words."""
    month = settlement.month
    events: list[dict[str, Any]] = []

    def add(kind: str, kpi_id: str | None, text: str, amount: Decimal | None = None) -> None:
        events.append(
            {
                "kind": kind,
                "kpi_id": kpi_id,
                "amount": None if amount is None else money_text(amount),
                "text": text,
            }
        )

    for episode in settlement.episodes:
        if episode.opened == month:
            ends = f", cure period until {episode.cure_ends_on}" if episode.cure_ends_on else ""
            add("breach_opened", episode.kpi_id, f"{episode.kpi_id}: breach opened{ends}")
        if episode.resolved_in == month and episode.state is EpisodeState.CURED:
            add("cured", episode.kpi_id, f"{episode.kpi_id}: breach of {episode.opened} cured")
        elif episode.resolved_in == month and episode.state is EpisodeState.UNCURED:
            add(
                "not_cured",
                episode.kpi_id,
                f"{episode.kpi_id}: breach of {episode.opened} not cured in time",
            )
        elif episode.resolved_in == month and episode.state is EpisodeState.WAIVED:
            add(
                "cure_waived",
                episode.kpi_id,
                f"{episode.kpi_id}: the client waived the cure period of {episode.opened}",
            )
    for line in settlement.lines:
        if line.kind == "suspended":
            add("credit_suspended", line.kpi_id, line.reason, line.amount)
        elif line.kind == "waived":
            add("credit_waived", line.kpi_id, line.reason, line.amount)
        elif line.kind == "credit" and line.origin != month:
            add("credit_released", line.kpi_id, line.reason, line.amount)
        elif line.kind == "earn_back":
            add("earn_back", line.kpi_id, line.reason, line.amount)
    for right in settlement.termination:
        if right.triggered_in == month:
            add(
                "chronic_breach",
                right.kpi_id,
                f"{right.kpi_id}: chronic breach ({right.rule}); termination right, effective "
                f"{right.earliest_effective} at the earliest",
            )
    return events


def backtest_rows(settlements: Sequence[MonthSettlement]) -> list[dict[str, Any]]:
    """One JSON-ready row per month: totals, each KPI's value and tiers, and the events."""
    rows = []
    for s in settlements:
        rounding = s.terms.rounding
        units = {k.kpi_id: k.unit for k in s.terms.kpis}
        rows.append(
            {
                "period": s.month,
                "contract_version": s.terms.version,
                "fee": money_text(s.fee),
                "credits": money_text(s.credits),
                "bonuses": money_text(s.bonuses),
                "earn_back": money_text(s.earn_back),
                "liabilities": money_text(s.liabilities),
                "net_adjustment": money_text(s.net_adjustment),
                "invoice_total": money_text(s.invoice_total),
                "kpis": [
                    {
                        "kpi_id": a.kpi_id,
                        "status": a.status.value,
                        "value": decimal_text(a.value),
                        "unit": units[a.kpi_id],
                        "sample": a.sample,
                        "penalty_tier": a.penalty.position if a.penalty else None,
                        "reward_tier": a.reward.position if a.reward else None,
                        "assessed_credit": money_text(rounding.apply(a.credit)),
                        "assessed_bonus": money_text(rounding.apply(a.bonus)),
                    }
                    for a in s.assessments
                ],
                "events": month_events(s),
            }
        )
    return rows


def _percentile(sorted_values: Sequence[Decimal], q: int) -> Decimal:
    # nearest-rank percentile: an amount that actually occurred
    rank = max(1, -(-q * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def month_outcomes_from_days(
    terms: SettlementTerms, days: Sequence[Mapping[str, DayResult]]
) -> dict[str, KpiOutcome]:
    """A month's KPI results from its days: sample-weighted mean value, summed sample."""
    out: dict[str, KpiOutcome] = {}
    for kpi in terms.kpis:
        found = [d[kpi.kpi_id] for d in days if kpi.kpi_id in d]
        sample = sum(r.sample for r in found)
        value = sum((r.value * r.sample for r in found), ZERO) / sample if sample else None
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
    volumes: Volumes | None = None,
) -> Exposure:
    """Distribution of the monthly net adjustment and the chance of a chronic breach in a year.

    ``days`` are the historical days' KPI results; ``volumes`` the volumes a synthetic month is
    billed on (per-unit fee models; a fixed fee ignores them). Same seed, same answer.
    """
    if not days:
        raise ValueError("no daily results to resample")
    if runs < 1 or months_per_run < 1 or days_per_month < 1:
        raise ValueError("runs, months per run and days per month must be positive")
    rng = random.Random(seed)
    net: list[Decimal] = []
    chronic = 0
    for _ in range(runs):
        months = []
        for m in range(months_per_run):
            drawn = [days[rng.randrange(len(days))] for _ in range(days_per_month)]
            months.append(
                MonthInput(
                    add_months("2000-01", m),
                    terms,
                    month_outcomes_from_days(terms, drawn),
                    volumes or Volumes(),
                )
            )
        settled = settle_months(months)
        net.extend(s.net_adjustment for s in settled)
        chronic += any(s.termination for s in settled)
    ordered = sorted(net)
    mean = terms.rounding.apply(sum(ordered, ZERO) / len(ordered))
    return Exposure(
        runs,
        months_per_run,
        days_per_month,
        seed,
        mean,
        _percentile(ordered, 5),
        _percentile(ordered, 95),
        (Decimal(chronic) / runs).quantize(Decimal("0.001")),
        tuple(net),
    )
