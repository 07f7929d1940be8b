"""The roster: add people (one by one or a whole roster file), record qualifications and
admission exams, check who may work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.diagnostics import Diagnostic, Severity
from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import find_record, get_contract, record_or_missing
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.staff.models import (
    STAFF_ROLES,
    AdmissionExam,
    StaffMember,
    StaffQualification,
)
from callpact.governance.staff.rules import AdmissionFinding, StaffSnapshot, program_staff_findings


def find_member(session: Session, contract: GovernedContract, person_id: str) -> StaffMember:
    member = find_record(session, StaffMember, contract, "person_id", person_id)
    missing = f"{person_id!r} is not on the roster of {contract.contract_id}"
    return record_or_missing(member, contract, missing)


def add_staff_member(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    person_id: str,
    name: str,
    role: str,
    now: datetime,
    joined_on: date | None = None,
) -> StaffMember:
    """Put a person on the program's roster (the vendor staffs the program)."""
    contract = get_contract(session, actor, contract_id, Action.MANAGE_ROSTER)
    if role not in STAFF_ROLES:
        raise GovernanceError(f"unknown staff role {role!r}; roles: {', '.join(STAFF_ROLES)}")
    existing = session.scalars(
        select(StaffMember).where(
            StaffMember.contract_pk == contract.id, StaffMember.person_id == person_id
        )
    ).first()
    if existing is not None:
        raise GovernanceError(f"{person_id} is already on the roster of {contract_id}")
    member = StaffMember(
        contract_pk=contract.id,
        person_id=person_id,
        name=name,
        role=role,
        active=True,
        joined_on=joined_on,
    )
    session.add(member)
    audit.record(session, actor=actor.email, at=now, entity=member, action="create", before=None)
    return member


def set_active(
    session: Session,
    actor: Actor,
    contract_id: str,
    person_id: str,
    *,
    active: bool,
    now: datetime,
) -> StaffMember:
    """Take a person off the program (or back on)."""
    contract = get_contract(session, actor, contract_id, Action.MANAGE_ROSTER)
    member = find_member(session, contract, person_id)
    before = audit.entity_state(member)
    member.active = active
    audit.record(
        session,
        actor=actor.email,
        at=now,
        entity=member,
        action="activate" if active else "deactivate",
        before=before,
    )
    return member


def add_qualification(
    session: Session,
    actor: Actor,
    contract_id: str,
    person_id: str,
    *,
    qualification: str,
    obtained_on: date,
    now: datetime,
) -> StaffQualification:
    contract = get_contract(session, actor, contract_id, Action.MANAGE_ROSTER)
    member = find_member(session, contract, person_id)
    if any(q.qualification == qualification for q in member.qualifications):
        raise GovernanceError(f"{person_id} already holds {qualification}")
    record = StaffQualification(
        staff_member_id=member.id, qualification=qualification, obtained_on=obtained_on
    )
    session.add(record)
    member.qualifications.append(record)
    audit.record(session, actor=actor.email, at=now, entity=record, action="create", before=None)
    return record


def record_admission_exam(
    session: Session,
    actor: Actor,
    contract_id: str,
    person_id: str,
    *,
    score: Decimal,
    taken_at: datetime,
    now: datetime,
) -> AdmissionExam:
    """Record an admission exam result, a fraction from 0 to 1."""
    contract = get_contract(session, actor, contract_id, Action.MANAGE_ROSTER)
    if not Decimal(0) <= score <= Decimal(1):
        raise GovernanceError(f"an exam score is a fraction from 0 to 1, not {score}")
    member = find_member(session, contract, person_id)
    exam = AdmissionExam(staff_member_id=member.id, taken_at=taken_at, score=score)
    session.add(exam)
    member.exams.append(exam)
    audit.record(session, actor=actor.email, at=now, entity=exam, action="create", before=None)
    return exam


