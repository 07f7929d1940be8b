"""Errors the governance services raise. Each names who tried what and why it was refused.

Every error carries a stable ``code`` (a closed list, :data:`ERROR_CODES`, documented in
docs/governance.md and checked by a test), a message in words, and the ``field`` of the request
it is about where there is one, so the CLI and the JSON API report it the same way.
"""

from __future__ import annotations

ERROR_CODES: dict[str, str] = {
    "governance.refused": "the request cannot be carried out in the record's present state",
    "not_found": "the named record does not exist or is not visible to the acting user",
    "permission_denied": "the acting user's organization or role may not do this",
    "auth.failed": "wrong e-mail or password, disabled user, or a token unknown/expired/revoked",
    "auth.throttled": "too many failed sign-ins for the account or from the address",
    "auth.required": "no signed-in user: sign in first",
    "password.policy": "the password is too short, too common or contains the e-mail",
    "token.purpose": "a token's purpose is api, session or calendar",
    "token.not_found": "the acting user has no token with that id",
    "user.not_found": "no user with that e-mail",
    "statement.held": "the statement is held in draft: the month's data was not delivered",
    "outage.decided": "the client already accepted or rejected that declared outage",
    "claim.in_future": "a stated moment is after the moment the server records the action",
    "claim.before_record": "a stated moment is before the record it follows",
    "claim.decided": "the time claim was already accepted or rejected",
    # roster import (`staff import`): one code per kind of bad row or file; nothing is written
    "roster.file": "the file cannot be read as a roster (not CSV/XLSX, no such sheet, no header)",
    "roster.missing_column": "a required column (person_id, name, role) is not in the header",
    "roster.duplicate_column": "two columns of the header mean the same roster field",
    "roster.required": "a required value (person_id, name, role) is empty",
    "roster.too_long": "a value is longer than the roster stores",
    "roster.role": "the role is not a staff role",
    "roster.date": "a hire date or exam date is not a date",
    "roster.qualification": "a qualification is not QUALIFICATION=YYYY-MM-DD, or is listed twice",
    "roster.score": "an exam score is not a fraction from 0 to 1 or a percentage",
    "roster.exam": "an exam score without its date, or a date without its score",
    "roster.active": "active is not true or false",
    "roster.cell_error": "a cell holds an Excel error value (#N/A, #DIV/0! …)",
    "roster.duplicate_person": "a person appears on two rows of the file",
    "roster.exam_conflict": "an exam attempt is recorded at the same moment with another score",
    "roster.exam_in_future": "an exam date is after the moment of the import",
}


class GovernanceError(Exception):
    """A request the governance services cannot carry out (bad state, unknown record)."""

    default_code = "governance.refused"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        self.code = code or self.default_code
        if self.code not in ERROR_CODES:
            raise ValueError(f"undocumented governance error code {self.code!r}")
        self.message = message
        self.field = field
        super().__init__(message)


class NotFound(GovernanceError):  # noqa: N818 - the name reads well at the call site
    """The named record does not exist (or is not visible to the acting user)."""

    default_code = "not_found"


class PermissionDenied(GovernanceError):  # noqa: N818
    """The acting user may not do this: wrong organization for the contract, or wrong role."""

    default_code = "permission_denied"

    def __init__(self, who: str, what: str, why: str) -> None:
        self.who = who
        self.what = what
        self.why = why
        super().__init__(f"permission denied: {who} may not {what}: {why}")
