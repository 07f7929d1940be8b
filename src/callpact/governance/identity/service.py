"""Sign-in, tokens and their revocation: the one place either front-end learns who is asking.

A token's plaintext is shown once, to its holder; the database keeps only its SHA-256, so a
copy of the database signs nobody in. Web sessions and calendar feeds are tokens too (purpose
``session`` and ``calendar``), so revoking a user's access is one update.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.errors import GovernanceError, NotFound
from callpact.governance.identity.models import ApiToken, LoginAttempt
from callpact.governance.identity.rules import PER_ACCOUNT, PER_ADDRESS, retry_after
from callpact.governance.organization.models import User
from callpact.governance.organization.permissions import Actor
from callpact.governance.organization.service import OPERATOR, password_hasher

Purpose = Literal["api", "session", "calendar"]
PURPOSES: tuple[Purpose, ...] = ("api", "session", "calendar")
DEFAULT_TTL: dict[str, timedelta] = {
    "api": timedelta(days=30),
    "session": timedelta(hours=12),
    "calendar": timedelta(days=365),
}
_REFUSED = "the e-mail or the password is wrong"
_BAD_TOKEN = "the token is unknown, expired or revoked: sign in again (callpact login)"


class AuthenticationFailed(GovernanceError):  # noqa: N818 - reads well at the call site
    """Wrong e-mail or password, a disabled user, or a token unknown, expired or revoked.
    One message for all of them, so a refusal tells nobody whether an account exists."""

    def __init__(self, message: str = _REFUSED) -> None:
        super().__init__(message, code="auth.failed")


class LoginThrottled(GovernanceError):  # noqa: N818
    """Too many failed sign-ins for this account or from this address."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many failed sign-ins: try again in {retry_after} seconds", code="auth.throttled"
        )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    plaintext: str
    token_id: str
    expires_at: datetime


class TokenInfo(BaseModel):
    """A token as its holder may see it (never the secret)."""

    model_config = ConfigDict(frozen=True)

    token_id: str
    purpose: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def log_event(
    session: Session, *, who: str, subject: str, kind: str, action: str, now: datetime
) -> None:
    """An event in the audit chain (no row state: the credential tables are events-only)."""
    session.flush()
    audit.append(
        session.connection(),
        at=now,
        actor=who,
        entity_type=kind,
        entity_id=subject[:100],
        action=action[:50],
        before=None,
        after=None,
    )


def _failures(session: Session, *, now: datetime, email: str, address: str | None) -> int | None:
    """Seconds to wait before another try, or None."""
    since = now - max(PER_ACCOUNT.window, PER_ADDRESS.window) - PER_ACCOUNT.lockout
    rows = list(
        session.scalars(
            select(LoginAttempt).where(
                LoginAttempt.at > since,
                (LoginAttempt.email == email)
                | (LoginAttempt.address == address if address else False),
            )
        )
    )
    account = [r for r in rows if r.email == email]
    last_success = max((r.at for r in account if r.succeeded), default=None)
    account_failures = [
        r.at for r in account if not r.succeeded and (last_success is None or r.at > last_success)
    ]
    waits = [retry_after(account_failures, PER_ACCOUNT, now=now)]
    if address:
        address_failures = [r.at for r in rows if r.address == address and not r.succeeded]
        waits.append(retry_after(address_failures, PER_ADDRESS, now=now))
    found = [w for w in waits if w is not None]
    return max(found) if found else None


# A real hash to verify against for an unknown e-mail, so the time taken does not tell
# whether the account exists.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    hasher = password_hasher()
    key = repr(hasher.memory_cost) + repr(hasher.time_cost)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH[key]


def _log_sign_in(session: Session, email: str, outcome: str, *, now: datetime) -> None:
    who = email or "-"
    log_event(session, who=who, subject=who, kind="authentication", action=outcome, now=now)


