"""Training: the client publishes curriculum versions and approves trainers; the vendor runs
sessions (client observers may attend); exam scores decide each group's outcome."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import find_record, get_contract, record_or_missing
from callpact.governance.deadlines import local_date
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import User
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.staff.service import find_member
from callpact.governance.training.models import (
    CurriculumVersion,
    TrainerApproval,
    TrainingObserver,
    TrainingSession,
    TrainingTrainee,
)
from callpact.governance.training.outcome import GroupOutcome, judge_group

DEFAULT_EXAM_PASS_SCORE = Decimal("0.80")
OBSERVED_PARTS = ("training", "mentoring", "exams")


def publish_curriculum(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    curriculum_id: str,
    title: str,
    effective_on: date,
    content_sha256: str | None = None,
    now: datetime,
) -> CurriculumVersion:
    """A new version of a client-owned curriculum; versions number from 1."""
    contract = get_contract(session, actor, contract_id, Action.PUBLISH_CURRICULUM)
    latest = session.scalar(
        select(func.max(CurriculumVersion.version)).where(
            CurriculumVersion.contract_pk == contract.id,
            CurriculumVersion.curriculum_id == curriculum_id,
        )
    )
    version = CurriculumVersion(
        contract_pk=contract.id,
        curriculum_id=curriculum_id,
        version=(latest or 0) + 1,
        title=title,
        effective_on=effective_on,
        content_sha256=content_sha256,
        published_by=actor.email,
    )
    session.add(version)
    audit.record(session, actor=actor.email, at=now, entity=version, action="publish", before=None)
    return version


def approve_trainer(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    trainer_name: str,
    side: str,
    now: datetime,
) -> TrainerApproval:
    """The client approves a trainer (its own or the vendor's) for the program."""
    contract = get_contract(session, actor, contract_id, Action.APPROVE_TRAINER)
    if side not in ("client", "vendor"):
        raise GovernanceError(f"a trainer is the client's or the vendor's, not {side!r}")
    approval = TrainerApproval(
        contract_pk=contract.id,
        trainer_name=trainer_name,
        side=side,
        approved_at=now,
        approved_by=actor.email,
    )
    session.add(approval)
    audit.record(session, actor=actor.email, at=now, entity=approval, action="approve", before=None)
    return approval


def revoke_trainer(
    session: Session, actor: Actor, contract_id: str, *, trainer_name: str, now: datetime
) -> TrainerApproval:
    contract = get_contract(session, actor, contract_id, Action.APPROVE_TRAINER)
    approval = _trainer(session, contract, trainer_name)
    before = audit.entity_state(approval)
    approval.revoked_at = now
    audit.record(
        session, actor=actor.email, at=now, entity=approval, action="revoke", before=before
    )
    return approval


def _trainer(session: Session, contract: GovernedContract, name: str) -> TrainerApproval:
    approval = session.scalars(
        select(TrainerApproval).where(
            TrainerApproval.contract_pk == contract.id, TrainerApproval.trainer_name == name
        )
    ).first()
    if approval is None:
        raise GovernanceError(
            f"{name} is not a trainer the client approved for {contract.contract_id}"
        )
    return approval


def _session(session: Session, contract: GovernedContract, session_ref: str) -> TrainingSession:
    found = find_record(session, TrainingSession, contract, "session_ref", session_ref)
    missing = f"no training session {session_ref!r} on {contract.contract_id}"
    return record_or_missing(found, contract, missing)


def schedule_session(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    session_ref: str,
    curriculum_id: str,
    trainer_name: str,
    starts_at: datetime,
    trainees: list[str],
    site: str = "vendor",
    version: int | None = None,
    exam_pass_score: Decimal | None = None,
    now: datetime,
) -> TrainingSession:
    """Schedule a session: the curriculum version in force on its day (or the one named), a
    trainer the client approved and not revoked, trainees from the roster."""
    contract = get_contract(session, actor, contract_id, Action.SCHEDULE_TRAINING)
    terms = contract.terms_at(starts_at)
    day = local_date(starts_at, terms.time_zone)
    query = select(CurriculumVersion).where(
        CurriculumVersion.contract_pk == contract.id,
        CurriculumVersion.curriculum_id == curriculum_id,
    )
    if version is not None:
        query = query.where(CurriculumVersion.version == version)
    else:
        query = query.where(CurriculumVersion.effective_on <= day)
    curriculum = session.scalars(query.order_by(CurriculumVersion.version.desc())).first()
    if curriculum is None:
        raise GovernanceError(
            f"no version of curriculum {curriculum_id!r} is in force on {day} "
            "(the client publishes curricula)"
        )
    if curriculum.effective_on > day:
        raise GovernanceError(
            f"curriculum {curriculum_id} v{curriculum.version} takes effect on "
            f"{curriculum.effective_on}, after the session's day {day}"
        )
    trainer = _trainer(session, contract, trainer_name)
    if trainer.revoked_at is not None and trainer.revoked_at <= starts_at:
        raise GovernanceError(f"the client revoked {trainer_name}'s approval")
    if not trainees:
        raise GovernanceError("a session needs trainees")
    if exam_pass_score is None:
        operator = terms.roles.get("operator")
        exam_pass_score = (
            operator.admission_pass_score
            if operator and operator.admission_pass_score is not None
            else DEFAULT_EXAM_PASS_SCORE
        )
    training = TrainingSession(
        contract_pk=contract.id,
        session_ref=session_ref,
        curriculum_version_id=curriculum.id,
        trainer_approval_id=trainer.id,
        starts_at=starts_at,
        site=site,
        exam_pass_score=exam_pass_score,
    )
    session.add(training)
    audit.record(
        session, actor=actor.email, at=now, entity=training, action="schedule", before=None
    )
    for person_id in dict.fromkeys(trainees):
        member = find_member(session, contract, person_id)
        trainee = TrainingTrainee(session_id=training.id, staff_member_id=member.id)
        session.add(trainee)
        training.trainees.append(trainee)
        audit.record(
            session, actor=actor.email, at=now, entity=trainee, action="enrol", before=None
        )
    return training


def add_observer(
    session: Session,
    actor: Actor,
    contract_id: str,
    session_ref: str,
    *,
    user_email: str,
    attends: str = "training",
    now: datetime,
) -> TrainingObserver:
    """A client user attends the session (training, mentoring or the exam)."""
    contract = get_contract(session, actor, contract_id, Action.ADD_OBSERVER)
    if attends not in OBSERVED_PARTS:
        raise GovernanceError(f"an observer attends {', '.join(OBSERVED_PARTS)}, not {attends!r}")
    user = session.scalars(select(User).where(User.email == user_email.lower())).first()
    if user is None or user.organization_id != contract.client_org_id:
        raise GovernanceError(f"{user_email} is not a user of the client {contract.client.name}")
    training = _session(session, contract, session_ref)
    observer = TrainingObserver(session_id=training.id, user_email=user.email, attends=attends)
    session.add(observer)
    training.observers.append(observer)
    audit.record(session, actor=actor.email, at=now, entity=observer, action="create", before=None)
    return observer


def record_result(
    session: Session,
    actor: Actor,
    contract_id: str,
    session_ref: str,
    person_id: str,
    *,
    attended: bool,
    exam_score: Decimal | None,
    now: datetime,
) -> TrainingTrainee:
    """Attendance and exam score (a fraction 0–1; None = did not sit the exam)."""
    contract = get_contract(session, actor, contract_id, Action.RECORD_TRAINING_RESULTS)
    if exam_score is not None and not Decimal(0) <= exam_score <= Decimal(1):
        raise GovernanceError(f"an exam score is a fraction from 0 to 1, not {exam_score}")
    if exam_score is not None and not attended:
        raise GovernanceError("a trainee who did not attend cannot have an exam score")
    training = _session(session, contract, session_ref)
    member = find_member(session, contract, person_id)
    trainee = next((t for t in training.trainees if t.staff_member_id == member.id), None)
    if trainee is None:
        raise GovernanceError(f"{person_id} is not enrolled in {session_ref}")
    before = audit.entity_state(trainee)
    trainee.attended = attended
    trainee.exam_score = exam_score
    audit.record(session, actor=actor.email, at=now, entity=trainee, action="result", before=before)
    return trainee


def session_outcome(
    session: Session, actor: Actor, contract_id: str, session_ref: str
) -> tuple[TrainingSession, GroupOutcome]:
    """The group's outcome: trainees who sat the exam are the group; a score at or above the
    session's pass score is a pass; the outcome rule is the one in force on the session's day."""
    contract = get_contract(session, actor, contract_id)
    training = _session(session, contract, session_ref)
    scores = [t.exam_score for t in training.trainees if t.exam_score is not None]
    passed = sum(1 for score in scores if score >= training.exam_pass_score)
    rule = contract.terms_at(training.starts_at).training_outcome
    return training, judge_group(passed, len(scores), rule)


def list_sessions(session: Session, actor: Actor, contract_id: str) -> list[TrainingSession]:
    contract = get_contract(session, actor, contract_id)
    return list(
        session.scalars(
            select(TrainingSession)
            .where(TrainingSession.contract_pk == contract.id)
            .order_by(TrainingSession.starts_at)
        )
    )


def curricula(session: Session, actor: Actor, contract_id: str) -> list[CurriculumVersion]:
    contract = get_contract(session, actor, contract_id)
    return list(
        session.scalars(
            select(CurriculumVersion)
            .where(CurriculumVersion.contract_pk == contract.id)
            .order_by(CurriculumVersion.curriculum_id, CurriculumVersion.version)
        )
    )
