"""The governed contract: the link between a contract annex, its two parties and its terms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, UtcDateTime
from callpact.governance.organization.models import Organization
from callpact.governance.terms import GovernanceTerms, TermsSchedule, TermsVersion


class GovernedContractTerms(Base):
    """One version of a contract's governance terms: the base annex or an amendment, in force
    from ``effective_from`` (a local date) until the next version."""

    __tablename__ = "governed_contract_terms"
    __table_args__ = (UniqueConstraint("contract_pk", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_pk: Mapped[int] = mapped_column(ForeignKey("governed_contracts.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    terms_json: Mapped[dict[str, Any]] = mapped_column(JSON)

    @property
    def version(self) -> TermsVersion:
        return TermsVersion(self.effective_from, GovernanceTerms.from_json(self.terms_json))


class GovernedContract(Base):
    __tablename__ = "governed_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(200), unique=True)
    client_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    vendor_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The first version's terms, as registered; every version is in ``terms_versions``.
    terms_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())

    client: Mapped[Organization] = relationship(foreign_keys=[client_org_id], lazy="joined")
    vendor: Mapped[Organization] = relationship(foreign_keys=[vendor_org_id], lazy="joined")
    terms_versions: Mapped[list[GovernedContractTerms]] = relationship(
        order_by=GovernedContractTerms.effective_from,
        lazy="selectin",
        cascade="all, delete-orphan",
    )

    @cached_property
    def schedule(self) -> TermsSchedule:
        """Every version of the terms, oldest first (the first alone if none is stored yet).

        Parsed from the stored JSON once per loaded row, not on every :meth:`terms_at` (a list
        asks it once per item): registering a version forgets it
        (:meth:`forget_schedule`), and so does the row being expired or refreshed from the
        database (a commit, another session's change)."""
        if not self.terms_versions:
            first = GovernanceTerms.from_json(self.terms_json)
            return TermsSchedule((TermsVersion(first.start, first),))
        return TermsSchedule.of([row.version for row in self.terms_versions])

    def forget_schedule(self) -> None:
        """Drop the parsed :attr:`schedule`: the next read parses the stored versions again."""
        self.__dict__.pop("schedule", None)

    @property
    def terms(self) -> GovernanceTerms:
        """The terms as first signed (the base annex, before any amendment): what holds for
        the contract as a whole (its id, parties' currency, start). A rule about a day reads
        :meth:`terms_on` or :meth:`terms_at` instead."""
        return GovernanceTerms.from_json(self.terms_json)

    def terms_on(self, day: date) -> GovernanceTerms:
        """The terms in force on the local date ``day`` (the last version effective on or
        before it; before the first version, the first)."""
        return self.schedule.on(day)

    def terms_at(self, moment: datetime) -> GovernanceTerms:
        """The terms in force at an instant, read on its local date in the contract's zone."""
        return self.schedule.at(moment)


# A row read again from the database may hold other versions than those parsed before. A query
# that merely returns the row again (every permission check does) reloads nothing the schedule
# is made of, so it keeps the parsed one.
_SCHEDULE_SOURCES = frozenset({"terms_json", "terms_versions"})


@event.listens_for(GovernedContract, "expire")
def _forget_expired_schedule(target: GovernedContract, attrs: Iterable[str] | None) -> None:
    if attrs is None or not _SCHEDULE_SOURCES.isdisjoint(attrs):
        target.forget_schedule()


@event.listens_for(GovernedContract, "refresh")
def _forget_refreshed_schedule(
    target: GovernedContract, context: object, attrs: Iterable[str] | None
) -> None:
    if attrs is None or not _SCHEDULE_SOURCES.isdisjoint(attrs):
        target.forget_schedule()