def approve_staff_member(
    session: Session, actor: Actor, contract_id: str, person_id: str, *, now: datetime
) -> StaffMember:
    """The client's approval, for roles the contract says the client approves."""
    contract = get_contract(session, actor, contract_id, Action.APPROVE_STAFF)
    member = find_member(session, contract, person_id)
    before = audit.entity_state(member)
    member.client_approved_at = now
    audit.record(session, actor=actor.email, at=now, entity=member, action="approve", before=before)
    return member


def roster(session: Session, actor: Actor, contract_id: str) -> list[StaffMember]:
    contract = get_contract(session, actor, contract_id)
    return list(
        session.scalars(
            select(StaffMember)
            .where(StaffMember.contract_pk == contract.id)
            .order_by(StaffMember.role, StaffMember.person_id)
        )
    )


def snapshot(member: StaffMember) -> StaffSnapshot:
    latest = max(member.exams, key=lambda exam: (exam.taken_at, exam.id), default=None)
    return StaffSnapshot(
        person_id=member.person_id,
        name=member.name,
        role=member.role,
        active=member.active,
        qualifications=frozenset(q.qualification for q in member.qualifications),
        latest_exam_score=latest.score if latest else None,
        client_approved=member.client_approved_at is not None,
    )


def admission_check(
    session: Session,
    actor: Actor,
    contract_id: str,
    agent_ids: Iterable[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> list[AdmissionFinding]:
    """Everyone working on the program without their role's qualifications or admission, by the
    role rules in force at ``as_of`` (the moment of the check; None: the rules first signed).

    ``agent_ids``: the agents who actually handled contacts (from the contact data), so that an
    unlisted or inactive agent who took calls is found too.
    """
    contract = get_contract(session, actor, contract_id)
    members = roster(session, actor, contract_id)
    terms = contract.terms if as_of is None else contract.terms_at(as_of)
    return program_staff_findings([snapshot(m) for m in members], terms.roles, agent_ids)


@dataclass(frozen=True)
class RosterImport:
    """What ``import_roster`` did, or — with diagnostics — why it wrote nothing."""

    source: str
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.diagnostics


def import_roster(
    session: Session,
    actor: Actor,
    contract_id: str,
    path: Path,
    *,
    now: datetime,
    sheet: str | None = None,
) -> RosterImport:
    """Create and update roster entries from a roster file (CSV or ``.xlsx``), all or nothing.

    Who may: whoever may ``staff add`` (the vendor's admins and managers). Every row is read
    first (:func:`callpact.governance.staff.roster.parse_roster`) and held against what is
    stored — an exam attempt recorded at the same moment with another score is a conflict
    (``roster.exam_conflict``), not overwritten; an exam dated after ``now`` (the server's
    moment of the import) is refused (``roster.exam_in_future``). With any problem nothing is
    written and every one comes back; otherwise a new person is added (active unless the file
    says otherwise), a person on the roster gets the file's name, role, hire date and ``active``
    where they differ (an empty optional cell keeps the stored value; a new role clears the
    client's approval, given for the old one), the qualifications the file lists (a
    qualification held on another day is re-dated; one the file does not list is kept) and the
    exam attempt, each change one audit entry (action ``import``), all in the caller's one
    transaction.
    """
    from callpact.data.sheets import SheetError, open_sheet
    from callpact.governance.staff.roster import RosterFile, parse_roster

    contract = get_contract(session, actor, contract_id, Action.MANAGE_ROSTER)
    try:
        with open_sheet(path, sheet=sheet) as opened:
            parsed: RosterFile = parse_roster(
                opened.source,
                opened.header,
                opened.rows,
                time_zone=contract.terms.time_zone,
                column_label=opened.column_label if opened.is_workbook else None,
            )
    except SheetError as exc:
        problem = Diagnostic(
            exc.source, exc.line, 0, Severity.ERROR, "roster.file", exc.message, exc.hint
        )
        return RosterImport(exc.source, diagnostics=(problem,))
    stored = {
        m.person_id: m
        for m in session.scalars(select(StaffMember).where(StaffMember.contract_pk == contract.id))
    }
    conflicts: list[Diagnostic] = []
    for entry in parsed.entries:
        if entry.exam is not None and entry.exam.taken_at > now:
            conflicts.append(
                Diagnostic(
                    parsed.source,
                    entry.row,
                    parsed.column_of("exam_date"),
                    Severity.ERROR,
                    "roster.exam_in_future",
                    f"{entry.person_id}'s exam_date {entry.exam.taken_at.isoformat()} is after "
                    f"the moment of the import ({now.isoformat()}): expected an exam already "
                    "taken",
                    field="exam_date",
                )
            )
        member = stored.get(entry.person_id)
        if member is None or entry.exam is None:
            continue
        for exam in member.exams:
            if exam.taken_at == entry.exam.taken_at and exam.score != entry.exam.score:
                conflicts.append(
                    Diagnostic(
                        parsed.source,
                        entry.row,
                        parsed.column_of("exam_score"),
                        Severity.ERROR,
                        "roster.exam_conflict",
                        f"{entry.person_id}'s exam of {exam.taken_at.isoformat()} is recorded "
                        f"with score {exam.score}, the file says {entry.exam.score}: expected "
                        "the recorded score (a new attempt has its own date)",
                        field="exam_score",
                    )
                )
    diagnostics = sorted([*parsed.diagnostics, *conflicts], key=lambda d: (d.line, d.column))
    if diagnostics:
        return RosterImport(
            parsed.source, ignored_columns=parsed.ignored_columns, diagnostics=tuple(diagnostics)
        )
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for entry in parsed.entries:
        member = stored.get(entry.person_id)
        if member is None:
            member = StaffMember(
                contract_pk=contract.id,
                person_id=entry.person_id,
                name=entry.name,
                role=entry.role,
                active=True if entry.active is None else entry.active,
                joined_on=entry.joined_on,
            )
            session.add(member)
            audit.record(
                session, actor=actor.email, at=now, entity=member, action="import", before=None
            )
            created.append(entry.person_id)
            changed = True
        else:
            before = audit.entity_state(member)
            member.name = entry.name
            if member.role != entry.role:
                # the client approved the person for the role they held, not for the new one
                member.client_approved_at = None
            member.role = entry.role
            if entry.joined_on is not None:
                member.joined_on = entry.joined_on
            if entry.active is not None:
                member.active = entry.active
            changed = audit.entity_state(member) != before
            if changed:
                audit.record(
                    session,
                    actor=actor.email,
                    at=now,
                    entity=member,
                    action="import",
                    before=before,
                )
        changed = (
            _import_qualifications(session, actor, member, entry.qualifications, now) or changed
        )
        if entry.exam is not None and not any(
            exam.taken_at == entry.exam.taken_at for exam in member.exams
        ):
            exam = AdmissionExam(
                staff_member_id=member.id, taken_at=entry.exam.taken_at, score=entry.exam.score
            )
            session.add(exam)
            member.exams.append(exam)
            audit.record(
                session, actor=actor.email, at=now, entity=exam, action="import", before=None
            )
            changed = True
        if entry.person_id not in created:
            (updated if changed else unchanged).append(entry.person_id)
    return RosterImport(
        parsed.source,
        tuple(created),
        tuple(updated),
        tuple(unchanged),
        parsed.ignored_columns,
    )


def _import_qualifications(
    session: Session,
    actor: Actor,
    member: StaffMember,
    qualifications: Iterable[tuple[str, date]],
    now: datetime,
) -> bool:
    """Add the qualifications the member lacks, re-date those held on another day."""
    changed = False
    held = {q.qualification: q for q in member.qualifications}
    for qualification, obtained_on in qualifications:
        record = held.get(qualification)
        if record is None:
            record = StaffQualification(
                staff_member_id=member.id, qualification=qualification, obtained_on=obtained_on
            )
            session.add(record)
            member.qualifications.append(record)
            audit.record(
                session, actor=actor.email, at=now, entity=record, action="import", before=None
            )
            changed = True
        elif record.obtained_on != obtained_on:
            before = audit.entity_state(record)
            record.obtained_on = obtained_on
            audit.record(
                session, actor=actor.email, at=now, entity=record, action="import", before=before
            )
            changed = True
    return changed
