"""``callpact settle``, ``callpact statement verify`` and ``callpact backtest``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from callpact.diagnostics import Diagnostic, has_errors

statement_app = typer.Typer(
    help="Check a monthly statement against its inputs.", no_args_is_help=True
)

FORMATS = ("table", "json", "html", "pdf")


def _print_problems(problems: list[Diagnostic], as_json: bool) -> None:
    if not problems:
        return
    if as_json:
        typer.echo(json.dumps({"diagnostics": [p.to_json() for p in problems]}, indent=2), err=True)
    else:
        for problem in problems:
            typer.echo(problem.format(), err=True)


def _table(statement: dict[str, Any]) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=140, file=io.StringIO())
    summary = Table(title=f"{statement['contract_id']} · {statement['period']}", show_header=False)
    for name in (
        "fee",
        "credits",
        "earn_back",
        "bonuses",
        "liabilities",
        "net_adjustment",
        "invoice_total",
    ):
        summary.add_row(name.replace("_", " "), statement[name])
    console.print(summary)
    lines = Table("kind", "KPI / incident", "amount", "reason")
    for line in statement["lines"]:
        lines.add_row(
            line["kind"],
            line["kpi_id"] or line["incident_id"] or "",
            line["amount"],
            line["reason"],
        )
    console.print(lines)
    for episode in statement["cure"]:
        console.print(f"cure: {episode['kpi_id']} opened {episode['opened']}: {episode['state']}")
    for right in statement["termination"]["rights"]:
        console.print(
            f"termination right: {right['kpi_id']} ({right['rule']}), "
            f"effective {right['earliest_effective']} at the earliest"
        )
    return console.export_text()


def _write(text: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(text, bytes):
            raise typer.BadParameter("PDF output needs --out FILE")
        typer.echo(text)
    elif isinstance(text, bytes):
        out.write_bytes(text)
    else:
        out.write_text(text, "utf-8")


Opt = typer.Option
PathOpt = Path | None


def settle(
    contract: Annotated[Path, typer.Argument(help="The contract annex (YAML).")],
    *,
    data: Annotated[Path, Opt("--data", help="Workspace or interchange folder.")],
    period: Annotated[str, Opt("--period", help="Month to settle, YYYY-MM.")],
    history: Annotated[PathOpt, Opt("--history", help="Folder of earlier statements.")] = None,
    incidents: Annotated[
        PathOpt, Opt("--incidents", help="Incidents CSV/JSON (default: the data's table).")
    ] = None,
    decisions: Annotated[PathOpt, Opt("--decisions", help="Cure decisions (JSON/YAML).")] = None,
    results: Annotated[
        PathOpt, Opt("--results", help="KPI results per month (JSON) instead of the engine.")
    ] = None,
    output_format: Annotated[str, Opt("--format", help="table, json, html or pdf.")] = "table",
    out: Annotated[PathOpt, Opt("--out", help="Write here instead of standard output.")] = None,
) -> None:
    """Settle one month: credits, bonuses, earn-back, incident liabilities and the invoice."""
    from callpact.settlement.run import Paths, settle_from_paths

    if output_format not in FORMATS:
        raise typer.BadParameter(f"--format is one of {', '.join(FORMATS)}")
    result = settle_from_paths(
        Paths(contract, data, period, history, incidents, decisions, results)
    )
    _print_problems(result.problems, output_format == "json")
    if result.statement is None or has_errors(result.problems):
        raise typer.Exit(1)
    statement = result.statement
    if output_format == "json":
        _write(json.dumps(statement, indent=2) + "\n", out)
    elif output_format == "html":
        from callpact.reports.statement import render_html

        _write(render_html(statement), out)
    elif output_format == "pdf":
        from callpact.reports.statement import render_pdf

        _write(render_pdf(statement), out)
    else:
        _write(_table(statement), out)


@statement_app.command("verify")
def verify(
    statement_file: Annotated[Path, typer.Argument(help="The statement JSON to check.")],
    *,
    contract: Annotated[Path, Opt("--contract")],
    data: Annotated[Path, Opt("--data")],
    history: Annotated[PathOpt, Opt("--history")] = None,
    incidents: Annotated[PathOpt, Opt("--incidents")] = None,
    decisions: Annotated[PathOpt, Opt("--decisions")] = None,
    results: Annotated[PathOpt, Opt("--results")] = None,
) -> None:
    """Recompute a statement from its inputs: prints "identical" or every difference (exit 1)."""
    from callpact.settlement.run import Paths, settle_from_paths
    from callpact.settlement.statement import differences

    stated = json.loads(statement_file.read_text("utf-8"))
    result = settle_from_paths(
        Paths(contract, data, str(stated["period"]), history, incidents, decisions, results)
    )
    _print_problems(result.problems, False)
    if result.statement is None:
        raise typer.Exit(1)
    found = differences(stated, json.loads(json.dumps(result.statement)))
    if not found:
        typer.echo("identical")
        return
    typer.echo(f"{len(found)} difference(s):")
    for line in found:
        typer.echo(f"  {line}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the main app."""
    app.command("settle")(settle)
    app.add_typer(statement_app, name="statement")
