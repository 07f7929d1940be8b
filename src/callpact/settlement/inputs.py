"""Reading what a settlement needs besides the contract and KPI results: measured volumes,
incidents, the client's cure decisions and earlier statements. I/O lives here, not in the rules.

Every problem with a user's file is a :class:`~callpact.diagnostics.Diagnostic`, collected.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from callpact.diagnostics import Diagnostic, Severity
from callpact.settlement.cure import CureDecision
from callpact.settlement.incidents import Incident
from callpact.settlement.months import add_months, month_index, parse_month
from callpact.settlement.rules import KpiOutcome
from callpact.settlement.statement import FORMAT, outcome_from_json, volumes_from_json
from callpact.settlement.terms import Volumes

if TYPE_CHECKING:
    from callpact.kpi.engine import Backend


def _error(
    source: str, code: str, message: str, *, line: int = 0, field: str = "", hint: str = ""
) -> Diagnostic:
    return Diagnostic(source, line, 0, Severity.ERROR, code, message, hint, field)


def month_bounds_utc(month: str, time_zone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of a local month as UTC instants."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)
    year, number = parse_month(month)
    following = parse_month(add_months(month, 1))
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(following[0], following[1], 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# -- volumes -----------------------------------------------------------------------------------


def measure_volumes(
    source: Any,
    month: str,
    time_zone: str,
    *,
    scope: Sequence[tuple[str, tuple[str, ...] | None]] = (),
    engine: str | Backend = "duckdb",
) -> Volumes:
    """The month's measured volumes, read from ``source`` (a data source's Parquet tables) by
    the KPI engine's own expressions, so that a fee counts the contacts the KPIs count.

    * Handled contacts: the answered contacts of ``scope``, before any exclusion or hours
      (:func:`callpact.kpi.expressions.contact_frame`: inbound, offered in the local month, a
      ``(channel, queues)`` pair of the scope with ``None`` queues for every queue of the
      channel and ``()`` for none): a transfer-rate KPI's sample. Handle time: talk + hold +
      after-call work of those with a ``talk_s``, added as whole microseconds: an AHT KPI's
      numerator. An answered contact without ``talk_s`` was handled (billed per contact) but
      its handle time is unknown (not billed per minute), as AHT leaves it out.
    * Productive time: agent states ``available``, ``busy``, ``hold`` and ``acw`` (occupancy's
      staffed time) clipped to the month, in whole microseconds.

    ``engine`` is a backend name (``duckdb``, ``spark``) or a backend already open.
    """
    import ibis

    from callpact.kpi import expressions as kx
    from callpact.kpi.agent_time import WORKING_STATES
    from callpact.kpi.definitions import KpiDefinition, Program
    from callpact.kpi.engine import Backend, Computation, make_backend

    backend = engine if isinstance(engine, Backend) else make_backend(engine)
    try:
        # the month exactly as the engine reads it: local midnights of the contract's zone
        computation = Computation(Program(time_zone), backend, source, month)
        span = computation.span
        handled = KpiDefinition("handled_contacts", "aht", scope=tuple(scope))
        frame = kx.contact_frame(computation.table("contacts"), handled, span)
        # AHT's value per contact (expressions.contact_measures): null unless answered with a
        # talk_s, so the sum is AHT's numerator, in integers
        handle = ibis.ifelse(frame.answered, kx.handle_us(frame), ibis.null("int64"))
        contacts = frame.aggregate(
            handled=frame.answered.sum().fill_null(0), handle_us=handle.sum().fill_null(0)
        )
        states = computation.table("agent_states")
        s = states.filter(states.state.isin(list(WORKING_STATES)))
        s = s.select(a=kx.epoch_us(s, "started_at"), b=kx.epoch_us(s, "ended_at"))
        s = s.filter(s.b > s.a, s.b > span.lo_us, s.a < span.hi_us)
        clipped = ibis.least(s.b, span.hi_us) - ibis.greatest(s.a, span.lo_us)
        productive = s.aggregate(productive_us=clipped.sum().fill_null(0))
        (counted,) = backend.execute(contacts).to_pylist()
        (staffed,) = backend.execute(productive).to_pylist()
    finally:
        if not isinstance(engine, Backend):
            backend.close()
    return Volumes(
        int(counted["handled"]),
        _seconds(int(counted["handle_us"])),
        _seconds(int(staffed["productive_us"])),
    )


def _seconds(us: int) -> Decimal:
    return (Decimal(us) / Decimal(1_000_000)).normalize()


# -- incidents ---------------------------------------------------------------------------------


def _instant(text: str | None) -> datetime | None:
    if text is None or text == "":
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no offset")
    return moment


def incidents_from_rows(
    rows: Sequence[dict[str, Any]], source: str, first_line: int = 2
) -> tuple[list[Incident], list[Diagnostic]]:
    incidents: list[Incident] = []
    problems: list[Diagnostic] = []
    for i, row in enumerate(rows):
        line = first_line + i
        try:
            occurred = row.get("occurred_at")
            incidents.append(
                Incident(
                    incident_id=str(row["incident_id"]),
                    category=str(row.get("category") or ""),
                    severity=str(row["severity"]),
                    occurred_at=occurred
                    if isinstance(occurred, datetime)
                    else _required(_instant(occurred)),
                    detected_at=_as_instant(row.get("detected_at")),
                    reported_at=_as_instant(row.get("reported_at")),
                )
            )
        except KeyError as missing:
            problems.append(
                _error(
                    source,
                    "SET101",
                    f"incident row lacks {missing}",
                    line=line,
                    field=str(missing).strip("'"),
                )
            )
        except ValueError as bad:
            problems.append(
                _error(
                    source,
                    "SET102",
                    f"incident row: {bad}",
                    line=line,
                    hint="write ISO 8601 with an offset",
                )
            )
    return incidents, problems


def _required(moment: datetime | None) -> datetime:
    if moment is None:
        raise ValueError("occurred_at is required")
    return moment


def _as_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return _instant(value)


def read_incidents_file(path: Path) -> tuple[list[Incident], list[Diagnostic]]:
    """Incidents from a CSV (interchange ``incidents`` columns) or JSON list file."""
    source = str(path)
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text("utf-8"))
            rows = data["incidents"] if isinstance(data, dict) else data
            return incidents_from_rows(rows, source, first_line=0)
        with path.open(newline="", encoding="utf-8") as handle:
            return incidents_from_rows(list(csv.DictReader(handle)), source)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [], [_error(source, "SET100", f"cannot read incidents: {error}")]


# -- cure decisions ----------------------------------------------------------------------------


def _local_day(value: Any, zone: ZoneInfo) -> date | None:
    """A decision's or notice's day on the contract's local calendar: an instant with an offset
    is converted to the contract's zone (an evening decision in a western zone is that day, not
    the next UTC day); a bare date is taken as written."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value)
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"the time {value!s} has no offset: add one, e.g. -06:00 or Z")
    return moment.astimezone(zone).date()


