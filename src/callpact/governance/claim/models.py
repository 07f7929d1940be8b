"""A party's claim that a recorded action happened at another moment than its recording."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, UtcDateTime


class TimeClaim(Base):
    """``record_table``/``record_id``/``field`` name the timestamp the claim is about; the
    record holds the recording time until the other party accepts the claim."""

    __tablename__ = "time_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    record_table: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column()
    record_ref: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str] = mapped_column(String(320))
    claimed_by_side: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(320), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
