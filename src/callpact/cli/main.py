"""The ``callpact`` command. Each command group has its own module; this file only wires them."""

from __future__ import annotations

import typer

from callpact import __version__
from callpact.cli.errors import GuardedGroup

app = typer.Typer(
    name="callpact",
    help="Executable SLA annexes for outsourced contact centers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # a user's mistake found while a command runs is a message and an exit status, never a
    # traceback (callpact.cli.errors)
    cls=GuardedGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"callpact {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """callpact: one contract file, one KPI engine, one settlement both parties trust."""


def _register() -> None:
    # Imported here so that `callpact --help` stays fast and a broken optional group does not
    # take the whole command down while it is being built.
    from callpact.cli import commands

    commands.register(app)


def run() -> None:
    _register()
    app()
