"""The governed contract: the link between a contract annex, its two parties and its terms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, UtcDateTime
from callpact.governance.organization.models import Organization
from callpact.governance.terms import GovernanceTerms


class GovernedContract(Base):
    __tablename__ = "governed_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(200), unique=True)
    client_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    vendor_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    terms_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())

    client: Mapped[Organization] = relationship(foreign_keys=[client_org_id], lazy="joined")
    vendor: Mapped[Organization] = relationship(foreign_keys=[vendor_org_id], lazy="joined")

    @property
    def terms(self) -> GovernanceTerms:
        return GovernanceTerms.from_json(self.terms_json)
