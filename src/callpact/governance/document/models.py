"""Required documents and their submission and acceptance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, UtcDateTime


class RequiredDocumentRecord(Base):
    __tablename__ = "required_documents"
    __table_args__ = (UniqueConstraint("contract_pk", "document_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    document_ref: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date]
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(320), default=None)
    location: Mapped[str | None] = mapped_column(String(500), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
