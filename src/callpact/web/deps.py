"""Request plumbing: the database session, the acting user, the contract in the path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import get_contract
from callpact.governance.errors import NotFound, PermissionDenied
from callpact.governance.organization.permissions import Actor
from callpact.web import identity
from callpact.web.problems import Problem
from callpact.web.settings import Settings

SESSION_COOKIE = "__Host-callpact-session"
CSRF_COOKIE = "__Host-callpact-csrf"
CSRF_HEADER = "x-csrftoken"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def now_of(request: Request) -> datetime:
    return settings_of(request).clock()


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, rolled back on error."""
    factory: sessionmaker[Session] = request.app.state.sessions
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session)]
Now = Annotated[datetime, Depends(now_of)]


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def current_actor(request: Request, session: DbSession, now: Now) -> Actor:
    """The user behind the bearer token (purpose ``api``) or the session cookie."""
    try:
        if (token := bearer_of(request)) is not None:
            actor = identity.actor_for_token(session, token, now=now, purpose="api")
        elif (cookie := request.cookies.get(SESSION_COOKIE)) is not None:
            actor = identity.actor_for_token(session, cookie, now=now, purpose="session")
        else:
            raise Problem(401, "sign in: a bearer token or a session is needed")
    except identity.AuthenticationFailed as error:
        raise Problem(401, str(error)) from None
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


@dataclass(frozen=True, slots=True)
class ContractAccess:
    actor: Actor
    contract: GovernedContract

    @property
    def contract_id(self) -> str:
        return self.contract.contract_id


def contract_access(contract_id: str, actor: CurrentActor, session: DbSession) -> ContractAccess:
    """The contract, if the actor's organization is a party. Another organization's contract is
    answered exactly as a contract that does not exist: 404, same words."""
    try:
        contract = get_contract(session, actor, contract_id)
    except (NotFound, PermissionDenied):
        raise Problem(404, f"no contract {contract_id!r} is visible to you", refused=True) from None
    return ContractAccess(actor, contract)


def log_refusal(request: Request, status: int) -> None:
    """Every refused authorization (403, or 404 on a contract) in the audit chain, written in a
    session of its own: the request's own unit of work is rolled back."""
    actor: Actor | None = getattr(request.state, "actor", None)
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        identity.log_event(
            session,
            kind="authorization",
            who=actor.email if actor else "(anonymous)",
            subject=f"{request.method} {request.url.path}",
            action=f"refused_{status}",
            now=now_of(request),
        )
        session.commit()


Contract = Annotated[ContractAccess, Depends(contract_access)]
