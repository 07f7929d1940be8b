"""Breach notices and cure decisions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, UtcDateTime


class BreachNotice(Base):
    __tablename__ = "breach_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    kpi_id: Mapped[str] = mapped_column(String(100))
    month: Mapped[str] = mapped_column(String(7))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")

    decisions: Mapped[list[CureDecision]] = relationship(
        lazy="selectin", order_by="CureDecision.id"
    )


class CureDecision(Base):
    __tablename__ = "cure_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("breach_notices.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    days: Mapped[int | None] = mapped_column(default=None)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")


class TerminationNotice(Base):
    """The client uses a termination right of the annex: on a ground, effective on a day."""

    __tablename__ = "termination_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    ground: Mapped[str] = mapped_column(String(20))  # convenience | chronic_breach
    # chronic_breach: the stored statement (month) that showed the right, and its KPIs
    statement_month: Mapped[str | None] = mapped_column(String(7), default=None)
    kpi_ids: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(320))
    notice_days: Mapped[int] = mapped_column()
    effective_on: Mapped[date] = mapped_column(Date())
    note: Mapped[str] = mapped_column(Text, default="")
