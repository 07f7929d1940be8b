"""Disputes on statement lines: the vendor (or the client) disputes one line of a stored
statement; the other party resolves it; an upheld or adjusted dispute corrects the invoice."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.dispute.models import Dispute
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import OrganizationKind
from callpact.governance.organization.permissions import Action, Actor, require, require_side
from callpact.governance.statement import service as statements
from callpact.governance.statement.models import StoredStatement
from callpact.governance.statement.rules import (
    StatementState,
    corrected_document,
    line_of,
    upheld_effect,
)

RESOLUTIONS = ("upheld", "rejected", "adjusted")
_DISPUTABLE = {StatementState.ISSUED.value, StatementState.DISPUTED.value}


def open_dispute(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    statement: str,
    line_id: str,
    reason: str,
    now: datetime,
) -> Dispute:
    """Dispute line ``line_id`` of the stored statement ``statement`` (its number or month).
    Refused when the statement or the line does not exist, or the statement is not open to
    review (a draft not yet issued, or one already approved)."""
    contract = get_contract(session, actor, contract_id, Action.OPEN_DISPUTE)
    side = require(actor, contract, Action.OPEN_DISPUTE)
    stored = statements.find(session, contract, statement)
    document = json.loads(stored.document)
    if line_of(document, line_id) is None:
        known = ", ".join(ln["line_id"] for ln in document.get("lines", []) if "line_id" in ln)
        raise GovernanceError(
            f"statement {stored.number} v{stored.version} has no line {line_id!r}; its lines: "
            f"{known}",
            field="line",
        )
    if stored.state not in _DISPUTABLE:
        raise GovernanceError(
            f"statement {stored.number} v{stored.version} is {stored.state}; a line can be "
            "disputed while the statement is issued for review",
            field="statement",
        )
    if not reason.strip():
        raise GovernanceError("a dispute needs a reason", field="reason")
    dispute = Dispute(
        contract_pk=contract.id,
        month=stored.period,
        line_ref=line_id,
        statement_id=stored.id,
        reason=reason,
        opened_at=now,
        opened_by=actor.email,
        opened_by_side=side.value,
        status="open",
    )
    session.add(dispute)
    session.flush()
    audit.record(session, actor=actor.email, at=now, entity=dispute, action="open", before=None)
    statements.mark_disputed(
        session, stored, actor=actor.email, now=now, note=f"dispute {dispute.id} on {line_id}"
    )
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
    """Resolve a dispute: ``upheld`` (the line is wrong: its effect on the invoice is
    reversed), ``rejected`` (it stands) or ``adjusted`` (the invoice moves by the agreed signed
    amount: positive, the client pays the vendor more; negative, less). The party that did not
    open it resolves it. Upheld and adjusted disputes issue a corrected statement (a credit or
    debit note) superseding the disputed one."""
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
        raise GovernanceError(
            f"a resolution is {', '.join(RESOLUTIONS)}, not {resolution!r}", field="resolution"
        )
    if (resolution == "adjusted") != (amount_adjustment is not None):
        raise GovernanceError(
            "an adjusted resolution, and only that, carries an amount", field="amount"
        )
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
    if dispute.statement_id is not None:
        stored = session.get(StoredStatement, dispute.statement_id)
        assert stored is not None
        statements.mark_undisputed(
            session, stored, actor=actor.email, now=now, note=f"dispute {dispute.id} {resolution}"
        )
        if resolution != "rejected":
            _correct_for(session, actor, contract_id, stored, dispute, now=now)
    return dispute


def _correct_for(
    session: Session,
    actor: Actor,
    contract_id: str,
    stored: StoredStatement,
    dispute: Dispute,
    *,
    now: datetime,
) -> None:
    document = json.loads(stored.document)
    line = line_of(document, dispute.line_ref)
    assert line is not None
    effect = (
        dispute.amount_adjustment
        if dispute.resolution == "adjusted" and dispute.amount_adjustment is not None
        else upheld_effect(line)
    )
    reason = (
        f"dispute {dispute.id} on {dispute.line_ref} {dispute.resolution}: "
        f"{dispute.resolution_note}"
    )
    corrected = corrected_document(
        document, dispute_id=dispute.id, line_id=dispute.line_ref, effect=effect, reason=reason
    )
    statements.correct(
        session,
        actor,
        contract_id,
        f"{stored.number} v{stored.version}",
        corrected,
        reason=reason,
        now=now,
    )


def list_disputes(
    session: Session, actor: Actor, contract_id: str, month: str | None = None
) -> list[Dispute]:
    contract = get_contract(session, actor, contract_id)
    query = select(Dispute).where(Dispute.contract_pk == contract.id)
    if month:
        query = query.where(Dispute.month == month)
    return list(session.scalars(query.order_by(Dispute.opened_at, Dispute.id)))
