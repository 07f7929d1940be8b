"""Run a settlement from paths: what ``callpact settle`` and ``statement verify`` call.

Opens the data (a workspace or a raw interchange folder), fingerprints its tables, measures
volumes, reads incidents, and provides the KPI results of any month — from a results file
(``--results``: ``{"YYYY-MM": {"kpi-id": {"status", "value", "sample", "ci"}}}``) or from the KPI
engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callpact.diagnostics import Diagnostic, Severity
from callpact.settlement.incidents import Incident
from callpact.settlement.inputs import incidents_from_rows, measure_volumes, month_bounds_utc
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.service import (
    AnnexContract,
    ContractSource,
    ResultsFor,
    SettleInputs,
    SettleResult,
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


def load_contract(path: Path) -> ContractSource:
    return AnnexContract.read(path)


def results_from_file(path: Path) -> ResultsFor:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    months = data.get("months", data)

    def results_for(month: str) -> Mapping[str, KpiOutcome]:
        found = months.get(month) or {}
        return {k: outcome_from_json(k, v) for k, v in found.items()}

    return results_for


def engine_results(contract: ContractSource, source: Any) -> ResultsFor:
    """KPI results from the KPI engine (``callpact.kpi.engine.compute_scorecard``)."""
    import importlib

    try:
        engine = importlib.import_module("callpact.kpi.engine")
    except ImportError as error:
        raise LookupError(
            "the KPI engine is not available in this build; pass --results FILE"
        ) from error
    version_on = getattr(contract, "version_on", None)
    if version_on is None:
        raise LookupError("the KPI engine needs the contract model; pass --results FILE")

    def results_for(month: str) -> Mapping[str, KpiOutcome]:
        card = engine.compute_scorecard(version_on(month), source, month)
        out = {}
        for result in card.results:
            value = result.value
            out[result.kpi_id] = KpiOutcome(
                result.kpi_id,
                KpiStatus(str(getattr(result.status, "value", result.status))),
                None if value is None else _decimal(value),
                int(result.sample or 0),
                None,
                int(getattr(result, "excluded", 0) or 0),
            )
        return out

    return results_for


def _decimal(value: Any) -> Any:
    from decimal import Decimal

    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(str(value))


@contextmanager
def open_data(path: Path | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    from callpact.data.workspace import open_source

    with open_source(path) as source:
        yield source


def _scope(annex: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    channels: list[str] = []
    queues: list[str] = []
    for entry in (annex.get("scope") or {}).get("channels") or []:
        channels.append(str(entry.get("channel")))
        queues.extend(str(q) for q in entry.get("queues") or [])
    return channels, queues


def settle_from_paths(paths: Paths) -> SettleResult:
    contract = load_contract(paths.contract)
    with open_data(paths.data) as source:
        fingerprints: dict[str, str] = {}
        incidents: list[Incident] = []
        problems: list[Diagnostic] = []
        annex = getattr(contract, "annex", {})
        channels, queues = _scope(annex)

        def volumes_for(month: str, terms: SettlementTerms) -> Volumes:
            if source is None:
                return Volumes()
            start, end = month_bounds_utc(month, terms.time_zone)
            return measure_volumes(
                source.parquet_files("contacts"),
                source.parquet_files("agent_states"),
                start=start,
                end=end,
                channels=channels,
                queues=queues,
            )

        if source is not None:
            for table in FINGERPRINTED:
                if source.has_table(table):
                    fingerprints[table] = source.fingerprint(table)
            if source.has_table("incidents") and paths.incidents is None:
                rows = source.read_table("incidents").to_pylist()
                incidents, problems = incidents_from_rows(rows, f"{paths.data}/incidents", 0)
        try:
            results_for = (
                results_from_file(paths.results)
                if paths.results is not None
                else engine_results(contract, source)
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
                table_fingerprints=fingerprints,
            ),
            results_for=results_for,
            volumes_for=volumes_for,
            data_incidents=incidents,
        )
        result.problems[:0] = problems
        return result
