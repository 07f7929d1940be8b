"""Statements as shared records: store a settled month, move it through its lifecycle, correct
it. Every change is audited; services return read models, never ORM rows."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import get_contract, registered_contract
from callpact.governance.deadlines import local_date
from callpact.governance.errors import GovernanceError, NotFound
from callpact.governance.organization.permissions import Actor
from callpact.governance.organization.service import operator_for
from callpact.governance.statement.models import StatementTransition, StoredStatement
from callpact.governance.statement.rules import (
    STEPS,
    StatementState,
    Step,
    approval_problem,
    correction_kind,
    dispute_window_closes,
    step_problem,
)


class TransitionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_state: str
    to_state: str
    actor: str
    at: datetime
    note: str


class StatementView(BaseModel):
    """A stored statement as either party sees it."""

    model_config = ConfigDict(frozen=True)

    number: str
    version: int
    kind: str
    period: str
    state: str
    supersedes: str | None
    reason: str
    net_adjustment: Decimal
    invoice_total: Decimal
    currency: str
    document_sha256: str
    audit_head: str
    created_at: datetime
    created_by: str
    vendor_reviewed_by: str | None
    dispute_window_closes: date | None
    transitions: tuple[TransitionView, ...]

    @property
    def ref(self) -> str:
        return f"{self.number} v{self.version}"


def _sha256(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _audit_head(session: Session) -> str:
    session.flush()
    return audit.head_hash(session)


def _transitions(session: Session, statement: StoredStatement) -> list[StatementTransition]:
    return list(
        session.scalars(
            select(StatementTransition)
            .where(StatementTransition.statement_id == statement.id)
            .order_by(StatementTransition.id)
        )
    )


def _issued_on(transitions: list[StatementTransition], zone: str) -> date | None:
    """The contract's local day the statement was first issued to the vendor, if it was."""
    at = next((t.at for t in transitions if t.to_state == StatementState.ISSUED.value), None)
    return local_date(at, zone) if at else None


def view(session: Session, contract: GovernedContract, statement: StoredStatement) -> StatementView:
    transitions = _transitions(session, statement)
    supersedes = (
        session.get(StoredStatement, statement.supersedes_id) if statement.supersedes_id else None
    )
    terms = contract.schedule.first
    issued_on = _issued_on(transitions, terms.time_zone)
    window = terms.dispute_window_days
    document = json.loads(statement.document)
    return StatementView(
        number=statement.number,
        version=statement.version,
        kind=statement.kind,
        period=statement.period,
        state=statement.state,
        supersedes=f"{supersedes.number} v{supersedes.version}" if supersedes else None,
        reason=statement.reason,
        net_adjustment=statement.net_adjustment,
        invoice_total=statement.invoice_total,
        currency=str(document.get("currency", "")),
        document_sha256=statement.document_sha256,
        audit_head=statement.audit_head,
        created_at=statement.created_at,
        created_by=statement.created_by,
        vendor_reviewed_by=statement.vendor_reviewed_by,
        dispute_window_closes=(
            dispute_window_closes(issued_on, window) if issued_on and window is not None else None
        ),
        transitions=tuple(
            TransitionView(
                from_state=t.from_state, to_state=t.to_state, actor=t.actor, at=t.at, note=t.note
            )
            for t in transitions
        ),
    )


def _transition(
    session: Session,
    statement: StoredStatement,
    to_state: StatementState,
    *,
    actor: str,
    now: datetime,
    note: str = "",
) -> None:
    before = audit.entity_state(statement)
    from_state = statement.state
    statement.state = to_state.value
    audit.record(
        session, actor=actor, at=now, entity=statement, action=f"to_{to_state.value}", before=before
    )
    transition = StatementTransition(
        statement_id=statement.id,
        from_state=from_state,
        to_state=to_state.value,
        actor=actor,
        at=now,
        note=note,
    )
    session.add(transition)
    session.flush()
    audit.record(session, actor=actor, at=now, entity=transition, action="create", before=None)


