"""The portal's view of identity: the identity service's sign-in and tokens, and the audit
events the portal adds (sign-out, refused authorizations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.identity.service import (
    DEFAULT_TTL,
    AuthenticationFailed,
    IssuedToken,
    LoginThrottled,
    Purpose,
    actor_for_token,
    authenticate,
    issue_token,
    revoke_token,
)

__all__ = [
    "DEFAULT_TTL",
    "AuthenticationFailed",
    "IssuedToken",
    "LoginThrottled",
    "Purpose",
    "actor_for_token",
    "authenticate",
    "issue_token",
    "log_access",
    "log_authentication",
    "revoke_token",
]


def log_access(
    session: Session, *, kind: str, who: str, subject: str, outcome: str, now: datetime
) -> None:
    """An entry in the audit chain for a sign-out or a refused authorization (no row state:
    nothing was changed)."""
    session.flush()
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
