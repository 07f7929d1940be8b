"""Breach notices and cure decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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
