"""Roster entries, qualifications held and admission exam results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, DecimalText, UtcDateTime

STAFF_ROLES = ("operator", "supervisor", "trainer", "project_manager")


class StaffMember(Base):
    """A person on the program. ``person_id`` is the vendor's id for them: for operators, the
    ``agent_id`` that appears in the contact data."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("contract_pk", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    joined_on: Mapped[date | None] = mapped_column(default=None)
    client_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    qualifications: Mapped[list[StaffQualification]] = relationship(
        back_populates="staff_member", lazy="selectin", order_by="StaffQualification.id"
    )
    exams: Mapped[list[AdmissionExam]] = relationship(
        back_populates="staff_member", lazy="selectin", order_by="AdmissionExam.id"
    )


class StaffQualification(Base):
    __tablename__ = "staff_qualifications"
    __table_args__ = (UniqueConstraint("staff_member_id", "qualification"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(100))
    obtained_on: Mapped[date]

    staff_member: Mapped[StaffMember] = relationship(back_populates="qualifications")


class AdmissionExam(Base):
    __tablename__ = "admission_exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
    score: Mapped[Decimal] = mapped_column(DecimalText())

    staff_member: Mapped[StaffMember] = relationship(back_populates="exams")
