"""Curriculum versions, approved trainers, sessions, observers and trainees."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, DecimalText, UtcDateTime
from callpact.governance.staff.models import StaffMember


class CurriculumVersion(Base):
    __tablename__ = "curriculum_versions"
    __table_args__ = (UniqueConstraint("contract_pk", "curriculum_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    curriculum_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    effective_on: Mapped[date]
    content_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    published_by: Mapped[str] = mapped_column(String(320))


class TrainerApproval(Base):
    """A trainer the client approved for the program; ``side`` says whose trainer it is."""

    __tablename__ = "trainer_approvals"
    __table_args__ = (UniqueConstraint("contract_pk", "trainer_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    trainer_name: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(20))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_by: Mapped[str] = mapped_column(String(320))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (UniqueConstraint("contract_pk", "session_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    session_ref: Mapped[str] = mapped_column(String(100))
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("curriculum_versions.id"))
    trainer_approval_id: Mapped[int] = mapped_column(ForeignKey("trainer_approvals.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    site: Mapped[str] = mapped_column(String(20), default="vendor")
    exam_pass_score: Mapped[Decimal] = mapped_column(DecimalText())
    note: Mapped[str | None] = mapped_column(Text, default=None)

    curriculum: Mapped[CurriculumVersion] = relationship(lazy="joined")
    trainer: Mapped[TrainerApproval] = relationship(lazy="joined")
    trainees: Mapped[list[TrainingTrainee]] = relationship(
        lazy="selectin", order_by="TrainingTrainee.id"
    )
    observers: Mapped[list[TrainingObserver]] = relationship(
        lazy="selectin", order_by="TrainingObserver.id"
    )


class TrainingObserver(Base):
    """A client user who attends a session (training, mentoring or the exam)."""

    __tablename__ = "training_observers"
    __table_args__ = (UniqueConstraint("session_id", "user_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_email: Mapped[str] = mapped_column(String(320))
    attends: Mapped[str] = mapped_column(String(30), default="training")


class TrainingTrainee(Base):
    __tablename__ = "training_trainees"
    __table_args__ = (UniqueConstraint("session_id", "staff_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    attended: Mapped[bool] = mapped_column(default=False)
    exam_score: Mapped[Decimal | None] = mapped_column(DecimalText(), default=None)

    staff_member: Mapped[StaffMember] = relationship(lazy="joined")
