"""Time claims: the record keeps the server's recording time; a party's stated moment waits
beside it until the other party accepts it (then the record takes it) or rejects it.

Deadlines (a removal answer's, an incident report's, a document's, a notice's) are judged on
the record's time, so a backdated action changes nothing until the other side agrees.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.claim.models import TimeClaim
from callpact.governance.claim.rules import claim_problem
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.database import Base
from callpact.governance.errors import GovernanceError, PermissionDenied
from callpact.governance.organization.permissions import Action, Actor, require

STATUSES = ("pending", "accepted", "rejected")


class ClaimView(BaseModel):
    """A time claim as either party reads it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    record_table: str
    record_id: int
    record_ref: str
    field: str
    claimed_at: datetime
    recorded_at: datetime
    claimed_by: str
    claimed_by_side: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str


def record_claim(
    session: Session,
    actor: Actor,
    contract: GovernedContract,
    record: Base,
    *,
    field: str,
    claimed_at: datetime | None,
    ref: str,
    now: datetime,
    not_before: datetime | None = None,
) -> TimeClaim | None:
    """Store ``actor``'s claim that ``record.field`` (already set to ``now``) happened at
    ``claimed_at``; nothing when no other moment was stated. Refuses a moment after ``now`` or
    before ``not_before``."""
    if claimed_at is None or claimed_at == now:
        return None
    problem = claim_problem(claimed_at, recorded_at=now, not_before=not_before)
    if problem is not None:
        code, message = problem
        raise GovernanceError(f"{field}: {message}", code=code, field=field)
    side = require(actor, contract, Action.READ)
    session.flush()  # the record's id
    claim = TimeClaim(
        contract_pk=contract.id,
        record_table=record.__tablename__,
        record_id=getattr(record, "id"),  # noqa: B009 - any governance record
        record_ref=ref,
        field=field,
        claimed_at=claimed_at,
        recorded_at=now,
        claimed_by=actor.email,
        claimed_by_side=side.value,
    )
    session.add(claim)
    audit.record(session, actor=actor.email, at=now, entity=claim, action="claim", before=None)
    return claim


def _record_of(session: Session, claim: TimeClaim) -> Base:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == claim.record_table:
            record = session.get(mapper.class_, claim.record_id)
            if record is not None:
                return record  # type: ignore[no-any-return]
    raise GovernanceError(f"the record of claim {claim.id} no longer exists")


def _value_for(current: object, claimed_at: datetime) -> object:
    """A claim on a day (a measure's ``completed_on``) is stored as that day's UTC midnight."""
    if isinstance(current, date) and not isinstance(current, datetime):
        return claimed_at.astimezone(UTC).date()
    return claimed_at


def decide_claim(
    session: Session,
    actor: Actor,
    contract_id: str,
    claim_id: int,
    *,
    accept: bool,
    note: str = "",
    now: datetime,
) -> ClaimView:
    """The other party accepts (the record takes the claimed moment) or rejects a claim."""
    contract = get_contract(session, actor, contract_id, Action.DECIDE_CLAIM)
    claim = record_or_missing(
        session.get(TimeClaim, claim_id), contract, f"no time claim {claim_id} on {contract_id}"
    )
    side = require(actor, contract, Action.DECIDE_CLAIM)
    if side.value == claim.claimed_by_side:
        raise PermissionDenied(
            actor.describe(),
            f"{Action.DECIDE_CLAIM.value} {claim_id}",
            f"the claim was made by the {claim.claimed_by_side}; the other party decides it",
        )
    if claim.status != "pending":
        raise GovernanceError(
            f"time claim {claim_id} was already {claim.status} by {claim.decided_by}",
            code="claim.decided",
        )
    if accept:
        record = _record_of(session, claim)
        before_record = audit.entity_state(record)
        setattr(record, claim.field, _value_for(getattr(record, claim.field), claim.claimed_at))
        audit.record(
            session,
            actor=actor.email,
            at=now,
            entity=record,
            action="accept claim",
            before=before_record,
        )
    before = audit.entity_state(claim)
    claim.status = "accepted" if accept else "rejected"
    claim.decided_by = actor.email
    claim.decided_at = now
    claim.note = note
    audit.record(session, actor=actor.email, at=now, entity=claim, action="decide", before=before)
    return ClaimView.model_validate(claim)


def list_claims(
    session: Session, actor: Actor, contract_id: str, *, status: str | None = None
) -> list[ClaimView]:
    """The contract's time claims, oldest first; only those in ``status`` when given."""
    if status is not None and status not in STATUSES:
        raise GovernanceError(
            f"a claim's status is {', '.join(STATUSES)}, not {status!r}", field="status"
        )
    contract = get_contract(session, actor, contract_id)
    query = select(TimeClaim).where(TimeClaim.contract_pk == contract.id)
    if status is not None:
        query = query.where(TimeClaim.status == status)
    claims = session.scalars(query.order_by(TimeClaim.recorded_at, TimeClaim.id))
    return [ClaimView.model_validate(claim) for claim in claims]