def authenticate(
    session: Session, email: str, password: str, *, now: datetime, address: str | None = None
) -> Actor:
    """The actor these credentials sign in, or :class:`AuthenticationFailed` /
    :class:`LoginThrottled`. Every attempt is kept (for throttling) and logged."""
    email = email.strip().lower()
    wait = _failures(session, now=now, email=email, address=address)
    if wait is not None:
        _log_sign_in(session, email, "throttled", now=now)
        raise LoginThrottled(wait)
    user = session.scalars(select(User).where(User.email == email)).first()
    hasher = password_hasher()
    ok = False
    try:
        ok = hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(email=email, address=address, at=now, succeeded=ok))
    if not ok or user is None:
        _log_sign_in(session, email, "refused", now=now)
        raise AuthenticationFailed()
    if hasher.check_needs_rehash(user.password_hash):
        before = audit.entity_state(user)
        user.password_hash = hasher.hash(password)
        audit.record(session, actor=OPERATOR, at=now, entity=user, action="rehash", before=before)
    _log_sign_in(session, user.email, "signed_in", now=now)
    return Actor.from_user(user)


def issue_token(
    session: Session,
    actor: Actor,
    *,
    purpose: Purpose,
    now: datetime,
    ttl: timedelta | None = None,
    name: str = "",
) -> IssuedToken:
    """A new token for ``actor``; its plaintext is returned once and never stored."""
    if purpose not in PURPOSES:
        raise GovernanceError(
            f"a token's purpose is one of {', '.join(PURPOSES)}",
            code="token.purpose",
            field="purpose",
        )
    plaintext = secrets.token_urlsafe(32)
    token = ApiToken(
        token_id=secrets.token_hex(8),
        token_hash=_digest(plaintext),
        user_id=actor.user_id,
        purpose=purpose,
        name=name[:200],
        created_at=now,
        expires_at=now + (ttl if ttl is not None else DEFAULT_TTL[purpose]),
    )
    session.add(token)
    log_event(
        session,
        who=actor.email,
        subject=token.token_id,
        kind="token",
        action=f"issue_{purpose}",
        now=now,
    )
    return IssuedToken(plaintext, token.token_id, token.expires_at)


def _token(session: Session, plaintext: str) -> ApiToken | None:
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(plaintext))
    ).first()


def actor_for_token(
    session: Session, plaintext: str, *, now: datetime, purpose: Purpose = "api"
) -> Actor:
    """Who holds this token, or :class:`AuthenticationFailed` (unknown, another purpose,
    expired, revoked, or its user disabled)."""
    token = _token(session, plaintext)
    if (
        token is None
        or token.purpose != purpose
        or token.revoked_at is not None
        or now >= token.expires_at
    ):
        raise AuthenticationFailed(_BAD_TOKEN)
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed(_BAD_TOKEN)
    token.last_used_at = now
    return Actor.from_user(user)


def revoke_token(session: Session, plaintext: str, *, now: datetime) -> None:
    """Sign out: the token stops working at once (unknown tokens are ignored)."""
    token = _token(session, plaintext)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
        user = session.get(User, token.user_id)
        log_event(
            session,
            who=user.email if user else "-",
            subject=token.token_id,
            kind="token",
            action="revoke",
            now=now,
        )


def revoke_token_id(session: Session, actor: Actor, token_id: str, *, now: datetime) -> None:
    """Revoke one of the actor's own tokens by its public id."""
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_id == token_id, ApiToken.user_id == actor.user_id)
    ).first()
    if token is None:
        raise NotFound(f"you have no token {token_id!r}", code="token.not_found", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = now
        log_event(
            session, who=actor.email, subject=token_id, kind="token", action="revoke", now=now
        )


def list_tokens(session: Session, actor: Actor) -> list[TokenInfo]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at)
    )
    return [
        TokenInfo(
            token_id=t.token_id,
            purpose=t.purpose,
            name=t.name,
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
        )
        for t in rows
    ]


def disable_user(session: Session, email: str, *, now: datetime) -> User:
    """The operator disables a user: every token and session of theirs is revoked at once."""
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user {email!r}", code="user.not_found", field="email")
    before = audit.entity_state(user)
    user.active = False
    audit.record(session, actor=OPERATOR, at=now, entity=user, action="disable", before=before)
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return user
