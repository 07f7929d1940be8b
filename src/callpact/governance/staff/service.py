"""The roster: add people, record qualifications and admission exams, check who may work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

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
