"""Staffing feasibility of a contract: can the staffing on record meet the service-level targets,
and does the price pay for the productive hours the forecast volume needs?

Pure: the caller reads the contract version (:class:`ContractVersion`), the ``forecast`` rows
and the ``schedules`` rows (interchange columns) and passes them in; the answer is a list of
warnings (:class:`Diagnostic`).

How it reads the inputs (see docs/settlement.md, "Staffing feasibility"):

* A **service-level KPI** (metric ``service_level``) covers the forecast queues the KPI engine
  measures it on (:func:`definitions_from_version`'s ``scope``: the contract's queues of the
  KPI's channels, narrowed to its ``scope.queues`` when it lists some), so staffing is judged on
  the same contacts the KPI is settled on. Its queues are pooled per interval: the calls add
  up, the AHT is their call-weighted mean (agents are taken to serve all of them).
* **Agents needed** in an interval: the smallest staffing meeting the KPI's target within its
  ``threshold_s`` (Erlang C; Erlang A when a customer patience is given).
* **Agents scheduled** in an interval: the time of ``work`` activities overlapping it, divided
  by its length (a schedule does not say which queue an agent serves: every working agent
  counts for every KPI, the optimistic reading). The staffing a month can count on in an
  interval is the whole number of agents below that average.
* **Target unreachable** (``FEA001``): the month's expected service level with the scheduled
  agents (per interval from Erlang, weighted by the interval's calls) is below the target.
  ``FEA002`` names intervals short of the agents needed when the month still holds.
* **Price too low** (``FEA003``, only with ``cost_per_productive_hour``): the month's fee
  (fixed; or per contact, per minute from the forecast volume) divided by the cost of a
  productive hour buys fewer hours than the agents needed work (the sum over intervals of
  agents needed × interval length; KPIs sharing a queue count once, at the larger staffing;
  a queue under no service-level KPI counts its handling time, calls × AHT).
  A per-productive-hour fee pays for every hour worked, so it is never too low by this test.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from callpact.contracts.model import ContractVersion, Fee, Scope
from callpact.diagnostics import Diagnostic, Severity
from callpact.kpi.definitions import KpiDefinition, definitions_from_version
from callpact.staffing.erlang import StaffingInputError, staff_interval, staffing_figures

WORK_ACTIVITIES = frozenset({"work"})


@dataclass(frozen=True, slots=True)
class ServiceLevelKpi:
    """What feasibility needs of one service-level KPI."""

    kpi_id: str
    target: float
    threshold_s: float
    queues: frozenset[str] | None  # None: every queue


@dataclass(frozen=True, slots=True)
class Interval:
    """One forecast interval, the KPI's queues pooled."""

    start: datetime
    seconds: float
    calls: float
    aht_s: float


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no offset")
    return moment.astimezone(UTC)


def kpi_queues(definition: KpiDefinition, scope: Scope) -> frozenset[str] | None:
    """The forecast queues a KPI covers, read off the KPI engine's scope (the contacts the KPI
    is measured on): each ``(channel, queues)`` pair's queues, a channel without a queue list
    standing for all of the contract's queues of that channel; None (every queue) for an empty
    scope. The forecast names queues only, so a queue name is matched whatever its channel."""
    if not definition.scope:
        return None
    queues: set[str] = set()
    for channel, listed in definition.scope:
        queues.update(listed if listed is not None else scope.queues_of(channel))
    return frozenset(queues)


def service_level_kpis(version: ContractVersion) -> list[ServiceLevelKpi]:
    """The version's service-level KPIs with the forecast queues each covers."""
    _, definitions = definitions_from_version(version)
    out = []
    for definition in definitions:
        if definition.metric != "service_level":
            continue
        if definition.target is None or definition.direction != "at_least":
            continue  # only a floor on the service level asks for staff
        out.append(
            ServiceLevelKpi(
                definition.kpi_id,
                float(definition.target),
                float(definition.param("threshold_s")),
                kpi_queues(definition, version.scope),
            )
        )
    return out


#: Above this share of contacts excluded by chance alone, the volume clause is worth a question.
CHANCE_EXCLUSION_WARNING = 0.05


