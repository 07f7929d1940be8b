"""Declared outages: an outage the vendor declares (a row of its delivery's ``outages`` table)
excludes contacts from a KPI only once the client has accepted it.

The decision is a governance record (audited, made once); ``export_outage_decisions`` writes the
file settlement reads (``settle --outages``), as ``notice export`` does for cure decisions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.service import get_contract
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.outage.models import OutageDecision

FORMAT = "callpact.outage-decisions/1"


class OutageDecisionView(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    outage_ref: str
    decision: str
    decided_by: str
    decided_at: datetime
    note: str


def decide_outage(
    session: Session,
    actor: Actor,
    contract_id: str,
    outage_id: str,
    *,
    accept: bool,
    note: str = "",
    now: datetime,
) -> OutageDecisionView:
    """The client accepts (its contacts are then excluded where the annex says so) or rejects
    an outage the vendor declared; a decision is made once."""
    contract = get_contract(session, actor, contract_id, Action.DECIDE_OUTAGE)
    if not outage_id.strip():
        raise GovernanceError(
            "an outage decision names the delivery's outage_id", field="outage_id"
        )
    if not accept and not note.strip():
        raise GovernanceError("rejecting a declared outage needs a note saying why", field="note")
    earlier = session.scalars(
        select(OutageDecision).where(
            OutageDecision.contract_pk == contract.id, OutageDecision.outage_ref == outage_id
        )
    ).first()
    if earlier is not None:
        raise GovernanceError(
            f"outage {outage_id} was already {earlier.decision} by {earlier.decided_by}",
            code="outage.decided",
            field="outage_id",
        )
    decision = OutageDecision(
        contract_pk=contract.id,
        outage_ref=outage_id,
        decision="accepted" if accept else "rejected",
        decided_by=actor.email,
        decided_at=now,
        note=note,
    )
    session.add(decision)
    audit.record(session, actor=actor.email, at=now, entity=decision, action="decide", before=None)
    return OutageDecisionView.model_validate(decision)


def list_outage_decisions(
    session: Session, actor: Actor, contract_id: str
) -> list[OutageDecisionView]:
    contract = get_contract(session, actor, contract_id)
    decisions = session.scalars(
        select(OutageDecision)
        .where(OutageDecision.contract_pk == contract.id)
        .order_by(OutageDecision.decided_at, OutageDecision.id)
    )
    return [OutageDecisionView.model_validate(d) for d in decisions]


def export_outage_decisions(session: Session, actor: Actor, contract_id: str) -> dict[str, Any]:
    """The decisions file settlement reads: the accepted outage ids, and every decision."""
    decisions = list_outage_decisions(session, actor, contract_id)
    return {
        "format": FORMAT,
        "contract_id": contract_id,
        "accepted": sorted(d.outage_ref for d in decisions if d.decision == "accepted"),
        "decisions": [d.model_dump(mode="json") for d in decisions],
    }
