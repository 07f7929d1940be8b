"""A dispute raised on one line of a monthly statement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, DecimalText, UtcDateTime


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    line_ref: Mapped[str] = mapped_column(String(200))
    # the stored statement whose line is disputed (null for disputes recorded before 0006)
    statement_id: Mapped[int | None] = mapped_column(index=True, default=None)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_by: Mapped[str] = mapped_column(String(320))
    opened_by_side: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str | None] = mapped_column(String(20), default=None)
    resolution_note: Mapped[str | None] = mapped_column(Text, default=None)
    amount_adjustment: Mapped[Decimal | None] = mapped_column(DecimalText(), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(320), default=None)