def chance_excluded_share(forecast: Sequence[float], tolerance: float) -> float:
    """The share of the forecast contacts that a ``volume_above_forecast`` clause would exclude
    if arrivals were exactly as forecast, i.e. Poisson with the forecast mean in each queue and
    interval: an interval is excluded when its count N exceeds F × (1 + tolerance), and then all
    its contacts are. E[N · 1{N > c}] = F · P(N ≥ c) for a Poisson N of mean F."""
    from scipy.stats import poisson

    excluded = 0.0
    total = 0.0
    for mean in forecast:
        if mean <= 0:
            continue
        cut = math.floor(mean * (1 + tolerance))
        excluded += mean * float(poisson.sf(cut - 1, mean))
        total += mean
    return excluded / total if total else 0.0


def volume_clause_warnings(
    version: ContractVersion,
    forecast_rows: Sequence[Mapping[str, Any]],
    warn: Callable[[str, str, str, str], None],
) -> None:
    """``FEA005``: a ``volume_above_forecast`` tolerance that randomness alone trips often,
    because the forecast volume per queue and interval is small (the clause is judged there)."""
    _, definitions = definitions_from_version(version)
    for definition in definitions:
        tolerance = None
        for exclusion in definition.exclusions:
            if exclusion.kind == "volume_above_forecast":
                tolerance = exclusion.tolerance
        if tolerance is None:
            continue
        queues = kpi_queues(definition, version.scope)
        forecast = [
            float(row["offered"])
            for row in forecast_rows
            if queues is None or str(row["queue"]) in queues
        ]
        share = chance_excluded_share(forecast, tolerance)
        if share >= CHANCE_EXCLUSION_WARNING and forecast:
            kpi_id = definition.kpi_id
            mean = sum(forecast) / len(forecast)
            warn(
                "FEA005",
                f"{kpi_id}: with about {mean:.1f} contacts forecast per queue and interval, "
                f"chance alone takes {share:.0%} of the contacts above the forecast "
                f"+{tolerance:.0%} and out of the KPI",
                "judge the volume clause per day or over all the KPI's queues, add a minimum "
                "excess in contacts, or widen the tolerance",
                kpi_id,
            )


def pooled_intervals(
    forecast_rows: Sequence[Mapping[str, Any]], queues: frozenset[str] | None
) -> list[Interval]:
    """The forecast rows of ``queues`` pooled per interval start, oldest first."""
    pooled: dict[datetime, list[float]] = {}
    for row in forecast_rows:
        if queues is not None and str(row["queue"]) not in queues:
            continue
        start = _instant(row["interval_start"])
        calls = float(row["offered"] or 0)
        aht = float(row["aht_s"] or 0)
        seconds = float(row["interval_minutes"]) * 60
        entry = pooled.setdefault(start, [seconds, 0.0, 0.0])
        entry[0] = max(entry[0], seconds)
        entry[1] += calls
        entry[2] += calls * aht
    return [
        Interval(start, seconds, calls, work / calls if calls else 0.0)
        for start, (seconds, calls, work) in sorted(pooled.items())
    ]


def scheduled_agents(
    schedule_rows: Sequence[Mapping[str, Any]], grid: Sequence[tuple[datetime, float]]
) -> dict[datetime, float]:
    """Average agents on ``work`` in each interval of ``grid`` (start, seconds)."""
    starts = [start for start, _ in grid]
    seconds = dict(grid)
    covered = dict.fromkeys(starts, 0.0)
    for row in schedule_rows:
        if str(row.get("activity")) not in WORK_ACTIVITIES:
            continue
        begins, ends = _instant(row["starts_at"]), _instant(row["ends_at"])
        i = max(0, bisect.bisect_right(starts, begins) - 1)
        while i < len(starts) and starts[i] < ends:
            start = starts[i]
            stop = start + timedelta(seconds=seconds[start])
            overlap = (min(stop, ends) - max(start, begins)).total_seconds()
            if overlap > 0:
                covered[start] += overlap
            i += 1
    return {start: covered[start] / seconds[start] for start in starts}


