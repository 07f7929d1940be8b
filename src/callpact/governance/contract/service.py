"""Register a contract for governance and look it up with a permission check."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract
from callpact.governance.errors import GovernanceError, NotFound, PermissionDenied
from callpact.governance.organization.models import OrganizationKind, Role
from callpact.governance.organization.permissions import Action, Actor, require
from callpact.governance.organization.service import organization_by_name
from callpact.governance.terms import GovernanceTerms

#: a record of a governed contract (a table with ``contract_pk``)
R = TypeVar("R")


def register_contract(
    session: Session,
    actor: Actor,
    terms: GovernanceTerms,
    *,
    client: str,
    vendor: str,
    now: datetime,
) -> GovernedContract:
    """Bind a contract to its client and vendor organizations and store its governance terms.

    Only a client admin of the contract's own client may register it. Registering again with
    changed terms (an amendment) updates the stored terms, logged like any other change.
    """
    client_org = organization_by_name(session, client)
    vendor_org = organization_by_name(session, vendor)
    if client_org.kind != OrganizationKind.CLIENT.value:
        raise GovernanceError(f"{client} is a {client_org.kind}, not a client")
    if vendor_org.kind != OrganizationKind.VENDOR.value:
        raise GovernanceError(f"{vendor} is a {vendor_org.kind}, not a vendor")
    if actor.organization_id != client_org.id or actor.role is not Role.CLIENT_ADMIN:
        raise PermissionDenied(
            actor.describe(),
            f"register contract {terms.contract_id}",
            f"only a client_admin of {client} may register the contracts it signs",
        )
    existing = session.scalars(
        select(GovernedContract).where(GovernedContract.contract_id == terms.contract_id)
    ).first()
    if existing is not None:
        require(actor, existing, Action.REGISTER_CONTRACT)
        if (existing.client_org_id, existing.vendor_org_id) != (client_org.id, vendor_org.id):
            raise GovernanceError(
                f"contract {terms.contract_id} is already registered between other parties"
            )
        before = audit.entity_state(existing)
        existing.terms_json = terms.to_json()
        audit.record(
            session, actor=actor.email, at=now, entity=existing, action="amend_terms", before=before
        )
        return existing
    contract = GovernedContract(
        contract_id=terms.contract_id,
        client_org_id=client_org.id,
        vendor_org_id=vendor_org.id,
        terms_json=terms.to_json(),
        registered_at=now,
    )
    session.add(contract)
    audit.record(
        session, actor=actor.email, at=now, entity=contract, action="register", before=None
    )
    return contract


def get_contract(
    session: Session, actor: Actor, contract_id: str, action: Action = Action.READ
) -> GovernedContract:
    """The contract, once the actor is shown to be allowed ``action`` on it."""
    contract = session.scalars(
        select(GovernedContract).where(GovernedContract.contract_id == contract_id)
    ).first()
    if contract is None:
        raise NotFound(
            f"no contract {contract_id!r} is registered for governance "
            "(register it with `callpact governance register`)"
        )
    require(actor, contract, action)
    return contract


def list_contracts(session: Session, actor: Actor) -> list[GovernedContract]:
    """The contracts the actor's organization is a party to."""
    return list(
        session.scalars(
            select(GovernedContract)
            .where(
                (GovernedContract.client_org_id == actor.organization_id)
                | (GovernedContract.vendor_org_id == actor.organization_id)
            )
            .order_by(GovernedContract.contract_id)
        )
    )


def find_record(
    session: Session, model: type[R], contract: GovernedContract, ref: str, value: str
) -> R | None:
    """The contract's record of ``model`` whose reference column ``ref`` is ``value``."""
    found: R | None = session.scalars(
        select(model).where(
            getattr(model, "contract_pk") == contract.id,  # noqa: B009 - any contract's table
            getattr(model, ref) == value,
        )
    ).first()
    return found


def record_or_missing(found: R | None, contract: GovernedContract, missing: str) -> R:
    """``found`` if it is a record of ``contract``; otherwise NotFound with ``missing`` (a
    record of another contract is as unknown here as none: it is not the caller's to see)."""
    if found is None or getattr(found, "contract_pk") != contract.id:  # noqa: B009
        raise NotFound(missing)
    return found
