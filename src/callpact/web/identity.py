"""The portal's view of identity: the identity service's sign-in and tokens, and the audit
events the portal adds (sign-out, refused authorizations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callpact.governance.identity.service import (
    DEFAULT_TTL,
    AuthenticationFailed,
    IssuedToken,
    LoginThrottled,
    Purpose,
    actor_for_token,
    authenticate,
    issue_token,
    log_event,
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
    """A sign-out or a refused authorization, as an event in the audit chain."""
    log_event(session, who=who, subject=subject, kind=kind, action=outcome, now=now)


def log_authentication(session: Session, *, who: str, outcome: str, now: datetime) -> None:
    log_access(session, kind="authentication", who=who, subject=who, outcome=outcome, now=now)
