"""A stored statement (one version of one month's settlement) and its lifecycle transitions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, DecimalText, UtcDateTime


class StoredStatement(Base):
    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("number", "version", name="uq_statements_number_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    number: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20), default="statement")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"), default=None)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    reason: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64))
    net_adjustment: Mapped[Decimal] = mapped_column(DecimalText())
    invoice_total: Mapped[Decimal] = mapped_column(DecimalText())
    audit_head: Mapped[str] = mapped_column(String(64))
    vendor_reviewed_by: Mapped[str | None] = mapped_column(String(320), default=None)
    vendor_reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))


class StatementTransition(Base):
    __tablename__ = "statement_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
