"""Exit statuses of every command, and the guard that turns a user's mistake into a message.

A bad option value is refused while the command line is parsed (:mod:`callpact.cli.values`,
status 2). What can only be found once a command runs (an unknown record, a busy workspace, a
file that cannot be read, a database that is not there) is an error of a known kind; the root
command catches those here, prints one line naming what was wrong, and exits with its status.
Anything else is a bug in callpact and keeps its traceback, so it is reported, not hidden.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

EXIT_OK = 0
EXIT_FAILED = (
    1  # the input was read and is wrong, or a check found something (documented per command)
)
EXIT_USAGE = 2  # an option or argument is missing, unknown or not what it expects
EXIT_DENIED = 3  # nobody signed in, or the signed-in user may not do this
EXIT_BUSY = 75  # another process writes the workspace: try again later (sysexits' EX_TEMPFAIL)


def explain(error: BaseException) -> tuple[list[str], int] | None:
    """The lines to print and the exit status for an error of a known kind; None for a bug."""
    from callpact.data.ingest import DeliveryError
    from callpact.data.workspace import WorkspaceBusy, WorkspaceError
    from callpact.staffing import StaffingInputError

    if isinstance(error, WorkspaceBusy):
        return [
            f"error: {error}",
            "hint: run it again once that process has finished (ingest waits for it unless "
            "given --no-wait)",
        ], EXIT_BUSY
    if isinstance(error, WorkspaceError):
        return [f"error: {error}"], EXIT_FAILED
    if isinstance(error, DeliveryError):
        return [d.format() for d in error.diagnostics], EXIT_FAILED
    if isinstance(error, StaffingInputError):
        return [f"error: {error.field}: {error.message}"], EXIT_USAGE
    governance = _governance_error(error)
    if governance is not None:
        return governance
    database = _database_error(error)
    if database is not None:
        return database
    if isinstance(error, OSError) and error.filename is not None:
        return [f"error: {error.filename}: {error.strerror or error}"], EXIT_FAILED
    return None


def _governance_error(error: BaseException) -> tuple[list[str], int] | None:
    from callpact.governance.errors import GovernanceError, PermissionDenied

    if isinstance(error, PermissionDenied):
        return [f"error: {error}"], EXIT_DENIED
    if isinstance(error, GovernanceError):
        return [f"error: {error}"], EXIT_FAILED
    return None


def _database_error(error: BaseException) -> tuple[list[str], int] | None:
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    if isinstance(error, OperationalError):
        reason = str(error.orig) if error.orig is not None else str(error)
        hint = (
            "hint: create it with `callpact db upgrade` (or check --database-url)"
            if "no such table" in reason or "does not exist" in reason
            else "hint: check --database-url and that the database is reachable"
        )
        return [f"error: the governance database cannot be used: {reason}", hint], EXIT_FAILED
    if isinstance(error, ArgumentError | NoSuchModuleError):
        return [f"error: not a usable database URL: {error}"], EXIT_USAGE
    return None


class GuardedGroup(TyperGroup):
    """The root command: every subcommand runs inside it, so its guard covers all of them."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise  # already a message and a status (a usage error, an explicit exit)
        except Exception as error:
            known = explain(error)
            if known is None:
                raise
            lines, status = known
            for line in lines:
                typer.echo(line, err=True)
            raise typer.Exit(status) from None
