"""Pure rules of identity: sign-in throttling and the password policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """``limit`` failures within ``window`` refuse further sign-ins until ``lockout`` after
    the last of them."""

    limit: int
    window: timedelta
    lockout: timedelta


# An account is a narrow target (a guessed password); an address may sign in many people
# (an office behind one NAT), so it gets a wider allowance.
PER_ACCOUNT = ThrottleRule(limit=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
PER_ADDRESS = ThrottleRule(limit=20, window=timedelta(minutes=15), lockout=timedelta(minutes=15))


def retry_after(failures: Sequence[datetime], rule: ThrottleRule, *, now: datetime) -> int | None:
    """Seconds until a sign-in may be tried again, or None when it may be tried now.

    ``failures`` are the failed attempts counted against the account or address (for an
    account: those since its last successful sign-in)."""
    recent = [at for at in failures if now - rule.window < at <= now]
    if len(recent) < rule.limit:
        return None
    until = max(recent) + rule.lockout
    seconds = int((until - now).total_seconds() + 0.999)
    return seconds if seconds > 0 else None


MIN_PASSWORD_LENGTH = 8


@cache
def common_passwords() -> frozenset[str]:
    text = (resources.files("callpact.governance.identity") / "common_passwords.txt").read_text(
        encoding="utf-8"
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password may not be used, or None (OWASP ASVS 5.0 §6.2: length, and not a
    known-breached or common password)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password must have at least {MIN_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords():
        return "this password is one of the most common passwords; choose another"
    local = email.split("@", 1)[0].lower()
    if email and (lowered == email.lower() or (len(local) >= 4 and local in lowered)):
        return "a password must not contain the e-mail address"
    return None