def store_statement(
    session: Session,
    actor: Actor,
    contract_id: str,
    document: dict[str, Any],
    *,
    now: datetime,
    supersedes: StoredStatement | None = None,
    kind: str = "statement",
    reason: str = "",
) -> StoredStatement:
    """Store a settled month as a draft. A draft stored already is superseded by the new
    version; a statement already issued is changed only through :func:`correct`."""
    contract = get_contract(session, actor, contract_id)
    if document.get("contract_id") != contract_id:
        raise GovernanceError(
            f"the statement is for {document.get('contract_id')!r}, not {contract_id!r}",
            field="contract_id",
        )
    period = str(document["period"])
    _check_in_term(contract, period)
    number = f"{contract_id}-{period}"
    latest = _latest(session, contract, number)
    if latest is not None and supersedes is None:
        if latest.state != StatementState.DRAFT.value:
            raise GovernanceError(
                f"statement {number} v{latest.version} is {latest.state}; correct it "
                "(`callpact statement correct`) instead of settling the month again",
                field="period",
            )
        supersedes = latest
    version = (latest.version + 1) if latest is not None else 1
    statement = StoredStatement(
        contract_pk=contract.id,
        period=period,
        number=number,
        version=version,
        kind=kind,
        supersedes_id=supersedes.id if supersedes else None,
        state=StatementState.DRAFT.value,
        reason=reason,
        document=json.dumps(document, sort_keys=True),
        document_sha256=_sha256(document),
        net_adjustment=Decimal(document["net_adjustment"]),
        invoice_total=Decimal(document["invoice_total"]),
        audit_head=_audit_head(session),
        created_at=now,
        created_by=actor.email,
    )
    session.add(statement)
    session.flush()
    audit.record(session, actor=actor.email, at=now, entity=statement, action="store", before=None)
    return statement


def store_settled_month(
    session: Session, document: dict[str, Any], *, now: datetime
) -> StoredStatement:
    """The operator's ``settle --store``: the settled month stored as a draft on the client's
    behalf (audited as the operator), for the client to issue."""
    contract_id = str(document.get("contract_id"))
    operator = operator_for(session, registered_contract(session, contract_id).client.name)
    return store_statement(session, operator, contract_id, document, now=now)


def _check_in_term(contract: GovernedContract, period: str) -> None:
    terms = contract.schedule.first
    first = f"{terms.start:%Y-%m}"
    last = f"{terms.end:%Y-%m}" if terms.end else None
    if period < first or (last is not None and period > last):
        raise GovernanceError(
            f"{period} is outside the contract's term ({first} to {last or 'open-ended'})",
            field="period",
        )


def _latest(session: Session, contract: GovernedContract, number: str) -> StoredStatement | None:
    return session.scalars(
        select(StoredStatement)
        .where(StoredStatement.contract_pk == contract.id, StoredStatement.number == number)
        .order_by(StoredStatement.version.desc())
    ).first()


def find(session: Session, contract: GovernedContract, ref: str) -> StoredStatement:
    """A statement by ``NUMBER`` (its newest version), ``NUMBER vN``, or its month ``YYYY-MM``."""
    number, _, version = ref.partition(" v")
    if len(number) == 7 and number[4] == "-":
        number = f"{contract.contract_id}-{number}"
    if version:
        if not version.isdigit():
            raise NotFound(f"no statement {ref!r} on {contract.contract_id}", field="statement")
        found = session.scalars(
            select(StoredStatement).where(
                StoredStatement.contract_pk == contract.id,
                StoredStatement.number == number,
                StoredStatement.version == int(version),
            )
        ).first()
    else:
        found = _latest(session, contract, number)
    if found is None:
        raise NotFound(f"no statement {ref!r} on {contract.contract_id}", field="statement")
    return found


def get_statement(session: Session, actor: Actor, contract_id: str, ref: str) -> StatementView:
    contract = get_contract(session, actor, contract_id)
    return view(session, contract, find(session, contract, ref))


def document_of(session: Session, actor: Actor, contract_id: str, ref: str) -> dict[str, Any]:
    contract = get_contract(session, actor, contract_id)
    document: dict[str, Any] = json.loads(find(session, contract, ref).document)
    return document


def list_statements(session: Session, actor: Actor, contract_id: str) -> list[StatementView]:
    contract = get_contract(session, actor, contract_id)
    rows = session.scalars(
        select(StoredStatement)
        .where(StoredStatement.contract_pk == contract.id)
        .order_by(StoredStatement.period, StoredStatement.version)
    )
    return [view(session, contract, s) for s in rows]


def newest_documents(session: Session, actor: Actor, contract_id: str) -> dict[str, dict[str, Any]]:
    """Month → the document of its newest stored version, oldest month first (one query, for
    pages that show the months side by side)."""
    contract = get_contract(session, actor, contract_id)
    rows = session.scalars(
        select(StoredStatement)
        .where(StoredStatement.contract_pk == contract.id)
        .order_by(StoredStatement.period, StoredStatement.version)
    )
    newest = {row.period: row for row in rows}  # later versions overwrite earlier ones
    return {month: json.loads(row.document) for month, row in newest.items()}


