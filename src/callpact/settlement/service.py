"""Compose one month's statement from files: the contract, the data, earlier statements,
incidents and cure decisions. The rules it calls are pure; this is where the inputs are read.

The contract and the KPI results come through two small seams so that settlement does not
depend on how they are produced:

* :class:`ContractSource` — settlement terms and the fingerprint of the version in force in a
  month, and the incident protocol in force on a day (:class:`AnnexContract`: the annex as
  ``callpact.contracts`` reads it);
* ``results_for(month)`` — the KPI results of a month (from ``callpact.kpi.engine``, or from a
  results file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from callpact import __version__
from callpact.contracts import Contract, ContractVersion
from callpact.diagnostics import Diagnostic, Severity
from callpact.settlement.cure import CureDecision
from callpact.settlement.from_contract import terms_from_version
from callpact.settlement.incidents import Incident, assess_incidents
from callpact.settlement.inputs import (
    month_bounds_utc,
    read_decisions_file,
    read_history,
    read_incidents_file,
)
from callpact.settlement.ledger import (
    MonthInput,
    MonthSettlement,
    settle_months,
    unmatched_decisions,
)
from callpact.settlement.missing_data import ExclusionGap, UndeliveredData
from callpact.settlement.months import add_months, month_index, month_range
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.statement import statement_json
from callpact.settlement.terms import IncidentTerms, SettlementTerms, Volumes

ResultsFor = Callable[[str], Mapping[str, KpiOutcome]]
VolumesFor = Callable[[str, SettlementTerms], Volumes]


class ContractSource(Protocol):
    """What settlement needs of a contract file."""

    path: str

    def terms_on(self, month: str) -> SettlementTerms: ...

    def fingerprint_on(self, month: str) -> str: ...

    def fingerprint_of(self, version: str) -> str: ...

    def first_month(self) -> str: ...

    def incident_terms_on(self, day: date) -> IncidentTerms | None: ...


def _fingerprint(version: ContractVersion) -> str:
    """A version's terms in the annex's own shape, as canonical JSON, hashed."""
    return canonical_sha256(version.model_dump(mode="python", exclude_none=True))


def incident_terms_of(
    contract: ContractSource, terms: SettlementTerms
) -> Callable[[Incident], IncidentTerms]:
    """The incident protocol each incident is judged on: the version in force on the local day
    it was detected (``terms``' own where that version has none)."""
    zone = ZoneInfo(terms.time_zone)

    def of(incident: Incident) -> IncidentTerms:
        start = incident.detected_at or incident.occurred_at
        found = contract.incident_terms_on(start.astimezone(zone).date())
        if found is not None:
            return found
        assert terms.incidents is not None
        return terms.incidents

    return of


def nothing_delivered(month: MonthInput) -> bool:
    """No contact handled and no KPI with a sample: the month's data was never delivered."""
    return month.volumes.handled_contacts == 0 and all(
        outcome.sample == 0 for outcome in month.outcomes.values()
    )


def canonical_sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class AnnexError(ValueError):
    """The annex has errors: settlement refuses to run on it (the diagnostics say where)."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"the annex has {len(diagnostics)} error(s)")
        self.diagnostics = list(diagnostics)


@dataclass
class AnnexContract:
    """A contract as the contract loader reads it: each version governs its own months."""

    path: str
    contract: Contract
    _incident_terms: dict[date, IncidentTerms | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def read(cls, path: Path) -> AnnexContract:
        from callpact.contracts import load_contract

        contract, diagnostics = load_contract(path)
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        if contract is None or errors:
            raise AnnexError(errors)
        return cls(str(path), contract)

    def version_on(self, month: str) -> ContractVersion:
        return self.contract.version_for_month(month)

    def terms_on(self, month: str) -> SettlementTerms:
        return terms_from_version(self.version_on(month))

    def fingerprint_on(self, month: str) -> str:
        """The governing version's terms, canonical: layout and comments of the file do not
        count, any change of a term does."""
        return _fingerprint(self.version_on(month))

    def fingerprint_of(self, version: str) -> str:
        """The fingerprint of the version effective on ``version`` (YYYY-MM-DD)."""
        (found,) = (v for v in self.contract.versions if v.effective_from.isoformat() == version)
        return _fingerprint(found)

    def first_month(self) -> str:
        return self.contract.versions[0].effective_from.strftime("%Y-%m")

    def incident_terms_on(self, day: date) -> IncidentTerms | None:
        """The incident protocol of the version in force on the local date ``day`` (the last
        effective on or before it; before the contract's start, the first)."""
        version = self.contract.version_on(max(day, self.contract.first.effective_from))
        if version.effective_from not in self._incident_terms:
            self._incident_terms[version.effective_from] = terms_from_version(version).incidents
        return self._incident_terms[version.effective_from]


@dataclass
class SettleInputs:
    period: str
    history_dir: Path | None = None
    incidents: Sequence[Incident] | None = None  # None: read from the data's incidents table
    incidents_file: Path | None = None
    decisions_file: Path | None = None
    outages_file: Path | None = None  # fingerprinted; read before the KPIs are computed
    lookback_months: int = 12
    table_fingerprints: Mapping[str, str] = field(default_factory=dict)
    # the period's KPIs whose source table the delivery lacks (from the data; () for results)
    undelivered: Sequence[UndeliveredData] = ()
    # the period's KPI exclusions whose table the delivery lacks
    exclusion_gaps: Sequence[ExclusionGap] = ()


@dataclass
class SettleResult:
    statement: dict[str, Any] | None
    settlements: list[MonthSettlement]
    replayed: list[tuple[MonthInput, str]]
    problems: list[Diagnostic]


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settle_period(
    contract: ContractSource,
    inputs: SettleInputs,
    *,
    results_for: ResultsFor,
    volumes_for: VolumesFor,
    data_incidents: Sequence[Incident] = (),
) -> SettleResult:
    """Replay the months before ``inputs.period`` (from earlier statements where given, else
    from the data, back to the contract's start or ``lookback_months``) and settle the period."""
    problems: list[Diagnostic] = []
    period = inputs.period
    month_index(period)
    start = max(
        contract.first_month(), add_months(period, -inputs.lookback_months), key=month_index
    )
    if month_index(start) > month_index(period):
        problems.append(
            Diagnostic(contract.path, 0, 0, Severity.ERROR, "SET001",
                       f"{period} is before the contract's term starts ({start})")
        )  # fmt: skip
        return SettleResult(None, [], [], problems)

    history = read_history(inputs.history_dir, before=inputs.period) if inputs.history_dir else None
    if history is not None:
        problems.extend(history.problems)
        problems.extend(_edited_terms(contract, history.contract_fingerprints))
    months: list[MonthInput] = []
    replayed: list[tuple[MonthInput, str]] = []
    for month in month_range(start, period):
        terms = contract.terms_on(month)
        if history is not None and month != period:
            if month in history.months:
                known = history.months[month]
                months.append(MonthInput(month, terms, known.outcomes, known.volumes))
                replayed.append((months[-1], known.source))
                continue
            if month_index(month) < month_index(min(history.months, default=period)):
                continue  # before the first statement on record: not part of the history
        months.append(MonthInput(month, terms, results_for(month), volumes_for(month, terms)))
        replayed.append((months[-1], "data"))
    # Drop leading months that had nothing to settle (no data yet) so that a history does not
    # begin with months of "not measurable" that never happened.
    while len(months) > 1 and not any(o.value is not None for o in months[0].outcomes.values()):
        months.pop(0)
        replayed.pop(0)

    held: list[str] = []
    if inputs.undelivered:
        months[-1], held = _apply_missing_data(months[-1], inputs.undelivered)
        problems.extend(_held_warning(contract.path, period, held))
    problems.extend(
        Diagnostic(contract.path, 0, 0, Severity.WARNING, "SET010", gap.message,
                   "deliver the table, or agree in writing that nothing is to be excluded")
        for gap in inputs.exclusion_gaps
        if gap.owed
    )  # fmt: skip
    # the annex's rule for missing data; without the delivery's tables (a results file), hold
    rule = inputs.undelivered[0].rule if inputs.undelivered else "hold"
    if nothing_delivered(months[-1]) and rule == "hold":
        # A month nobody delivered must not settle at the full fee as if every KPI were
        # merely "not measurable": the statement is held until the data arrives.
        problems.append(
            Diagnostic(
                contract.path,
                0,
                0,
                Severity.ERROR,
                "SET007",
                f"no data delivered for {period}: no contact was handled and every KPI has a "
                "sample of 0, so the statement is held",
                "deliver the month's exports (callpact ingest), or settle it from a --results "
                "file both parties agreed",
            )
        )
        return SettleResult(None, [], replayed, problems)
    decisions: list[CureDecision] = []
    fingerprints_inputs: dict[str, str] = {}
    if inputs.decisions_file is not None:
        decisions, found = read_decisions_file(inputs.decisions_file, months[-1].terms.time_zone)
        problems.extend(found)
        fingerprints_inputs["decisions"] = _file_sha256(inputs.decisions_file)
    incidents = list(data_incidents)
    if inputs.incidents_file is not None:
        incidents, found = read_incidents_file(inputs.incidents_file)
        problems.extend(found)
        fingerprints_inputs["incidents"] = _file_sha256(inputs.incidents_file)
    if inputs.outages_file is not None:
        fingerprints_inputs["outages"] = _file_sha256(inputs.outages_file)
    if history is not None:
        fingerprints_inputs["history"] = canonical_sha256(sorted(history.statements))

    terms = months[-1].terms
    assessed = []
    if terms.incidents is not None and incidents:
        period_start, period_end = month_bounds_utc(period, terms.time_zone)
        try:
            assessed = assess_incidents(
                incidents,
                terms.incidents,
                time_zone=terms.time_zone,
                period_start=period_start,
                period_end=period_end,
                holidays=terms.holidays,
                terms_of=incident_terms_of(contract, terms),
            )
        except ValueError as error:
            source = str(inputs.incidents_file or "incidents")
            hint = "use a severity the contract's incident protocol names"
            problems.append(Diagnostic(source, 0, 0, Severity.ERROR, "SET103", str(error), hint))
    if any(p.severity is Severity.ERROR for p in problems):
        return SettleResult(None, [], replayed, problems)

    settlements = settle_months(months, decisions=decisions, incidents=assessed)
    unmatched = [
        _decision_error(inputs.decisions_file, why)
        for _, why in unmatched_decisions(settlements, decisions)
    ]
    if unmatched:
        return SettleResult(None, [], replayed, [*problems, *unmatched])
    # every version whose terms the statement read: each replayed month's, and those the
    # incidents were judged on (the version in force when each was detected)
    used = {m.terms.version for m in months} | {a.terms_version for a in assessed}
    fingerprints = {
        "contract_version": contract.fingerprint_on(period),
        "contract_versions": {v: contract.fingerprint_of(v) for v in sorted(used) if v},
        "tables": dict(sorted(inputs.table_fingerprints.items())),
        "inputs": fingerprints_inputs,
        "callpact_version": __version__,
    }
    statement = statement_json(settlements[-1], replayed=replayed, fingerprints=fingerprints)
    statement["undelivered"] = [
        {"kpi_id": u.kpi_id, "table": u.table, "rule": u.rule, "message": u.message}
        for u in inputs.undelivered
    ]
    statement["held"] = held
    statement["exclusion_gaps"] = [gap.message for gap in inputs.exclusion_gaps]
    return SettleResult(statement, settlements, replayed, problems)


def _edited_terms(
    contract: ContractSource, settled_on: Mapping[str, tuple[str, str]]
) -> list[Diagnostic]:
    """A history statement settled on terms that are no longer the annex's for its month: the
    signed terms were edited in place, which would quietly re-price the past."""
    problems = []
    for month, (fingerprint, where) in sorted(settled_on.items()):
        try:
            now_reads = contract.fingerprint_on(month)
        except (LookupError, ValueError):
            continue  # a month outside the contract: SET001 says so for the period
        if now_reads != fingerprint:
            problems.append(
                Diagnostic(
                    where, 0, 0, Severity.ERROR, "SET123",
                    f"the statement for {month} was settled on terms {fingerprint[:12]}…, but "
                    f"the annex's terms for {month} now read {now_reads[:12]}…: the signed "
                    "terms were edited in place",
                    "restore the terms as signed and write the change as an amendment "
                    "(amendments: effective_from, changes) from the month it applies",
                    field="fingerprints.contract_version",
                )
            )  # fmt: skip
    return problems


def _apply_missing_data(
    month: MonthInput, undelivered: Sequence[UndeliveredData]
) -> tuple[MonthInput, list[str]]:
    """The month with each undelivered KPI's outcome as the annex's ``missing_data`` rule says
    (``missed``: missed; ``not_measurable`` and ``hold``: not measurable), and the reasons the
    statement is held (``hold``)."""
    outcomes = dict(month.outcomes)
    held = []
    for gap in undelivered:
        status = KpiStatus.MISSED if gap.rule == "missed" else KpiStatus.NOT_MEASURABLE
        outcomes[gap.kpi_id] = KpiOutcome(gap.kpi_id, status, None, undelivered=gap.message)
        if gap.rule == "hold":
            held.append(f"{gap.kpi_id}: {gap.message}")
    return MonthInput(month.month, month.terms, outcomes, month.volumes), held


def _held_warning(source: str, period: str, held: Sequence[str]) -> list[Diagnostic]:
    if not held:
        return []
    return [
        Diagnostic(
            source, 0, 0, Severity.WARNING, "SET008",
            f"the statement for {period} is held in draft (missing_data: hold): "
            + "; ".join(held),
            "deliver the missing exports and settle again; a held statement cannot be issued",
        )
    ]  # fmt: skip


def _decision_error(source: Path | None, why: str) -> Diagnostic:
    return Diagnostic(
        str(source or "decisions"),
        0,
        0,
        Severity.ERROR,
        "SET112",
        why,
        "correct the notice or decision in the governance store (callpact notice list)",
    )
