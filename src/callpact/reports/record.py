"""What the statement's page 1 says about its stored record: number, version, lifecycle.

The settlement computes a statement; storing it (number, version, corrections, approvals)
is the governance side's. The renderer takes this small value, optional: a bare statement
JSON renders as "draft — not approved".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Transition:
    """One step of the statement's lifecycle: the state it entered, who took it, when."""

    state: str
    by: str
    at: datetime


@dataclass(frozen=True)
class StatementRecordInfo:
    """The stored statement as page 1 cites it."""

    number: str
    version: int
    state: str
    issued_at: datetime | None = None
    supersedes: str | None = None  # the number/version this correction replaces
    transitions: tuple[Transition, ...] = field(default_factory=tuple)

    @property
    def approval(self) -> Transition | None:
        """The latest step into an approved or final state, None while still a draft."""
        approved = [t for t in self.transitions if t.state in {"approved", "final", "finalized"}]
        return approved[-1] if approved else None
