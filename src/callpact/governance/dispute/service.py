"""Disputes on statement lines: either party opens one; the other party's admin resolves it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.aht_plan.rules import month_index
from callpact.governance.audit import service as audit
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.dispute.models import Dispute
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import OrganizationKind
from callpact.governance.organization.permissions import Action, Actor, require, require_side

RESOLUTIONS = ("upheld", "rejected", "adjusted")


def open_dispute(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    month: str,
    line_ref: str,
    reason: str,
    now: datetime,
) -> Dispute:
    """Dispute one line (``line_ref``, e.g. a KPI id) of the statement for ``month``."""
    contract = get_contract(session, actor, contract_id, Action.OPEN_DISPUTE)
    side = require(actor, contract, Action.OPEN_DISPUTE)
    month_index(month)
    if not reason.strip():
        raise GovernanceError("a dispute needs a reason")
    dispute = Dispute(
        contract_pk=contract.id,
        month=month,
        line_ref=line_ref,
        reason=reason,
        opened_at=now,
        opened_by=actor.email,
        opened_by_side=side.value,
        status="open",
    )
    session.add(dispute)
    audit.record(session, actor=actor.email, at=now, entity=dispute, action="open", before=None)
    return dispute


def resolve_dispute(
    session: Session,
    actor: Actor,
    contract_id: str,
    dispute_id: int,
    *,
    resolution: str,
    note: str,
    amount_adjustment: Decimal | None = None,
    now: datetime,
) -> Dispute:
    """Resolve a dispute: ``upheld`` (the line is wrong), ``rejected`` (it stands) or
    ``adjusted`` (with the agreed amount). The party that did not open it resolves it."""
    contract = get_contract(session, actor, contract_id, Action.RESOLVE_DISPUTE)
    dispute = record_or_missing(
        session.get(Dispute, dispute_id), contract, f"no dispute {dispute_id} on {contract_id}"
    )
    other = (
        OrganizationKind.VENDOR
        if dispute.opened_by_side == OrganizationKind.CLIENT.value
        else OrganizationKind.CLIENT
    )
    require_side(
        actor,
        contract,
        Action.RESOLVE_DISPUTE,
        {other},
        f"dispute {dispute_id} was opened by the {dispute.opened_by_side}; the "
        f"{other.value} resolves it",
    )
    if dispute.status != "open":
        raise GovernanceError(f"dispute {dispute_id} is already resolved")
    if resolution not in RESOLUTIONS:
        raise GovernanceError(f"a resolution is {', '.join(RESOLUTIONS)}, not {resolution!r}")
    if (resolution == "adjusted") != (amount_adjustment is not None):
        raise GovernanceError("an adjusted resolution, and only that, carries an amount")
    before = audit.entity_state(dispute)
    dispute.status = "resolved"
    dispute.resolution = resolution
    dispute.resolution_note = note
    dispute.amount_adjustment = amount_adjustment
    dispute.resolved_at = now
    dispute.resolved_by = actor.email
    audit.record(
        session, actor=actor.email, at=now, entity=dispute, action="resolve", before=before
    )
    return dispute


def list_disputes(
    session: Session, actor: Actor, contract_id: str, month: str | None = None
) -> list[Dispute]:
    contract = get_contract(session, actor, contract_id)
    query = select(Dispute).where(Dispute.contract_pk == contract.id)
    if month:
        query = query.where(Dispute.month == month)
    return list(session.scalars(query.order_by(Dispute.opened_at, Dispute.id)))
