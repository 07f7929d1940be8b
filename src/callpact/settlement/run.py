"""Run a settlement from paths: what ``callpact settle`` and ``statement verify`` call.

Opens the data (a workspace or a raw interchange folder), fingerprints its tables, measures
volumes, reads incidents, and provides the KPI results of any month — from a results file
(``--results``: ``{"YYYY-MM": {"kpi-id": {"status", "value", "sample", "ci"}}}``) or from the KPI
engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from callpact.diagnostics import Diagnostic, Severity
from callpact.settlement.backtest import (
    DayResult,
    Exposure,
    backtest,
    backtest_rows,
    month_outcomes_from_days,
    simulate,
)
from callpact.settlement.cure import CureDecision
from callpact.settlement.incidents import Incident, IncidentAssessment, assess_incidents
from callpact.settlement.inputs import (
    incidents_from_rows,
    measure_volumes,
    month_bounds_utc,
    read_decisions_file,
    read_incidents_file,
    read_outage_decisions,
)
from callpact.settlement.ledger import MonthInput, MonthSettlement, unmatched_decisions
from callpact.settlement.missing_data import exclusion_gaps, undelivered_kpis
from callpact.settlement.months import month_index, month_range, parse_month
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.service import (
    AnnexContract,
    ContractSource,
    ResultsFor,
    SettleInputs,
    SettleResult,
    VolumesFor,
    incident_terms_of,
    settle_period,
)
from callpact.settlement.statement import outcome_from_json
from callpact.settlement.terms import SettlementTerms, Volumes

FINGERPRINTED = (
    "contacts", "surveys", "qa_evaluations", "agent_states", "schedules", "forecast",
    "feedback", "incidents", "verbatim_judgements",
)  # fmt: skip


@dataclass
class Paths:
    contract: Path
    data: Path | None
    period: str
    history: Path | None = None
    incidents: Path | None = None
    decisions: Path | None = None
    results: Path | None = None
    outages: Path | None = None  # the client's outage decisions (callpact outage export)

    def named(self) -> dict[str, str | None]:
        """The inputs as the statement names them (``inputs``), so that either party can
        re-derive it from the same files with no flags (``statement verify``)."""
        return {
            "contract": str(self.contract),
            "data": _named(self.data),
            "history": _named(self.history),
            "incidents": _named(self.incidents),
            "decisions": _named(self.decisions),
            "results": _named(self.results),
            "outages": _named(self.outages),
        }

    @classmethod
    def of_statement(cls, stated: Mapping[str, Any], **given: Path | None) -> Paths:
        """The inputs a statement names, each replaced by the one ``given`` where not None."""
        named = stated.get("inputs") or {}

        def pick(key: str) -> Path | None:
            chosen = given.get(key)
            if chosen is not None:
                return chosen
            return Path(named[key]) if named.get(key) else None

        contract = pick("contract")
        if contract is None:
            raise LookupError(
                "the statement names no contract file (it was settled before statements named "
                "their inputs): give --contract and the other inputs"
            )
        return cls(
            contract,
            pick("data"),
            str(stated["period"]),
            pick("history"),
            pick("incidents"),
            pick("decisions"),
            pick("results"),
            pick("outages"),
        )


def _named(path: Path | None) -> str | None:
    return None if path is None else str(path)


def load_contract(path: Path) -> AnnexContract:
    return AnnexContract.read(path)


@dataclass
class ResultsFile:
    """KPI results read from a file instead of the engine: per month and, for simulation,
    per day (local dates of the contract's time zone)."""

    months: dict[str, dict[str, KpiOutcome]]
    days: dict[str, dict[str, DayResult]]


def read_results_file(path: Path) -> ResultsFile:
    """``{"months": {"YYYY-MM": {kpi: {status, value, sample, ci}}}, "days": {"YYYY-MM-DD":
    {kpi: {value, sample}}}}``; a bare ``{"YYYY-MM": …}`` mapping is the months alone."""
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a results file is a JSON object")
    months = data["months"] if "months" in data else {k: v for k, v in data.items() if k != "days"}
    out_months: dict[str, dict[str, KpiOutcome]] = {}
    for month, kpis in months.items():
        parse_month(month)
        out_months[month] = {k: outcome_from_json(k, v) for k, v in kpis.items()}
    out_days: dict[str, dict[str, DayResult]] = {}
    for day, kpis in (data.get("days") or {}).items():
        date.fromisoformat(day)
        out_days[day] = {
            k: DayResult(Decimal(str(v["value"])), int(v.get("sample") or 0))
            for k, v in kpis.items()
            if v.get("value") is not None
        }
    return ResultsFile(out_months, out_days)


def results_from_file(path: Path, contract: ContractSource | None = None) -> ResultsFor:
    """Month results from a results file; a month given only by its days is aggregated from
    them (sample-weighted, as the simulation does)."""
    found = read_results_file(path)
    if contract is not None:  # read at once, so a contradiction is reported as the file's
        for month, outcomes in found.months.items():
            _check_stated_status(path, month, contract.terms_on(month), outcomes)

    def results_for(month: str) -> Mapping[str, KpiOutcome]:
        if month in found.months:
            return found.months[month]
        days = [v for d, v in sorted(found.days.items()) if d[:7] == month]
        if days and contract is not None:
            return month_outcomes_from_days(contract.terms_on(month), days)
        return {}

    return results_for


def _check_stated_status(
    path: Path, month: str, terms: SettlementTerms, outcomes: Mapping[str, KpiOutcome]
) -> None:
    """A stated status is trusted only where value, sample, minimum sample and target give it:
    a "missed" on a sample below the minimum would otherwise count toward chronic breach."""
    for kpi in terms.kpis:
        outcome = outcomes.get(kpi.kpi_id)
        if outcome is None:
            continue
        expected = kpi.status_of(outcome.value, outcome.sample)
        # the KPI engine calls an empty sample not measurable whatever the minimum
        allowed = {expected, KpiStatus.NOT_MEASURABLE.value} if outcome.sample <= 0 else {expected}
        if outcome.status.value not in allowed:
            raise ValueError(
                f"{path}: {month} {kpi.kpi_id}: stated status {outcome.status.value!r} "
                f"contradicts value {outcome.value}, sample {outcome.sample} "
                f"(min_sample {kpi.min_sample}, target {kpi.target_comparison.value} "
                f"{kpi.target}): that is {expected!r}"
            )


def engine_results(
    contract: AnnexContract, source: Any, accepted_outages: frozenset[str] | None = None
) -> ResultsFor:
    """KPI results from the KPI engine, each month under the contract version governing it;
    ``accepted_outages``: the declared outages that may exclude contacts (None: all)."""
    from callpact.kpi.engine import compute_scorecard

    def results_for(month: str) -> Mapping[str, KpiOutcome]:
        if source is None:
            raise LookupError("KPI results need data (--data) or a results file (--results)")
        card = compute_scorecard(
            contract.version_on(month), source, month, accepted_outages=accepted_outages
        )
        out = {}
        for result in card.results:
            out[result.kpi_id] = KpiOutcome(
                result.kpi_id,
                KpiStatus(result.status.value),
                None if result.value is None else _decimal(result.value),
                result.sample,
                None if result.ci is None else (_decimal(result.ci[0]), _decimal(result.ci[1])),
                result.excluded,
            )
        return out

    return results_for


def _decimal(value: Any) -> Decimal:
    """A KPI figure as settlement records it: 12 significant digits, so that the last bits of
    a floating-point sum (whose order a parallel engine does not fix) never reach a statement."""
    return Decimal(f"{value:.12g}") if isinstance(value, float) else Decimal(str(value))


@contextmanager
def open_data(path: Path | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    from callpact.data.sources import open_source

    with open_source(path) as source:
        yield source


def _volumes_reader(contract: AnnexContract, source: Any) -> VolumesFor:
    def volumes_for(month: str, terms: SettlementTerms) -> Volumes:
        if source is None:
            return Volumes()
        scope = contract.version_on(month).scope.channels
        return measure_volumes(
            source,
            month,
            terms.time_zone,
            scope=[(str(entry.channel), tuple(entry.queues)) for entry in scope],
        )

    return volumes_for


def _input_problems(error: Exception, paths_contract: Path) -> list[Diagnostic]:
    """A data folder that cannot be read at all, or a contract file that is not YAML."""
    found = list(getattr(error, "diagnostics", []))
    if found:
        return found
    return [_error(str(paths_contract), "SET005", f"cannot read the contract: {error}")]


def settle_from_paths(paths: Paths) -> SettleResult:
    """Settle ``paths.period``; every problem with an input comes back as a diagnostic."""
    from callpact.data.ingest import DeliveryError

    try:
        return _settle_from_paths(paths)
    except (DeliveryError, OSError, ValueError) as error:
        return SettleResult(None, [], [], _input_problems(error, paths.contract))


def _settle_from_paths(paths: Paths) -> SettleResult:
    contract = load_contract(paths.contract)
    with open_data(paths.data) as source:
        fingerprints: dict[str, str] = {}
        incidents: list[Incident] = []
        problems: list[Diagnostic] = []
        volumes_for = _volumes_reader(contract, source)
        if source is not None:
            for table in FINGERPRINTED:
                if source.has_table(table):
                    fingerprints[table] = source.fingerprint(table)
            if source.has_table("incidents") and paths.incidents is None:
                rows = source.read_table("incidents").to_pylist()
                incidents, problems = incidents_from_rows(rows, f"{paths.data}/incidents", 0)
        # the period's delivered tables, where the delivery decides the KPIs (not a results file)
        delivered = (
            source.delivered_tables(paths.period)
            if source is not None and paths.results is None
            else None
        )
        accepted, found = _accepted_outages(paths, delivered)
        problems.extend(found)
        try:
            results_for = (
                results_from_file(paths.results, contract)
                if paths.results is not None
                else engine_results(contract, source, accepted)
            )
        except (LookupError, OSError, ValueError) as error:
            where = str(paths.results or paths.data or paths.contract)
            problem = Diagnostic(where, 0, 0, Severity.ERROR, "SET002", str(error))
            return SettleResult(None, [], [], [problem])
        result = settle_period(
            contract,
            SettleInputs(
                period=paths.period,
                history_dir=paths.history,
                incidents_file=paths.incidents,
                decisions_file=paths.decisions,
                outages_file=paths.outages,
                table_fingerprints=fingerprints,
                **_delivery_gaps(contract, paths.period, delivered),
            ),
            results_for=results_for,
            volumes_for=volumes_for,
            data_incidents=incidents,
        )
        result.problems[:0] = problems
        if result.statement is not None:
            result.statement["inputs"] = paths.named()
        return result


def _accepted_outages(
    paths: Paths, delivered: set[str] | None
) -> tuple[frozenset[str], list[Diagnostic]]:
    """The declared outages the client accepted (``--outages``). Without the file none is
    accepted, so none excludes anything; a delivery that declares outages is then warned of."""
    if paths.outages is not None:
        return read_outage_decisions(paths.outages)
    if delivered is None or "outages" not in delivered:
        return frozenset(), []
    warning = Diagnostic(
        str(paths.data), 0, 0, Severity.WARNING, "SET011",
        f"the delivery declares outages for {paths.period}, but no outage decisions were "
        "given: none is excluded until the client accepts it",
        "give the client's decisions with --outages (callpact outage export)",
    )  # fmt: skip
    return frozenset(), [warning]


def _delivery_gaps(
    contract: AnnexContract, period: str, delivered: set[str] | None
) -> dict[str, Any]:
    """The period's KPIs whose source table the delivery lacks, and its exclusions whose table
    it lacks; none when the delivery does not decide (``delivered`` None) or the month is
    outside the contract (settlement reports that itself)."""
    if delivered is None:
        return {}
    try:
        version = contract.version_on(period)
    except (LookupError, ValueError):
        return {}
    return {
        "undelivered": undelivered_kpis(version, period, delivered),
        "exclusion_gaps": exclusion_gaps(version, period, delivered),
    }


# -- backtest ----------------------------------------------------------------------------------


@dataclass
class BacktestPaths:
    contract: Path
    data: Path | None
    first: str
    last: str
    results: Path | None = None
    decisions: Path | None = None
    simulate: int = 0
    seed: int = 0
    incidents: Path | None = None  # None: the data's incidents table


@dataclass
class BacktestResult:
    contract_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    settlements: list[MonthSettlement] = field(default_factory=list)
    exposure: Exposure | None = None
    problems: list[Diagnostic] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        total = sum((s.net_adjustment for s in self.settlements), Decimal(0))
        return {
            "format": "callpact.backtest/1",
            "contract_id": self.contract_id,
            "from": self.settlements[0].month if self.settlements else None,
            "to": self.settlements[-1].month if self.settlements else None,
            "months": self.rows,
            "total_net_adjustment": format(total, "f"),
            "simulation": self.exposure.to_json() if self.exposure else None,
        }


def _error(source: str, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(source, 0, 0, Severity.ERROR, code, message, hint)


def _day_results(
    paths: BacktestPaths, contract: AnnexContract, source: Any
) -> list[Mapping[str, DayResult]]:
    """The days of the backtest range with a result, oldest first: from the results file's
    ``days``, else from the KPI engine broken down by local day."""
    first, last = month_index(paths.first), month_index(paths.last)
    if paths.results is not None:
        found = read_results_file(paths.results)
        return [
            v for d, v in sorted(found.days.items()) if v and first <= month_index(d[:7]) <= last
        ]
    if source is None:
        raise LookupError(
            'simulation needs per-day KPI results: pass --data, or --results FILE with "days"'
        )
    from callpact.kpi.engine import compute_scorecard

    by_day: dict[str, dict[str, DayResult]] = {}
    for month in month_range(paths.first, paths.last):
        card = compute_scorecard(contract.version_on(month), source, month, by="day")
        for row in card.results:
            if row.bucket is None or row.value is None or not row.sample:
                continue
            by_day.setdefault(str(row.bucket), {})[row.kpi_id] = DayResult(
                _decimal(row.value), int(row.sample)
            )
    return [v for _, v in sorted(by_day.items())]


def _incidents_by_month(
    incidents: Sequence[Incident], contract: ContractSource, months: Sequence[str]
) -> dict[str, list[IncidentAssessment]]:
    out: dict[str, list[IncidentAssessment]] = {}
    for month in months:
        terms = contract.terms_on(month)
        if terms.incidents is None or not incidents:
            continue
        start, end = month_bounds_utc(month, terms.time_zone)
        out[month] = assess_incidents(
            incidents,
            terms.incidents,
            time_zone=terms.time_zone,
            period_start=start,
            period_end=end,
            holidays=terms.holidays,
            terms_of=incident_terms_of(contract, terms),
        )
    return out


def backtest_from_paths(paths: BacktestPaths) -> BacktestResult:
    """Settle every month from ``first`` to ``last`` as if the contract had been in force, and
    with ``simulate`` > 0 resample the range's days into that many synthetic years."""
    from callpact.data.ingest import DeliveryError

    try:
        return _backtest_from_paths(paths)
    except (DeliveryError, OSError, ValueError) as error:
        return BacktestResult("", problems=_input_problems(error, paths.contract))


def _backtest_from_paths(paths: BacktestPaths) -> BacktestResult:
    contract = load_contract(paths.contract)
    result = BacktestResult(contract.terms_on(paths.first).contract_id)
    try:
        months = month_range(paths.first, paths.last)
    except ValueError as error:
        result.problems.append(_error(str(paths.contract), "SET004", str(error)))
        return result
    if not months:
        result.problems.append(
            _error(
                str(paths.contract), "SET004", f"--from {paths.first} is after --to {paths.last}"
            )
        )
        return result
    with open_data(paths.data) as source:
        volumes_for = _volumes_reader(contract, source)
        try:
            results_for = (
                results_from_file(paths.results, contract)
                if paths.results is not None
                else engine_results(contract, source)
            )
        except (LookupError, OSError, ValueError) as error:
            where = str(paths.results or paths.data or paths.contract)
            result.problems.append(_error(where, "SET002", str(error)))
            return result
        decisions: list[CureDecision] = []
        if paths.decisions is not None:
            decisions, found = read_decisions_file(
                paths.decisions, contract.terms_on(paths.first).time_zone
            )
            result.problems.extend(found)
        incidents: list[Incident] = []
        if paths.incidents is not None:
            incidents, found = read_incidents_file(paths.incidents)
            result.problems.extend(found)
        elif source is not None and source.has_table("incidents"):
            rows = source.read_table("incidents").to_pylist()
            incidents, found = incidents_from_rows(rows, f"{paths.data}/incidents", 0)
            result.problems.extend(found)
        inputs = []
        for month in months:
            terms = contract.terms_on(month)
            inputs.append(MonthInput(month, terms, results_for(month), volumes_for(month, terms)))
        days: list[Mapping[str, DayResult]] = []
        if paths.simulate > 0:
            try:
                days = _day_results(paths, contract, source)
            except (LookupError, OSError, ValueError) as error:
                where = str(paths.results or paths.data or paths.contract)
                result.problems.append(_error(where, "SET003", str(error)))
                return result
    try:
        by_month = _incidents_by_month(incidents, contract, months)
    except ValueError as error:
        result.problems.append(_error(f"{paths.data}/incidents", "SET103", str(error)))
        return result
    result.settlements = backtest(inputs, decisions, by_month)
    result.problems.extend(
        _error(str(paths.decisions), "SET112", why)
        for _, why in unmatched_decisions(result.settlements, decisions)
    )
    result.rows = backtest_rows(result.settlements)
    if paths.simulate > 0:
        try:
            per_month = max(1, round(len(days) / len({m.month for m in inputs})))
            result.exposure = simulate(
                contract.terms_on(paths.last),
                days,
                runs=paths.simulate,
                seed=paths.seed,
                days_per_month=per_month,
                volumes=_mean_volumes([m.volumes for m in inputs]),
            )
        except (LookupError, OSError, ValueError) as error:
            where = str(paths.results or paths.contract)
            result.problems.append(_error(where, "SET003", str(error)))
    return result


def _mean_volumes(volumes: Sequence[Volumes]) -> Volumes:
    """The average month's volumes, which a synthetic month is billed on."""
    count = len(volumes) or 1
    return Volumes(
        round(sum(v.handled_contacts for v in volumes) / count),
        sum((v.handle_seconds for v in volumes), Decimal(0)) / count,
        sum((v.productive_seconds for v in volumes), Decimal(0)) / count,
    )
