"""Removal requests: the client asks, the vendor answers and replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.claim.service import record_claim
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.removal.models import RemovalRequest
from callpact.governance.removal.rules import RemovalClock, removal_clock
from callpact.governance.staff.service import find_member

RESPONSES = ("accepted", "contested")


@dataclass(frozen=True, slots=True)
class RemovalView:
    request: RemovalRequest
    clock: RemovalClock


def _find(session: Session, contract: GovernedContract, request_id: int) -> RemovalRequest:
    missing = f"no removal request {request_id} on {contract.contract_id}"
    return record_or_missing(session.get(RemovalRequest, request_id), contract, missing)


def clock_of(contract: GovernedContract, request: RemovalRequest, now: datetime) -> RemovalClock:
    """The request's clock under the terms in force on the day it was made."""
    terms = contract.terms_at(request.requested_at)
    return removal_clock(
        requested_at=request.requested_at,
        response_days=terms.removal_response_days,
        replacement_days=terms.replacement_days,
        responded_at=request.responded_at,
        response=request.response,
        replaced_at=request.replaced_at,
        now=now,
    )


def request_removal(
    session: Session,
    actor: Actor,
    contract_id: str,
    person_id: str,
    *,
    reason: str,
    now: datetime,
    claimed_at: datetime | None = None,
) -> RemovalRequest:
    """The client asks that a named person leave the program, giving a reason. The request is
    dated ``now``; ``claimed_at``, an earlier moment the client says it asked, waits as a time
    claim for the vendor to accept."""
    contract = get_contract(session, actor, contract_id, Action.REQUEST_REMOVAL)
    if not reason.strip():
        raise GovernanceError("a removal request needs a reason")
    member = find_member(session, contract, person_id)
    request = RemovalRequest(
        contract_pk=contract.id,
        staff_member_id=member.id,
        reason=reason,
        requested_at=now,
        requested_by=actor.email,
    )
    session.add(request)
    audit.record(session, actor=actor.email, at=now, entity=request, action="request", before=None)
    ref = f"removal request of {person_id}"
    record_claim(
        session,
        actor,
        contract,
        request,
        field="requested_at",
        claimed_at=claimed_at,
        ref=ref,
        now=now,
    )
    return request


def answer_removal(
    session: Session,
    actor: Actor,
    contract_id: str,
    request_id: int,
    *,
    response: str,
    note: str = "",
    now: datetime,
    claimed_at: datetime | None = None,
) -> RemovalRequest:
    """The vendor's answer: ``accepted`` (a replacement follows) or ``contested`` (with a note),
    dated ``now``; ``claimed_at`` (answered earlier, say in a meeting) is a time claim."""
    contract = get_contract(session, actor, contract_id, Action.ANSWER_REMOVAL)
    if response not in RESPONSES:
        raise GovernanceError(f"a removal answer is accepted or contested, not {response!r}")
    if response == "contested" and not note.strip():
        raise GovernanceError("contesting a removal request needs a note saying why")
    request = _find(session, contract, request_id)
    if request.responded_at is not None:
        raise GovernanceError(f"removal request {request_id} was already answered")
    before = audit.entity_state(request)
    request.response = response
    request.response_note = note or None
    request.responded_at = now
    audit.record(session, actor=actor.email, at=now, entity=request, action="answer", before=before)
    record_claim(
        session,
        actor,
        contract,
        request,
        field="responded_at",
        claimed_at=claimed_at,
        ref=f"answer to removal request {request_id}",
        now=now,
        not_before=request.requested_at,
    )
    return request


def record_replacement(
    session: Session,
    actor: Actor,
    contract_id: str,
    request_id: int,
    *,
    replacement_person_id: str | None,
    now: datetime,
    claimed_at: datetime | None = None,
) -> RemovalRequest:
    """The person has left the program (taken off the roster) and, if named, who replaces them."""
    contract = get_contract(session, actor, contract_id, Action.ANSWER_REMOVAL)
    request = _find(session, contract, request_id)
    if request.replaced_at is not None:
        raise GovernanceError(f"removal request {request_id} is already closed")
    replacement_id = None
    if replacement_person_id is not None:
        replacement = find_member(session, contract, replacement_person_id)
        if replacement.id == request.staff_member_id:
            raise GovernanceError("a person cannot replace themselves")
        replacement_id = replacement.id
    removed = request.staff_member
    if removed.active:
        before_member = audit.entity_state(removed)
        removed.active = False
        audit.record(
            session,
            actor=actor.email,
            at=now,
            entity=removed,
            action="deactivate",
            before=before_member,
        )
    before = audit.entity_state(request)
    if request.responded_at is None:  # replacing is an answer too
        request.response = "accepted"
        request.responded_at = now
    request.replaced_at = now
    request.replacement_staff_id = replacement_id
    audit.record(
        session, actor=actor.email, at=now, entity=request, action="replace", before=before
    )
    record_claim(
        session,
        actor,
        contract,
        request,
        field="replaced_at",
        claimed_at=claimed_at,
        ref=f"replacement for removal request {request_id}",
        now=now,
        not_before=request.requested_at,
    )
    return request


def list_removals(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[RemovalView]:
    contract = get_contract(session, actor, contract_id)
    requests = session.scalars(
        select(RemovalRequest)
        .where(RemovalRequest.contract_pk == contract.id)
        .order_by(RemovalRequest.requested_at, RemovalRequest.id)
    )
    return [RemovalView(request, clock_of(contract, request, now)) for request in requests]
