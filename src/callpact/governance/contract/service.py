"""Register a contract for governance and look it up with a permission check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.contract.models import GovernedContract, GovernedContractTerms
from callpact.governance.errors import GovernanceError, NotFound, PermissionDenied
from callpact.governance.organization.models import OrganizationKind, Role
from callpact.governance.organization.permissions import Action, Actor, require
from callpact.governance.organization.service import organization_by_name
from callpact.governance.terms import GovernanceTerms, TermsSchedule, TermsVersion

#: a record of a governed contract (a table with ``contract_pk``)
R = TypeVar("R")


def register_contract(
    session: Session,
    actor: Actor,
    terms: GovernanceTerms | Sequence[TermsVersion],
    *,
    client: str,
    vendor: str,
    now: datetime,
) -> GovernedContract:
    """Bind a contract to its client and vendor organizations and store its governance terms:
    every version of the annex (the base terms and each amendment, by ``effective_from``), or
    one set of terms, in force from their start.

    Only a client admin of the contract's own client may register it. Registering again with an
    amended annex adds the new versions and updates the changed ones (the first version's terms
    on the contract too), each logged like any other change; registering identical terms again
    changes and logs nothing. A stored version the annex no longer lists is kept (an amendment
    is withdrawn by a later one, not by forgetting it).
    """
    schedule = TermsSchedule.of(terms)
    first = schedule.first
    contract_id = first.contract_id
    client_org = organization_by_name(session, client)
    vendor_org = organization_by_name(session, vendor)
    if client_org.kind != OrganizationKind.CLIENT.value:
        raise GovernanceError(f"{client} is a {client_org.kind}, not a client")
    if vendor_org.kind != OrganizationKind.VENDOR.value:
        raise GovernanceError(f"{vendor} is a {vendor_org.kind}, not a vendor")
    if actor.organization_id != client_org.id or actor.role is not Role.CLIENT_ADMIN:
        raise PermissionDenied(
            actor.describe(),
            f"register contract {contract_id}",
            f"only a client_admin of {client} may register the contracts it signs",
        )
    existing = session.scalars(
        select(GovernedContract).where(GovernedContract.contract_id == contract_id)
    ).first()
    if existing is not None:
        require(actor, existing, Action.REGISTER_CONTRACT)
        if (existing.client_org_id, existing.vendor_org_id) != (client_org.id, vendor_org.id):
            raise GovernanceError(
                f"contract {contract_id} is already registered between other parties"
            )
        first_terms = first.to_json()
        # The same file registered again changes nothing, so it logs nothing: an entry is a
        # change, and one per re-run would bury the real amendments in the trail.
        if existing.terms_json != first_terms:
            before = audit.entity_state(existing)
            existing.terms_json = first_terms
            audit.record(
                session,
                actor=actor.email,
                at=now,
                entity=existing,
                action="amend_terms",
                before=before,
            )
        _store_versions(session, actor, existing, schedule, now=now)
        return existing
    contract = GovernedContract(
        contract_id=contract_id,
        client_org_id=client_org.id,
        vendor_org_id=vendor_org.id,
        terms_json=first.to_json(),
        registered_at=now,
    )
    session.add(contract)
    audit.record(
        session, actor=actor.email, at=now, entity=contract, action="register", before=None
    )
    _store_versions(session, actor, contract, schedule, now=now)
    return contract


def _store_versions(
    session: Session,
    actor: Actor,
    contract: GovernedContract,
    schedule: TermsSchedule,
    *,
    now: datetime,
) -> None:
    """Add each version not stored yet and update each whose terms changed, with an audit entry
    for every one (an unchanged version is left alone and unlogged)."""
    stored = {row.effective_from: row for row in contract.terms_versions}
    for version in schedule.versions:
        data = version.terms.to_json()
        row = stored.get(version.effective_from)
        if row is None:
            row = GovernedContractTerms(effective_from=version.effective_from, terms_json=data)
            contract.terms_versions.append(row)
            audit.record(
                session, actor=actor.email, at=now, entity=row, action="add_terms", before=None
            )
        elif row.terms_json != data:
            before = audit.entity_state(row)
            row.terms_json = data
            audit.record(
                session, actor=actor.email, at=now, entity=row, action="amend_terms", before=before
            )
    contract.terms_versions.sort(key=lambda row: row.effective_from)
    contract.forget_schedule()  # the next rule reads the versions as they are now


def registered_contract(session: Session, contract_id: str) -> GovernedContract:
    """The registered contract, whoever asks (the operator's own steps); NotFound otherwise."""
    contract = session.scalars(
        select(GovernedContract).where(GovernedContract.contract_id == contract_id)
    ).first()
    if contract is None:
        raise NotFound(
            f"no contract {contract_id!r} is registered for governance "
            "(register it with `callpact governance register`)"
        )
    return contract


def get_contract(
    session: Session, actor: Actor, contract_id: str, action: Action = Action.READ
) -> GovernedContract:
    """The contract, once the actor is shown to be allowed ``action`` on it."""
    contract = registered_contract(session, contract_id)
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
