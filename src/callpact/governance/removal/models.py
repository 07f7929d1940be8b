"""Removal requests and the vendor's answer and replacement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, UtcDateTime
from callpact.governance.staff.models import StaffMember


class RemovalRequest(Base):
    __tablename__ = "removal_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    requested_by: Mapped[str] = mapped_column(String(320))
    response: Mapped[str | None] = mapped_column(String(20), default=None)
    response_note: Mapped[str | None] = mapped_column(Text, default=None)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    replacement_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id"), default=None
    )

    staff_member: Mapped[StaffMember] = relationship(foreign_keys=[staff_member_id], lazy="joined")
