"""The portal's view of identity: log in, issue and resolve tokens, revoke them.

The signatures are those of ``callpact.governance.identity`` (authenticate, issue_token,
actor_for_token, revoke_token). Until that service is merged, tokens live in this process
(hashed, never the plaintext) and logins are checked with the organization service's password
check, so the portal forgets its sessions on restart and does not throttle; swapping this module
for re-exports of the identity service is the whole change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import User
from callpact.governance.organization.permissions import Actor
from callpact.governance.organization.service import check_password

Purpose = Literal["api", "session", "calendar"]
DEFAULT_TTL: dict[str, timedelta] = {
    "api": timedelta(days=30),
    "session": timedelta(hours=12),
    "calendar": timedelta(days=365),
}


class AuthenticationFailed(GovernanceError):  # noqa: N818 - the identity service's name
    """Wrong e-mail or password, an inactive user, or a token unknown, expired or revoked."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    plaintext: str
    token_id: str
    expires_at: datetime


@dataclass(slots=True)
class _Stored:
    user_id: int
    purpose: str
    expires_at: datetime
    revoked: bool = False


_TOKENS: dict[str, _Stored] = {}


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def log_access(
    session: Session, *, kind: str, who: str, subject: str, outcome: str, now: datetime
) -> None:
    """An entry in the audit chain for a login, a refused login or a refused authorization
    (no row state: nothing was changed)."""
    audit.append(
        session.connection(),
        at=now,
        actor=who,
        entity_type=kind,
        entity_id=subject[:100],
        action=outcome[:50],
        before=None,
        after=None,
    )


def log_authentication(session: Session, *, who: str, outcome: str, now: datetime) -> None:
    log_access(session, kind="authentication", who=who, subject=who, outcome=outcome, now=now)


def authenticate(
    session: Session, email: str, password: str, *, now: datetime, address: str | None = None
) -> Actor:
    actor = check_password(session, email, password)
    who = email.strip().lower() or "(no e-mail)"
    if actor is None:
        log_authentication(session, who=who, outcome="login_refused", now=now)
        # One message whatever was wrong: no telling whether the account exists.
        raise AuthenticationFailed("the e-mail or the password is wrong")
    log_authentication(session, who=actor.email, outcome="login", now=now)
    return actor


def issue_token(
    session: Session,
    actor: Actor,
    *,
    purpose: Purpose,
    now: datetime,
    ttl: timedelta | None = None,
    name: str = "",
) -> IssuedToken:
    plaintext = secrets.token_urlsafe(32)
    token_id = _digest(plaintext)[:16]
    expires_at = now + (ttl or DEFAULT_TTL[purpose])
    _TOKENS[_digest(plaintext)] = _Stored(actor.user_id, purpose, expires_at)
    return IssuedToken(plaintext, token_id, expires_at)


def actor_for_token(
    session: Session, plaintext: str, *, now: datetime, purpose: Purpose = "api"
) -> Actor:
    stored = _TOKENS.get(_digest(plaintext))
    if stored is None or stored.revoked or stored.purpose != purpose or now >= stored.expires_at:
        raise AuthenticationFailed("the token is unknown, expired or revoked")
    user = session.get(User, stored.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("the token is unknown, expired or revoked")
    return Actor.from_user(user)


def revoke_token(session: Session, plaintext: str, *, now: datetime) -> None:
    stored = _TOKENS.get(_digest(plaintext))
    if stored is not None:
        stored.revoked = True