def _month(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def _fee_for(fee: Fee, calls: float, handle_s: float) -> Decimal | None:
    if fee.model == "fixed_monthly":
        return fee.amount
    if fee.model == "per_contact":
        return fee.amount * Decimal(repr(calls))
    if fee.model == "per_minute":
        return fee.amount * Decimal(repr(handle_s)) / 60
    return None  # per productive hour: every hour worked is paid


def _needed(kpi: ServiceLevelKpi, interval: Interval, patience_s: float | None) -> int:
    if interval.calls <= 0 or interval.aht_s <= 0:
        return 0
    return staff_interval(
        interval.calls,
        interval.seconds,
        interval.aht_s,
        kpi.target,
        kpi.threshold_s,
        patience_s=patience_s,
    ).agents


def feasibility_warnings(
    version: ContractVersion,
    forecast_rows: Sequence[Mapping[str, Any]],
    schedule_rows: Sequence[Mapping[str, Any]],
    *,
    source: str = "contract",
    patience_s: float | None = None,
    cost_per_productive_hour: Decimal | None = None,
    kpi_lines: Mapping[str, int] | None = None,
) -> list[Diagnostic]:
    """Warnings when a service-level target is out of reach with the staffing on record, or
    the price pays for fewer productive hours than the forecast needs (see the module doc).

    ``version``: the contract version governing the forecast;
    ``forecast_rows``/``schedule_rows``: interchange ``forecast`` and ``schedules`` rows;
    ``source``/``kpi_lines``: where to point the warnings (the contract file, a KPI's line).
    """
    lines = kpi_lines or {}
    zone = version.contract.zone
    out: list[Diagnostic] = []

    def warn(code: str, message: str, hint: str, kpi_id: str = "") -> None:
        field = f"kpis[{kpi_id}]" if kpi_id else "contract.fee"
        line = lines.get(kpi_id, 0) if kpi_id else lines.get("contract.fee", 0)
        out.append(Diagnostic(source, line, 0, Severity.WARNING, code, message, hint, field))

    kpis = service_level_kpis(version)
    # month → interval start → {kpi_id: agents needed}, for the price check
    needed_by_interval: dict[datetime, dict[str, int]] = {}
    interval_seconds: dict[datetime, float] = {}
    for kpi in kpis:
        intervals = pooled_intervals(forecast_rows, kpi.queues)
        if not intervals:
            continue
        scheduled = (
            scheduled_agents(schedule_rows, [(i.start, i.seconds) for i in intervals])
            if schedule_rows
            else None
        )
        months: dict[str, list[tuple[Interval, int, float | None, float | None]]] = {}
        for interval in intervals:
            try:
                need = _needed(kpi, interval, patience_s)
            except StaffingInputError as error:
                warn(
                    "FEA004",
                    f"{kpi.kpi_id}: cannot staff {interval.start}: {error}",
                    "",
                    kpi.kpi_id,
                )
                continue
            needed_by_interval.setdefault(interval.start, {})[kpi.kpi_id] = need
            interval_seconds[interval.start] = interval.seconds
            have: float | None = None
            reached: float | None = None
            if scheduled is not None:
                have = scheduled[interval.start]
                if interval.calls > 0 and interval.aht_s > 0:
                    reached = staffing_figures(
                        math.floor(have + 1e-9),
                        interval.calls,
                        interval.seconds,
                        interval.aht_s,
                        threshold_s=kpi.threshold_s,
                        patience_s=patience_s,
                    ).service_level
            months.setdefault(_month(interval.start, zone), []).append(
                (interval, need, have, reached)
            )
        if scheduled is None:
            continue
        for month, rows in sorted(months.items()):
            calls = sum(i.calls for i, _, _, _ in rows)
            if calls <= 0:
                continue
            expected = sum(i.calls * (r or 0.0) for i, _, _, r in rows if r is not None) / calls
            short = [(i, n, h) for i, n, h, _ in rows if h is not None and h < n]
            where = ""
            if short:
                worst = max(short, key=lambda s: s[1] - (s[2] or 0.0))
                local = worst[0].start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                where = (
                    f"; {len(short)} of {len(rows)} intervals short of the agents needed "
                    f"(worst {local}: {worst[1]} needed, {worst[2] or 0.0:.1f} scheduled)"
                )
            if expected < kpi.target:
                warn(
                    "FEA001",
                    f"{kpi.kpi_id}: the staffing on record answers about {expected:.1%} of "
                    f"{month}'s forecast contacts within {kpi.threshold_s:g} s, below the "
                    f"target {kpi.target:.0%}{where}",
                    "schedule more agents in the short intervals, or negotiate the target",
                    kpi.kpi_id,
                )
            elif short:
                warn(
                    "FEA002",
                    f"{kpi.kpi_id}: {month} meets {kpi.target:.0%} on the forecast "
                    f"(about {expected:.1%}), but{where[1:]}",
                    "the month holds only if the busy intervals do not slip",
                    kpi.kpi_id,
                )

    volume_clause_warnings(version, forecast_rows, warn)
    if cost_per_productive_hour is not None and cost_per_productive_hour > 0:
        # a queue the contract does not hand over is not the vendor's work to price
        handed_over = version.scope.queues()
        _price_check(
            version.contract.fee,
            forecast_rows=[row for row in forecast_rows if str(row["queue"]) in handed_over],
            kpis=kpis,
            needed_by_interval=needed_by_interval,
            interval_seconds=interval_seconds,
            zone=zone,
            cost=cost_per_productive_hour,
            warn=warn,
        )
    return out


def _price_check(
    fee_terms: Fee,
    *,
    forecast_rows: Sequence[Mapping[str, Any]],
    kpis: Sequence[ServiceLevelKpi],
    needed_by_interval: Mapping[datetime, Mapping[str, int]],
    interval_seconds: Mapping[datetime, float],
    zone: ZoneInfo,
    cost: Decimal,
    warn: Callable[..., None],
) -> None:
    groups = _overlapping_groups(kpis)
    hours: dict[str, float] = {}
    for start, needs in needed_by_interval.items():
        agents = sum(max((needs.get(k, 0) for k in group), default=0) for group in groups)
        month = _month(start, zone)
        hours[month] = hours.get(month, 0.0) + agents * interval_seconds[start] / 3600
    covered: set[str] | None = set()
    for kpi in kpis:
        covered = None if covered is None or kpi.queues is None else covered | kpi.queues
    volume: dict[str, list[float]] = {}
    for row in forecast_rows:
        month = _month(_instant(row["interval_start"]), zone)
        calls = float(row["offered"] or 0)
        work_s = calls * float(row["aht_s"] or 0)
        entry = volume.setdefault(month, [0.0, 0.0])
        entry[0] += calls
        entry[1] += work_s
        if covered is not None and str(row["queue"]) not in covered:
            # A queue without a service-level target still needs its handling time worked.
            hours[month] = hours.get(month, 0.0) + work_s / 3600
    for month, needed in sorted(hours.items()):
        calls, handle_s = volume.get(month, [0.0, 0.0])
        fee = _fee_for(fee_terms, calls, handle_s)
        if fee is None:
            continue
        affordable = float(fee / cost)
        if affordable < needed:
            warn(
                "FEA003",
                f"the fee for {month} ({fee.quantize(Decimal('0.01'))}) buys about "
                f"{affordable:,.0f} productive hours at {cost} an hour, but the forecast needs "
                f"about {needed:,.0f} to meet the service-level targets",
                "raise the price, lower the targets, or check the forecast",
            )


def _overlapping_groups(kpis: Sequence[ServiceLevelKpi]) -> list[list[str]]:
    """KPIs whose queues overlap (or that cover every queue) form one group."""
    groups: list[tuple[set[str] | None, list[str]]] = []
    for kpi in kpis:
        queues = None if kpi.queues is None else set(kpi.queues)
        merged_queues, merged_ids = queues, [kpi.kpi_id]
        keep = []
        for group_queues, ids in groups:
            if merged_queues is None or group_queues is None or merged_queues & group_queues:
                merged_queues = (
                    None
                    if merged_queues is None or group_queues is None
                    else merged_queues | group_queues
                )
                merged_ids += ids
            else:
                keep.append((group_queues, ids))
        groups = [*keep, (merged_queues, merged_ids)]
    return [ids for _, ids in groups]
