"""Incidents: record, report, import from the interchange ``incidents`` table, assess."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.diagnostics import Diagnostic, Severity
from callpact.governance.audit import service as audit
from callpact.governance.claim.service import record_claim
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
    that was never reported (``reported_at`` empty). A report is dated ``now``: a stated
    earlier ``reported_at`` (a phone report before this record) is a time claim the other
    party may accept; until then the reporting deadline is judged on ``now``."""
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
        reported_at=None if reported_at is None else now,
        description=description,
        recorded_by=actor.email,
    )
    session.add(incident)
    audit.record(session, actor=actor.email, at=now, entity=incident, action="record", before=None)
    _claim_report(session, actor, contract, incident, reported_at, now=now)
    return incident


def _claim_report(
    session: Session,
    actor: Actor,
    contract: GovernedContract,
    incident: Incident,
    reported_at: datetime | None,
    *,
    now: datetime,
) -> None:
    ref = f"report of incident {incident.incident_ref}"
    not_before = incident.detected_at
    record_claim(
        session,
        actor,
        contract,
        incident,
        field="reported_at",
        claimed_at=reported_at,
        ref=ref,
        now=now,
        not_before=not_before,
    )


def mark_reported(
    session: Session,
    actor: Actor,
    contract_id: str,
    incident_id: str,
    *,
    reported_at: datetime | None = None,
    now: datetime,
) -> Incident:
    """The incident is reported to the client, dated ``now``; ``reported_at``, an earlier moment
    stated for the report, is a time claim."""
    contract = get_contract(session, actor, contract_id, Action.REPORT_INCIDENT)
    incident = record_or_missing(
        find_record(session, Incident, contract, "incident_ref", incident_id),
        contract,
        f"no incident {incident_id} on {contract_id}",
    )
    if incident.reported_at is not None:
        raise GovernanceError(f"incident {incident_id} was already reported")
    before = audit.entity_state(incident)
    incident.reported_at = now
    audit.record(
        session, actor=actor.email, at=now, entity=incident, action="report", before=before
    )
    _claim_report(session, actor, contract, incident, reported_at, now=now)
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


def import_incidents(
    session: Session, actor: Actor, contract_id: str, path: Path, *, now: datetime
) -> tuple[int, list[Diagnostic]]:
    """Import the interchange ``incidents`` table (CSV). Nothing is imported unless every row is
    good; every bad row gives diagnostics with its line and field.

    Rows are read and type-checked by the data layer, as ``callpact ingest`` reads them (its
    ``D0xx``/``R0xx``-``R2xx`` codes: a missing column, an empty required value, a timestamp
    without an offset, detected or reported before it occurred…); the rows that pass are then
    held against the contract: a category and a severity its incident protocol knows, reported
    no earlier than detected, and an ``incident_id`` neither repeated in the file nor already
    recorded (a repeat is an error, not a silent skip). An empty ``detected_at`` means it was
    detected when it occurred; an empty ``reported_at``, never reported."""
    # the data layer brings pyarrow and DuckDB: only an import pays for loading them
    from callpact.data.ingest import check_table_file

    contract = get_contract(session, actor, contract_id, Action.REPORT_INCIDENT)
    table = check_table_file("incidents", path)  # a file it cannot read at all has no rows
    diagnostics = list(table.diagnostics)

    def problem(line: int, field: str, code: str, message: str) -> None:
        column = table.column_of(field)
        diagnostics.append(
            Diagnostic(table.source, line, column, Severity.ERROR, code, message, field=field)
        )

    existing = set(
        session.scalars(select(Incident.incident_ref).where(Incident.contract_pk == contract.id))
    )
    seen: dict[str, int] = {}
    incidents: list[Incident] = []
    for row in table.rows:
        values = row.values
        incident_id: str = values["incident_id"]
        if incident_id in seen:
            problem(
                row.line,
                "incident_id",
                "G105",
                f"incident {incident_id} repeats line {seen[incident_id]}",
            )
            continue
        seen[incident_id] = row.line
        if incident_id in existing:
            problem(row.line, "incident_id", "G105", f"incident {incident_id} is already recorded")
            continue
        occurred: datetime = values["occurred_at"]
        detected: datetime = values["detected_at"] or occurred
        reported: datetime | None = values["reported_at"]
        checks = _check(
            contract,
            category=values["category"],
            severity=values["severity"],
            occurred_at=occurred,
            detected_at=detected,
            reported_at=reported,
        )
        if reported is not None and reported > now:
            checks.append(("reported_at", "G106", "reported after the moment of this import"))
        for field, code, message in checks:
            problem(row.line, field, code, message)
        if checks:
            continue
        incidents.append(
            Incident(
                contract_pk=contract.id,
                incident_ref=incident_id,
                category=values["category"],
                severity=values["severity"],
                occurred_at=occurred,
                detected_at=detected,
                reported_at=reported,
                description=values["description"] or "",
                recorded_by=actor.email,
            )
        )
    if diagnostics:
        # the data layer's findings and the contract's, in the order of the file
        return 0, sorted(diagnostics, key=lambda d: d.line)
    for incident in incidents:
        # the file's reported_at is the vendor's statement: a time claim beside the import's time
        stated = incident.reported_at
        incident.reported_at = None if stated is None else now
        session.add(incident)
        audit.record(
            session, actor=actor.email, at=now, entity=incident, action="import", before=None
        )
        _claim_report(session, actor, contract, incident, stated, now=now)
    return len(incidents), diagnostics
