"""Incidents: record, report, import from the interchange ``incidents`` table, assess."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.diagnostics import Diagnostic, Severity
from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import find_record, get_contract, record_or_missing
from callpact.governance.deadlines import month_bounds
from callpact.governance.errors import GovernanceError
from callpact.governance.incident.models import Incident
from callpact.governance.incident.rules import (
    IncidentRecord,
    ReportingAssessment,
    assess_reporting,
)
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.terms import GovernanceTerms


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: Incident
    assessment: ReportingAssessment


def _check(
    contract: GovernedContract,
    *,
    category: str,
    severity: str,
    occurred_at: datetime,
    detected_at: datetime,
    reported_at: datetime | None,
) -> list[tuple[str, str, str]]:
    """Problems as (field, code, message): the categories and severities of the terms in
    force when it was detected (its reporting clock's start), and occurred ≤ detected ≤
    reported."""
    terms = contract.terms_at(detected_at)
    problems: list[tuple[str, str, str]] = []
    if terms.incident_categories and category not in terms.incident_categories:
        problems.append(
            (
                "category",
                "G101",
                f"category {category!r} is not in the contract's "
                f"incident protocol ({', '.join(terms.incident_categories)})",
            )
        )
    if severity not in terms.notification_deadlines:
        problems.append(
            (
                "severity",
                "G102",
                f"severity {severity!r} has no notification deadline "
                f"in the contract ({', '.join(terms.notification_deadlines)})",
            )
        )
    if detected_at < occurred_at:
        problems.append(("detected_at", "G103", "detected before it occurred"))
    if reported_at is not None and reported_at < detected_at:
        problems.append(("reported_at", "G103", "reported before it was detected"))
    return problems


def record_incident(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    incident_id: str,
    category: str,
    severity: str,
    occurred_at: datetime,
    detected_at: datetime,
    reported_at: datetime | None = None,
    description: str = "",
    now: datetime,
) -> Incident:
    """Record an incident. The vendor records what it reports; the client records one it found
    that was never reported (``reported_at`` empty)."""
    contract = get_contract(session, actor, contract_id, Action.REPORT_INCIDENT)
    problems = _check(
        contract,
        category=category,
        severity=severity,
        occurred_at=occurred_at,
        detected_at=detected_at,
        reported_at=reported_at,
    )
    if problems:
        raise GovernanceError("; ".join(message for _, _, message in problems))
    if session.scalars(
        select(Incident).where(
            Incident.contract_pk == contract.id, Incident.incident_ref == incident_id
        )
    ).first():
        raise GovernanceError(f"incident {incident_id} is already recorded")
    incident = Incident(
        contract_pk=contract.id,
        incident_ref=incident_id,
        category=category,
        severity=severity,
        occurred_at=occurred_at,
        detected_at=detected_at,
        reported_at=reported_at,
        description=description,
        recorded_by=actor.email,
    )
    session.add(incident)
    audit.record(session, actor=actor.email, at=now, entity=incident, action="record", before=None)
    return incident


def mark_reported(
    session: Session,
    actor: Actor,
    contract_id: str,
    incident_id: str,
    *,
    reported_at: datetime,
    now: datetime,
) -> Incident:
    contract = get_contract(session, actor, contract_id, Action.REPORT_INCIDENT)
    incident = record_or_missing(
        find_record(session, Incident, contract, "incident_ref", incident_id),
        contract,
        f"no incident {incident_id} on {contract_id}",
    )
    if incident.reported_at is not None:
        raise GovernanceError(f"incident {incident_id} was already reported")
    if reported_at < incident.detected_at:
        raise GovernanceError("reported before it was detected")
    before = audit.entity_state(incident)
    incident.reported_at = reported_at
    audit.record(
        session, actor=actor.email, at=now, entity=incident, action="report", before=before
    )
    return incident


def _record_of(incident: Incident) -> IncidentRecord:
    return IncidentRecord(
        incident_id=incident.incident_ref,
        category=incident.category,
        severity=incident.severity,
        occurred_at=incident.occurred_at,
        detected_at=incident.detected_at,
        reported_at=incident.reported_at,
    )


def _incidents(session: Session, contract: GovernedContract, month: str | None) -> list[Incident]:
    query = select(Incident).where(Incident.contract_pk == contract.id)
    if month is not None:
        start, end = month_bounds(month, contract.schedule.for_month(month).time_zone)
        query = query.where(Incident.detected_at >= start, Incident.detected_at < end)
    return list(session.scalars(query.order_by(Incident.detected_at, Incident.incident_ref)))


def incident_records(
    session: Session, actor: Actor, contract_id: str, month: str
) -> list[IncidentRecord]:
    """The incidents of one month, as plain records for settlement.

    An incident belongs to the month (``YYYY-MM``, in the contract's time zone) in which it was
    **detected**, the moment its reporting clock starts.
    """
    contract = get_contract(session, actor, contract_id)
    return [_record_of(incident) for incident in _incidents(session, contract, month)]


def list_incidents(
    session: Session, actor: Actor, contract_id: str, *, now: datetime, month: str | None = None
) -> list[IncidentView]:
    """Incidents with their reporting status and liability as of ``now``, each judged on the
    terms in force when it was detected (an amendment changes the deadline and the liability of
    the incidents detected from its effective date on, not of those before)."""
    contract = get_contract(session, actor, contract_id)
    schedule = contract.schedule
    return [
        IncidentView(incident, assess_incident(incident, schedule.at(incident.detected_at), now))
        for incident in _incidents(session, contract, month)
    ]


def assess_incident(
    incident: Incident, terms: GovernanceTerms, now: datetime
) -> ReportingAssessment:
    """The incident's reporting status and liability under ``terms`` as of ``now``."""
    return assess_reporting(
        _record_of(incident),
        notification_deadlines=terms.notification_deadlines,
        time_zone=terms.time_zone,
        liability_per_late_report=terms.liability_per_late_report,
        liability_per_unreported_case=terms.liability_per_unreported_case,
        now=now,
        holidays=terms.holidays,
    )


INCIDENT_COLUMNS = ("incident_id", "category", "severity", "occurred_at")


def _parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("a timestamp needs an offset (e.g. -06:00) or Z")
    return value


def import_incidents(
    session: Session, actor: Actor, contract_id: str, path: Path, *, now: datetime
) -> tuple[int, list[Diagnostic]]:
    """Import the interchange ``incidents`` table (CSV). Every bad row gives a diagnostic with
    its line and field, and nothing is imported unless every row is good. An empty
    ``detected_at`` means it was detected when it occurred; an empty ``reported_at``, never
    reported. Rows already recorded (same ``incident_id``) are errors, not silent skips."""
    contract = get_contract(session, actor, contract_id, Action.REPORT_INCIDENT)
    source = str(path)
    diagnostics: list[Diagnostic] = []

    def problem(line: int, field: str, code: str, message: str, hint: str = "") -> None:
        diagnostics.append(
            Diagnostic(source, line, 0, Severity.ERROR, code, message, hint=hint, field=field)
        )

    rows: list[Incident] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in INCIDENT_COLUMNS if c not in header]
        if missing:
            problem(
                1,
                missing[0],
                "G100",
                f"missing column(s): {', '.join(missing)}",
                "the incidents table needs incident_id, category, severity, occurred_at",
            )
            return 0, diagnostics
        existing = {i.incident_ref for i in _incidents(session, contract, None)}
        seen: dict[str, int] = {}
        for raw in reader:
            line = reader.line_num
            values = {key: (value or "").strip() for key, value in raw.items() if key}
            incident_id = values.get("incident_id", "")
            if not incident_id:
                problem(line, "incident_id", "G104", "incident_id is empty")
                continue
            if incident_id in seen:
                problem(
                    line,
                    "incident_id",
                    "G105",
                    f"incident {incident_id} repeats line {seen[incident_id]}",
                )
                continue
            seen[incident_id] = line
            if incident_id in existing:
                problem(line, "incident_id", "G105", f"incident {incident_id} is already recorded")
                continue
            instants: dict[str, datetime | None] = {}
            bad = False
            for field in ("occurred_at", "detected_at", "reported_at"):
                text = values.get(field, "")
                if not text:
                    if field == "occurred_at":
                        problem(line, field, "G104", "occurred_at is empty")
                        bad = True
                    instants[field] = None
                    continue
                try:
                    instants[field] = _parse_instant(text)
                except ValueError as error:
                    problem(
                        line,
                        field,
                        "G106",
                        f"{field} {text!r}: {error}",
                        "write ISO 8601 with an offset, e.g. 2027-01-31T23:59:58-06:00",
                    )
                    bad = True
            if bad:
                continue
            occurred = instants["occurred_at"]
            assert occurred is not None
            detected = instants["detected_at"] or occurred
            reported = instants["reported_at"]
            checks = _check(
                contract,
                category=values.get("category", ""),
                severity=values.get("severity", ""),
                occurred_at=occurred,
                detected_at=detected,
                reported_at=reported,
            )
            for field, code, message in checks:
                problem(line, field, code, message)
            if checks:
                continue
            rows.append(
                Incident(
                    contract_pk=contract.id,
                    incident_ref=incident_id,
                    category=values["category"],
                    severity=values["severity"],
                    occurred_at=occurred,
                    detected_at=detected,
                    reported_at=reported,
                    description=values.get("description", ""),
                    recorded_by=actor.email,
                )
            )
    if diagnostics:
        return 0, diagnostics
    for incident in rows:
        session.add(incident)
        audit.record(
            session, actor=actor.email, at=now, entity=incident, action="import", before=None
        )
    return len(rows), diagnostics
