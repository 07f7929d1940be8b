"""``callpact ingest``: load a delivery into a workspace; and how every command opens data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from callpact.cli.values import number_option
from callpact.diagnostics import sort_key

if TYPE_CHECKING:
    from callpact.data.ingest import IngestReport
    from callpact.data.workspace import DataSource, LockWait


@contextmanager
def open_data_or_exit(path: Path) -> Iterator[DataSource]:
    """A workspace or a raw interchange folder as the data layer serves it (a folder passes
    ingest's row rules); data that cannot be read at all ends the command with exit 1."""
    from callpact.data.ingest import DeliveryError
    from callpact.data.sources import open_source
    from callpact.data.workspace import WorkspaceError

    try:
        source = open_source(path)
    except DeliveryError as error:  # already located: FILE:LINE:COL: error[CODE]: …
        for diagnostic in error.diagnostics:
            typer.echo(diagnostic.format(), err=True)
        raise typer.Exit(1) from None
    except (WorkspaceError, OSError) as error:
        typer.echo(f"{path}: error: {error}", err=True)
        raise typer.Exit(1) from None
    with source:
        yield source


SourceFormat = Literal["interchange", "amazon-connect", "asterisk", "genesys", "mapped"]


def ingest(  # noqa: PLR0917 - one option per parameter is how Typer reads a command
    path: Annotated[
        Path,
        typer.Argument(exists=True, help="An interchange folder or file, or a vendor export."),
    ],
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = Path("callpact-data"),
    source_format: Annotated[
        SourceFormat,
        typer.Option("--from", help="interchange, amazon-connect, asterisk, genesys or mapped."),
    ] = "interchange",
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            exists=True,
            dir_okay=False,
            help="YAML mapping for --from mapped (a CSV or an .xlsx sheet).",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Replace stored rows whose key comes again with other values."
        ),
    ] = False,
    output: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")] = (
        "table"
    ),
    wait_s: Annotated[
        float | None,
        number_option(
            "--wait-s",
            minimum=0,
            help="While another process writes the workspace, wait up to this many seconds "
            "for it (default 600: ten minutes).",
            show_default=False,
        ),
    ] = None,
    no_wait: Annotated[
        bool,
        typer.Option("--no-wait", help="Refuse at once when another ingest writes the workspace."),
    ] = False,
) -> None:
    """Validate a delivery and store it; bad rows go to a rejects file with line and reason.

    Exit 0 when the delivery was processed (with or without rejects); 1 when it could not be
    processed at all, and then the workspace is unchanged; 75 when another process kept the
    workspace locked past --wait-s (or at once with --no-wait), and then nothing was read.
    """
    from callpact.data.ingest import DeliveryError, ingest_path
    from callpact.data.workspace import DEFAULT_LOCK_WAIT_S, LockWait

    timeout_s = 0.0 if no_wait else DEFAULT_LOCK_WAIT_S if wait_s is None else wait_s
    wait = LockWait(timeout_s=timeout_s, on_wait=_say_waiting(workspace))
    try:
        if output == "table" and _large(path):
            report = _with_progress(path, workspace, source_format, mapping, replace, wait)
        else:
            report = ingest_path(
                path,
                workspace,
                source_format=source_format,
                mapping=mapping,
                replace=replace,
                wait=wait,
            )
    except DeliveryError as exc:
        if output == "json":
            typer.echo(json.dumps({"error": [d.to_json() for d in exc.diagnostics]}, indent=2))
        else:
            for d in sorted(exc.diagnostics, key=sort_key):
                typer.echo(d.format(), err=True)
            typer.echo("nothing was changed in the workspace", err=True)
        raise typer.Exit(1) from None
    if output == "json":
        data = report.to_json()
        typer.echo(
            json.dumps(
                {
                    t: {
                        "accepted": r["accepted"],
                        "rejected": r["rejected"],
                        "duplicates": r["duplicates"],
                        "replaced": r["replaced"],
                        "rows_read": r["rows_read"],
                        "rejects_file": _abs(workspace, r["rejects_file"], report),
                    }
                    for t, r in data.items()
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ingest {path} → {workspace}")
    for col in ("table", "read", "accepted", "rejected", "duplicates", "replaced", "rejects file"):
        table.add_column(col, justify="left" if col in ("table", "rejects file") else "right")
    for name, r in report.tables.items():
        table.add_row(
            name,
            str(r.rows_read),
            str(r.accepted),
            str(r.rejected),
            str(r.duplicates),
            str(r.replaced),
            _abs(workspace, r.rejects_file, report) or "",
        )
    console = Console()
    console.print(table)
    shown = sorted(report.diagnostics, key=sort_key)
    for d in shown[:20]:
        console.print(d.format(), markup=False, highlight=False, soft_wrap=True)
    if len(shown) > 20:
        console.print(f"… and {len(shown) - 20} more faults in the rejects files")


def _say_waiting(workspace: Path) -> Callable[[str, float], None]:
    def say(holder: str, timeout_s: float) -> None:
        typer.echo(
            f"{workspace}: another callpact process is writing ({holder}); waiting up to "
            f"{timeout_s:.0f} s for it to finish (--no-wait refuses at once)",
            err=True,
        )

    return say


def _abs(workspace: Path, rel: str | None, report: IngestReport) -> str | None:
    if not rel:
        return None
    from callpact.data.workspace import Workspace

    gen = Workspace(workspace).current()
    return str(gen.path / rel) if gen else rel


def _large(path: Path) -> bool:
    files = [path] if path.is_file() else list(path.glob("*")) if path.is_dir() else []
    return sum(f.stat().st_size for f in files if f.is_file()) > 50 << 20


def _with_progress(  # noqa: PLR0917 - the ingest's own arguments, passed through
    path: Path,
    workspace: Path,
    source_format: str,
    mapping: Path | None,
    replace: bool,
    wait: LockWait,
) -> IngestReport:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from callpact.data.ingest import ingest_path

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("ingest", total=1.0)

        def progress(table: str, stage: str, fraction: float | None) -> None:
            bar.update(task, description=f"{table}: {stage}", completed=fraction or 0.0)

        return ingest_path(
            path,
            workspace,
            source_format=source_format,
            mapping=mapping,
            replace=replace,
            progress=progress,
            wait=wait,
        )


def register(app: typer.Typer) -> None:
    """Attach ``callpact ingest`` to the main app."""
    app.command("ingest")(ingest)