def stored_months(session: Session, actor: Actor, contract_id: str) -> list[str]:
    """The months with a stored statement, oldest first (without reading the documents)."""
    contract = get_contract(session, actor, contract_id)
    return list(
        session.scalars(
            select(StoredStatement.period)
            .where(StoredStatement.contract_pk == contract.id)
            .distinct()
            .order_by(StoredStatement.period)
        )
    )


def _open_disputes(session: Session, statement: StoredStatement) -> int:
    from callpact.governance.dispute.models import Dispute

    count: int = (
        session.scalar(
            select(func.count())
            .select_from(Dispute)
            .where(Dispute.statement_id == statement.id, Dispute.status == "open")
        )
        or 0
    )
    return count


def take_step(
    session: Session,
    actor: Actor,
    contract_id: str,
    ref: str,
    step: Step,
    *,
    now: datetime,
    note: str = "",
) -> StatementView:
    """Issue, accept (the vendor's review without a dispute), approve or finalize."""
    rule = STEPS[step]
    contract = get_contract(session, actor, contract_id, rule.action)
    statement = find(session, contract, ref)
    why = step_problem(step, StatementState(statement.state))
    if why is not None:
        raise GovernanceError(f"statement {statement.number}: {why}", field="statement")
    held = json.loads(statement.document).get("held") or []
    if step is Step.ISSUE and held:
        raise GovernanceError(
            f"statement {statement.number} is held in draft until the data arrives "
            f"(missing_data: hold): {'; '.join(held)}",
            code="statement.held",
            field="statement",
        )
    if step is Step.ACCEPT:
        before = audit.entity_state(statement)
        statement.vendor_reviewed_by = actor.email
        statement.vendor_reviewed_at = now
        audit.record(
            session, actor=actor.email, at=now, entity=statement, action="accept", before=before
        )
        return view(session, contract, statement)
    if step is Step.APPROVE:
        terms = contract.schedule.first
        why = approval_problem(
            vendor_accepted=statement.vendor_reviewed_by is not None,
            issued_on=_issued_on(_transitions(session, statement), terms.time_zone),
            window_days=terms.dispute_window_days,
            today=local_date(now, terms.time_zone),
        )
        if why is not None:
            raise GovernanceError(f"statement {statement.number} cannot be approved yet: {why}")
        if statement.vendor_reviewed_by is None:
            note = (
                note + " " if note else ""
            ) + "approved after the dispute window closed without the vendor's answer"
    _transition(session, statement, rule.target, actor=actor.email, now=now, note=note)
    return view(session, contract, statement)


def mark_disputed(
    session: Session, statement: StoredStatement, *, actor: str, now: datetime, note: str
) -> None:
    if statement.state == StatementState.ISSUED.value:
        _transition(session, statement, StatementState.DISPUTED, actor=actor, now=now, note=note)


def mark_undisputed(
    session: Session, statement: StoredStatement, *, actor: str, now: datetime, note: str
) -> None:
    if statement.state == StatementState.DISPUTED.value and _open_disputes(session, statement) == 0:
        _transition(session, statement, StatementState.ISSUED, actor=actor, now=now, note=note)


def correct(
    session: Session,
    actor: Actor,
    contract_id: str,
    ref: str,
    document: dict[str, Any],
    *,
    reason: str,
    now: datetime,
) -> StoredStatement:
    """A new version superseding ``ref``: a credit note (the client owes less) or a debit note
    (more), with the reason; the original is left as it was."""
    contract = get_contract(session, actor, contract_id)
    original = find(session, contract, ref)
    latest = _latest(session, contract, original.number)
    if latest is not None and latest.id != original.id:
        raise GovernanceError(
            f"statement {original.number} v{original.version} is already superseded by "
            f"v{latest.version}; correct the newest version",
            field="statement",
        )
    if not reason.strip():
        raise GovernanceError("a correction needs a reason", field="reason")
    kind = correction_kind(original.invoice_total, Decimal(document["invoice_total"]))
    corrected = store_statement(
        session,
        actor,
        contract_id,
        document,
        now=now,
        supersedes=original,
        kind=kind,
        reason=reason,
    )
    # the correction goes to the vendor as the original did
    if original.state != StatementState.DRAFT.value:
        _transition(
            session,
            corrected,
            StatementState.ISSUED,
            actor=actor.email,
            now=now,
            note=f"corrects {original.number} v{original.version}: {reason}",
        )
    return corrected
