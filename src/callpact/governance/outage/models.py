"""The client's decision on an outage the vendor declared in its delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, UtcDateTime


class OutageDecision(Base):
    __tablename__ = "outage_decisions"
    __table_args__ = (UniqueConstraint("contract_pk", "outage_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    outage_ref: Mapped[str] = mapped_column(String(200))  # the delivery's outage_id
    decision: Mapped[str] = mapped_column(String(20))  # accepted | rejected
    decided_by: Mapped[str] = mapped_column(String(320))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
