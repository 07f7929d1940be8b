"""The portal's view of identity: the identity service's sign-in, tokens and audit events
(the portal adds sign-outs and refused authorizations through ``log_event``)."""

from __future__ import annotations

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
    "log_event",
    "revoke_token",
]