OUTAGE_DECISIONS = "callpact.outage-decisions/1"


def read_outage_decisions(path: Path) -> tuple[frozenset[str], list[Diagnostic]]:
    """The ids of the declared outages the client accepted: governance's export
    (``callpact.outage-decisions/1``, ``callpact outage export``)."""
    source = str(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        return frozenset(), [_error(source, "SET130", f"cannot read outage decisions: {error}")]
    accepted = data.get("accepted") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("format") != OUTAGE_DECISIONS
        or not isinstance(accepted, list)
        or not all(isinstance(a, str) and a for a in accepted)
    ):
        message = f"not an outage decisions file ({OUTAGE_DECISIONS}, a list of accepted ids)"
        return frozenset(), [_error(source, "SET131", message, field="accepted")]
    return frozenset(accepted), []


def read_decisions_file(path: Path, time_zone: str) -> tuple[list[CureDecision], list[Diagnostic]]:
    """The client's breach notices and cure decisions: governance's export
    (``callpact.cure-decisions/1``, notices with their decisions) or a plain list
    ``[{kpi_id, month, decision, days, decided_on}]`` (``decision: notice`` records a notice),
    as JSON or YAML. Days are the contract's local days in ``time_zone``."""
    source = str(path)
    zone = ZoneInfo(time_zone)
    try:
        text = path.read_text("utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(text)
        else:
            data = json.loads(text)
    except (OSError, ValueError) as error:
        return [], [_error(source, "SET110", f"cannot read cure decisions: {error}")]
    rows: list[dict[str, Any]] = []
    if isinstance(data, dict) and "notices" in data:
        for notice in data["notices"]:
            where = {"kpi_id": notice.get("kpi_id"), "month": notice.get("month")}
            rows.append({**where, "decision": "notice", "decided_at": notice.get("issued_at")})
            rows.extend({**where, **decision} for decision in notice.get("decisions", []))
    elif isinstance(data, dict):
        rows = list(data.get("decisions", []))
    elif isinstance(data, list):
        rows = data
    decisions: list[CureDecision] = []
    problems: list[Diagnostic] = []
    for i, row in enumerate(rows):
        try:
            parse_month(str(row.get("month")))
            decisions.append(
                CureDecision(
                    kpi_id=str(row["kpi_id"]),
                    month=str(row["month"]),
                    decision=str(row["decision"]),
                    days=int(row["days"]) if row.get("days") is not None else None,
                    # the instant when there is one: the export's decided_on is its local day
                    decided_on=_local_day(row.get("decided_at") or row.get("decided_on"), zone),
                )
            )
        except (KeyError, ValueError, TypeError) as error:
            problems.append(
                _error(source, "SET111", f"cure decision {i + 1}: {error}", field=f"decisions[{i}]")
            )
    return decisions, problems


# -- history -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryMonth:
    outcomes: dict[str, KpiOutcome]
    volumes: Volumes
    source: str


@dataclass
class History:
    months: dict[str, HistoryMonth] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    statements: list[tuple[str, str]] = field(default_factory=list)  # (file name, SHA-256)
    # each statement's period → (the contract version fingerprint it was settled on, its file)
    contract_fingerprints: dict[str, tuple[str, str]] = field(default_factory=dict)


def read_history(folder: Path, before: str | None = None) -> History:
    """Earlier statements (``*.json``) in ``folder``: each month's KPI results and volumes.
    A month found in several statements is taken from the latest statement (the one for the
    latest period), which replayed it most recently. Statements for ``before`` or later are
    not history (a folder may already hold the statement being verified)."""
    history = History()
    found: list[tuple[str, dict[str, Any], str]] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            history.problems.append(_error(str(path), "SET120", f"cannot read statement: {error}"))
            continue
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            history.problems.append(
                _error(str(path), "SET121", f"not a callpact statement (format {FORMAT})")
            )
            continue
        if before is None or month_index(str(data["period"])) < month_index(before):
            found.append((str(data["period"]), data, str(path)))
            settled_on = (data.get("fingerprints") or {}).get("contract_version")
            if settled_on:
                history.contract_fingerprints[str(data["period"])] = (str(settled_on), str(path))
            history.statements.append((path.name, hashlib.sha256(path.read_bytes()).hexdigest()))
    for _, data, where in sorted(found, key=lambda f: f[0]):
        for record in [*data.get("history", []), data["results"]]:
            try:
                history.months[record["period"]] = HistoryMonth(
                    {k: outcome_from_json(k, v) for k, v in record["kpis"].items()},
                    volumes_from_json(record.get("volumes") or {}),
                    f"history:{Path(where).name}",
                )
            except (KeyError, ValueError, ArithmeticError) as error:
                history.problems.append(
                    _error(where, "SET122", f"statement month {record.get('period')}: {error}")
                )
    return history
