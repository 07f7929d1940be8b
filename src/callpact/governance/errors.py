"""Errors the governance services raise. Each names who tried what and why it was refused."""

from __future__ import annotations


class GovernanceError(Exception):
    """A request the governance services cannot carry out (bad state, unknown record)."""


class NotFound(GovernanceError):  # noqa: N818 - the name reads well at the call site
    """The named record does not exist (or is not visible to the acting user)."""


class PermissionDenied(GovernanceError):  # noqa: N818
    """The acting user may not do this: wrong organization for the contract, or wrong role."""

    def __init__(self, who: str, what: str, why: str) -> None:
        self.who = who
        self.what = what
        self.why = why
        super().__init__(f"permission denied: {who} may not {what}: {why}")
