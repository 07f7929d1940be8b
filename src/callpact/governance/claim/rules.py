"""What a time claim may say: a moment before its recording, not before what it answers."""

from __future__ import annotations

from datetime import datetime


def claim_problem(
    claimed_at: datetime, *, recorded_at: datetime, not_before: datetime | None
) -> tuple[str, str] | None:
    """The error code and message that refuse ``claimed_at``, or None when it may be claimed.

    A claim states that something happened *earlier* than the server recorded it (a phone
    report before the e-mail, an answer given in a meeting). A moment after the recording is
    not a claim but a typo or a promise; one before the record it answers (an answer before
    the request) cannot be true.
    """
    if claimed_at > recorded_at:
        return (
            "claim.in_future",
            f"{claimed_at.isoformat()} is after the moment it is recorded "
            f"({recorded_at.isoformat()}): a claim states an earlier moment",
        )
    if not_before is not None and claimed_at < not_before:
        return (
            "claim.before_record",
            f"{claimed_at.isoformat()} is before {not_before.isoformat()}, the record it follows",
        )
    return None
