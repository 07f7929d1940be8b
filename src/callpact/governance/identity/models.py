"""Credentials: tokens (API, web session, calendar feed) and sign-in attempts.

Their rows are bookkeeping, not governance records: a token's ``last_used_at`` moves on every
request. The chain logs the *events* (sign-in, refusal, token issued, revoked) instead of the
rows' state, so :func:`callpact.governance.audit.service.verify` skips these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from callpact.governance.database import Base, UtcDateTime

EVENTS_ONLY = {"info": {"audit": "events"}}


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = EVENTS_ONLY

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = EVENTS_ONLY

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    succeeded: Mapped[bool] = mapped_column(default=False)
