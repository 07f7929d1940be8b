"""AHT-reduction measures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base


class AhtMeasure(Base):
    __tablename__ = "aht_measures"
    __table_args__ = (UniqueConstraint("contract_pk", "measure_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    measure_ref: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date]
    expected_s: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="planned")
    completed_on: Mapped[date | None] = mapped_column(default=None)
    # The effective date of the amendment that removed the measure from the annex (None while
    # the annex lists it, or if it never did): the plan counts it only before that day.
    withdrawn_on: Mapped[date | None] = mapped_column(default=None)
    # The effective date of the amendment that first lists the measure (None for one the first
    # version lists, or that the parties added by hand): the plan counts it only from that day.
    effective_from: Mapped[date | None] = mapped_column(default=None)
