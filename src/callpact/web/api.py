"""The JSON API under ``/api/v1``: the same services the CLI calls, the same permissions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from callpact.governance.audit import service as audit
from callpact.governance.contract.service import list_contracts
from callpact.governance.dispute import service as disputes
from callpact.governance.dispute.models import Dispute
from callpact.governance.organization.permissions import Action
from callpact.governance.statement import service as statements_service
from callpact.governance.statement.rules import STEPS, Step
from callpact.governance.statement.service import newest_documents
from callpact.web import identity
from callpact.web.deps import Contract, CurrentActor, DbSession, Now
from callpact.web.problems import Problem
from callpact.web.rules import PUBLIC, SIGNED_IN, on_contract, rule

router = APIRouter(prefix="/api/v1")
T = TypeVar("T")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


PageNo = Annotated[int, Query(ge=1, description="1-based page number")]
PerPage = Annotated[int, Query(ge=1, le=500, description="items per page")]


def paginate(items: list[T], page: int, per_page: int) -> Page[T]:
    start = (page - 1) * per_page
    return Page(
        items=items[start : start + per_page], total=len(items), page=page, per_page=per_page
    )


class Credentials(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


class Me(BaseModel):
    email: str
    organization: str
    side: str
    role: str


class ContractOut(BaseModel):
    contract_id: str
    client: str
    vendor: str
    versions: list[str]


class DisputeOut(BaseModel):
    id: int
    month: str
    line_ref: str
    reason: str
    opened_at: datetime
    opened_by: str
    opened_by_side: str
    status: str
    resolution: str | None
    resolution_note: str | None
    amount_adjustment: Decimal | None
    resolved_at: datetime | None
    resolved_by: str | None


class DisputeIn(BaseModel):
    month: str = Field(pattern=MONTH, description="the statement's month, YYYY-MM")
    line_id: str = Field(min_length=1, max_length=200, description="e.g. credit:sl-voice")
    reason: str = Field(min_length=1, max_length=5000)


class ResolutionIn(BaseModel):
    resolution: str = Field(description="upheld, rejected or adjusted")
    note: str = Field(default="", max_length=5000)
    amount_adjustment: Decimal | None = None


class StatementSummary(BaseModel):
    period: str
    currency: str
    net_adjustment: Decimal
    invoice_total: Decimal


def dispute_out(row: Dispute) -> DisputeOut:
    return DisputeOut.model_validate(row, from_attributes=True)


@router.post("/tokens", status_code=201, response_model=TokenOut)
@rule(PUBLIC)
def create_token(body: Credentials, session: DbSession, now: Now) -> TokenOut:
    """Exchange an e-mail and password for a bearer token (purpose ``api``)."""
    try:
        actor = identity.authenticate(session, body.email, body.password, now=now)
    except identity.AuthenticationFailed as error:
        session.commit()  # the refused attempt stays in the audit log
        raise Problem(401, str(error)) from None
    issued = identity.issue_token(session, actor, purpose="api", now=now)
    return TokenOut(token=issued.plaintext, expires_at=issued.expires_at)


@router.get("/me", response_model=Me)
@rule(SIGNED_IN)
def me(actor: CurrentActor) -> Me:
    return Me(
        email=actor.email,
        organization=actor.organization_name,
        side=actor.side.value,
        role=actor.role.value,
    )


def contract_out(access_contract: Any) -> ContractOut:
    return ContractOut(
        contract_id=access_contract.contract_id,
        client=access_contract.client.name,
        vendor=access_contract.vendor.name,
        versions=[v.effective_from.isoformat() for v in access_contract.terms_versions],
    )


@router.get("/contracts", response_model=Page[ContractOut])
@rule(SIGNED_IN)
def contracts(
    actor: CurrentActor, session: DbSession, page: PageNo = 1, per_page: PerPage = 50
) -> Page[ContractOut]:
    """The contracts your organization is a party to."""
    rows = [contract_out(c) for c in list_contracts(session, actor)]
    return paginate(rows, page, per_page)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
@rule(on_contract(Action.READ))
def contract(access: Contract) -> ContractOut:
    return contract_out(access.contract)


@router.get("/contracts/{contract_id}/statements", response_model=Page[StatementSummary])
@rule(on_contract(Action.READ))
def statements(
    access: Contract, session: DbSession, page: PageNo = 1, per_page: PerPage = 50
) -> Page[StatementSummary]:
    """The settled statements of the contract, oldest month first."""
    found = newest_documents(session, access.actor, access.contract_id)
    rows = [
        StatementSummary(
            period=month,
            currency=doc["currency"],
            net_adjustment=Decimal(doc["net_adjustment"]),
            invoice_total=Decimal(doc["invoice_total"]),
        )
        for month, doc in found.items()
    ]
    return paginate(rows, page, per_page)


@router.get("/contracts/{contract_id}/statements/{month}")
@rule(on_contract(Action.READ))
def statement(access: Contract, session: DbSession, month: str) -> dict[str, Any]:
    """The statement document as settled (the same JSON ``callpact settle`` writes)."""
    found = newest_documents(session, access.actor, access.contract_id).get(month)
    if found is None:
        raise Problem(404, f"no settled statement for {month} on {access.contract_id}", "month")
    return found


@router.get("/contracts/{contract_id}/disputes", response_model=Page[DisputeOut])
@rule(on_contract(Action.READ))
def dispute_list(
    access: Contract,
    session: DbSession,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Page[DisputeOut]:
    rows = disputes.list_disputes(session, access.actor, access.contract_id, month)
    return paginate([dispute_out(r) for r in rows], page, per_page)


@router.post("/contracts/{contract_id}/disputes", status_code=201, response_model=DisputeOut)
@rule(on_contract(Action.OPEN_DISPUTE))
def dispute_open(access: Contract, body: DisputeIn, session: DbSession, now: Now) -> DisputeOut:
    row = disputes.open_dispute(
        session,
        access.actor,
        access.contract_id,
        statement=body.month,
        line_id=body.line_id,
        reason=body.reason,
        now=now,
    )
    return dispute_out(row)


@router.post("/contracts/{contract_id}/disputes/{dispute_id}/resolution", response_model=DisputeOut)
@rule(on_contract(Action.RESOLVE_DISPUTE))
def dispute_resolve(
    access: Contract, dispute_id: int, body: ResolutionIn, session: DbSession, now: Now
) -> DisputeOut:
    row = disputes.resolve_dispute(
        session,
        access.actor,
        access.contract_id,
        dispute_id,
        resolution=body.resolution,
        note=body.note,
        amount_adjustment=body.amount_adjustment,
        now=now,
    )
    return dispute_out(row)


class StepIn(BaseModel):
    note: str = Field(default="", max_length=5000)


def _step_route(step: Step) -> None:
    """``POST …/statements/{statement}/{step}`` (a month or a statement number): one route
    per lifecycle step, each with the
    permission the step needs (so the authorization matrix covers each)."""

    @router.post(f"/contracts/{{contract_id}}/statements/{{month}}/{step.value}")
    @rule(on_contract(STEPS[step].action))
    def take(
        access: Contract, session: DbSession, now: Now, month: str, body: StepIn | None = None
    ) -> dict[str, Any]:
        view = statements_service.take_step(
            session,
            access.actor,
            access.contract_id,
            month,
            step,
            now=now,
            note=body.note if body else "",
        )
        return {**view.model_dump(mode="json"), "audit_head": audit.head_hash(session)}

    take.__name__ = f"statement_{step.value}"
    take.__doc__ = f"Take the step {step.value!r} on the month's newest statement version."


for _step in Step:
    _step_route(_step)
