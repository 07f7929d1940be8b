"""Required documents: created from the annex, submitted by their owner, accepted by the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.claim.service import record_claim
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import find_record, get_contract, record_or_missing
from callpact.governance.document.models import RequiredDocumentRecord
from callpact.governance.document.rules import DocumentStatus, document_status, due_date
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import OrganizationKind
from callpact.governance.organization.permissions import Action, Actor, require_side


@dataclass(frozen=True, slots=True)
class DocumentView:
    document: RequiredDocumentRecord
    status: DocumentStatus


def sync_required_documents(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[RequiredDocumentRecord]:
    """Create a record, with its due date, for each document the annex requires (idempotent).

    A document of the base terms is due its days after the contract's start; one that an
    amendment adds, its days after the amendment takes effect (counted from the start it would
    be overdue the day it became required).
    """
    contract = get_contract(session, actor, contract_id, Action.REGISTER_CONTRACT)
    known = {
        d.document_ref
        for d in session.scalars(
            select(RequiredDocumentRecord).where(RequiredDocumentRecord.contract_pk == contract.id)
        )
    }
    created = []
    for version in contract.schedule.versions:
        start = max(version.effective_from, version.terms.start)
        for required in version.terms.documents:
            if required.document_id in known:
                continue
            known.add(required.document_id)
            record = RequiredDocumentRecord(
                contract_pk=contract.id,
                document_ref=required.document_id,
                owner=required.owner,
                due_on=due_date(start, required.due_days_after_start),
            )
            session.add(record)
            audit.record(
                session, actor=actor.email, at=now, entity=record, action="require", before=None
            )
            created.append(record)
    return created


def _find(session: Session, contract: GovernedContract, document_id: str) -> RequiredDocumentRecord:
    found = find_record(session, RequiredDocumentRecord, contract, "document_ref", document_id)
    return record_or_missing(found, contract, f"no required document {document_id!r}")


def submit_document(
    session: Session,
    actor: Actor,
    contract_id: str,
    document_id: str,
    *,
    location: str,
    now: datetime,
    claimed_at: datetime | None = None,
) -> RequiredDocumentRecord:
    """The owner's side hands the document in (``location``: where it can be read), dated
    ``now``; ``claimed_at`` (handed in earlier by another channel) is a time claim."""
    contract = get_contract(session, actor, contract_id, Action.SUBMIT_DOCUMENT)
    record = _find(session, contract, document_id)
    owners = (
        {OrganizationKind.CLIENT, OrganizationKind.VENDOR}
        if record.owner == "both"
        else {OrganizationKind(record.owner)}
    )
    require_side(
        actor,
        contract,
        Action.SUBMIT_DOCUMENT,
        owners,
        f"document {document_id} is owed by the {record.owner}",
    )
    if record.submitted_at is not None:
        raise GovernanceError(f"document {document_id} was already submitted")
    before = audit.entity_state(record)
    record.submitted_at = now
    record.submitted_by = actor.email
    record.location = location
    audit.record(session, actor=actor.email, at=now, entity=record, action="submit", before=before)
    ref = f"submission of {document_id}"
    record_claim(
        session,
        actor,
        contract,
        record,
        field="submitted_at",
        claimed_at=claimed_at,
        ref=ref,
        now=now,
    )
    return record


def accept_document(
    session: Session, actor: Actor, contract_id: str, document_id: str, *, now: datetime
) -> RequiredDocumentRecord:
    contract = get_contract(session, actor, contract_id, Action.ACCEPT_DOCUMENT)
    record = _find(session, contract, document_id)
    if record.submitted_at is None:
        raise GovernanceError(f"document {document_id} has not been submitted")
    before = audit.entity_state(record)
    record.accepted_at = now
    audit.record(session, actor=actor.email, at=now, entity=record, action="accept", before=before)
    return record


def list_documents(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[DocumentView]:
    contract = get_contract(session, actor, contract_id)
    time_zone = contract.terms_at(now).time_zone
    records = session.scalars(
        select(RequiredDocumentRecord)
        .where(RequiredDocumentRecord.contract_pk == contract.id)
        .order_by(RequiredDocumentRecord.due_on, RequiredDocumentRecord.document_ref)
    )
    return [
        DocumentView(
            r,
            document_status(
                due_on=r.due_on, submitted_at=r.submitted_at, now=now, time_zone=time_zone
            ),
        )
        for r in records
    ]
