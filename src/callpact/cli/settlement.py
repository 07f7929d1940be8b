"""``callpact settle``, ``callpact statement verify`` and ``callpact backtest``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from callpact.cli.values import DATABASE_URL, month_option, read_database_url
from callpact.clock import clock
from callpact.diagnostics import Diagnostic, has_errors

statement_app = typer.Typer(
    help="Monthly statements: render, verify, and their lifecycle as shared records.",
    no_args_is_help=True,
)


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
SettleFormat = Literal["table", "json", "html", "pdf"]


def In(*declarations: str, help: str) -> Any:  # noqa: N802 - reads like Opt at the call site
    """An option naming a file or folder that must exist (an input)."""
    return typer.Option(*declarations, exists=True, help=help)


def settle(
    contract: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The contract annex (YAML).")
    ],
    *,
    data: Annotated[Path, In("--data", help="Workspace or interchange folder.")],
    period: Annotated[str, month_option("--period", help="Month to settle.")],
    history: Annotated[PathOpt, In("--history", help="Folder of earlier statements.")] = None,
    incidents: Annotated[
        PathOpt, In("--incidents", help="Incidents CSV/JSON (default: the data's table).")
    ] = None,
    decisions: Annotated[PathOpt, In("--decisions", help="Cure decisions (JSON/YAML).")] = None,
    outages: Annotated[
        PathOpt, In("--outages", help="The client's outage decisions (callpact outage export).")
    ] = None,
    results: Annotated[
        PathOpt, In("--results", help="KPI results per month (JSON) instead of the engine.")
    ] = None,
    output_format: Annotated[
        SettleFormat, Opt("--format", help="table, json, html or pdf.")
    ] = "table",
    out: Annotated[PathOpt, Opt("--out", help="Write here instead of standard output.")] = None,
    store: Annotated[
        bool,
        Opt("--store", help="Store it as a draft in the governance database (the operator)."),
    ] = False,
    database_url: Annotated[
        str | None,
        Opt(
            "--database-url",
            parser=read_database_url,
            metavar=DATABASE_URL,
            help="governance database (with --store)",
        ),
    ] = None,
) -> None:
    """Settle one month: credits, bonuses, earn-back, incident liabilities and the invoice.
    With --store the statement becomes a shared record: a draft the client issues to the
    vendor (`callpact statement issue`)."""
    from callpact.settlement.run import Paths, settle_from_paths

    result = settle_from_paths(
        Paths(contract, data, period, history, incidents, decisions, results, outages)
    )
    _print_problems(result.problems, output_format == "json")
    if result.statement is None or has_errors(result.problems):
        raise typer.Exit(1)
    _emit(result.statement, output_format, out)
    if store:
        _store(result.statement, database_url)


def _store(statement: dict[str, Any], database_url: str | None) -> None:

    from callpact.cli.governance import unit_of_work
    from callpact.governance.statement.service import store_settled_month

    with unit_of_work(database_url) as session:
        stored = store_settled_month(session, statement, now=clock())
        typer.echo(f"stored statement {stored.number} v{stored.version} as a draft", err=True)


def _emit(statement: dict[str, Any], output_format: str, out: Path | None) -> None:
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


@statement_app.command("render")
def render(
    statement_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A statement JSON from `settle`.")
    ],
    *,
    output_format: Annotated[
        Literal["table", "html", "pdf"], Opt("--format", help="table, html or pdf.")
    ] = "table",
    out: Annotated[PathOpt, Opt("--out", help="Write here instead of standard output.")] = None,
) -> None:
    """Print a settled statement as a table, or as the HTML/PDF document people approve."""
    from callpact.settlement.statement import FORMAT

    try:
        statement = json.loads(statement_file.read_text("utf-8"))
    except (OSError, ValueError) as error:
        typer.echo(f"{statement_file}: cannot read the statement: {error}", err=True)
        raise typer.Exit(1) from None
    if not isinstance(statement, dict) or statement.get("format") != FORMAT:
        typer.echo(
            f"{statement_file}:0:0: error[SET006]: not a statement: it has no "
            f'"format": "{FORMAT}" (write one with `callpact settle --format json`)',
            err=True,
        )
        raise typer.Exit(1)
    _emit(statement, output_format, out)


@statement_app.command("verify")
def verify(
    statement_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The statement JSON to check.")
    ],
    *,
    contract: Annotated[
        PathOpt, In("--contract", help="default: the one the statement names")
    ] = None,
    data: Annotated[PathOpt, In("--data", help="default: the one the statement names")] = None,
    history: Annotated[PathOpt, In("--history", help="Folder of earlier statements.")] = None,
    incidents: Annotated[PathOpt, In("--incidents", help="Incidents CSV/JSON.")] = None,
    decisions: Annotated[PathOpt, In("--decisions", help="Cure decisions (JSON/YAML).")] = None,
    results: Annotated[PathOpt, In("--results", help="KPI results per month (JSON).")] = None,
    outages: Annotated[PathOpt, In("--outages", help="The client's outage decisions.")] = None,
) -> None:
    """Recompute a statement from the inputs it names (or those given): prints "identical" or
    every difference, lines matched by their id (exit 1)."""
    from callpact.settlement.run import Paths, settle_from_paths
    from callpact.settlement.statement import statement_differences

    try:
        stated = json.loads(statement_file.read_text("utf-8"))
        paths = Paths.of_statement(
            stated,
            contract=contract,
            data=data,
            history=history,
            incidents=incidents,
            decisions=decisions,
            results=results,
            outages=outages,
        )
    except LookupError as error:
        typer.echo(f"{statement_file}:0:0: error[SET009]: {error}", err=True)
        raise typer.Exit(1) from error
    except (OSError, ValueError, KeyError, TypeError) as error:
        typer.echo(f"{statement_file}:0:0: error[SET006]: not a statement: {error}", err=True)
        raise typer.Exit(1) from error
    result = settle_from_paths(paths)
    _print_problems(result.problems, False)
    if result.statement is None:
        raise typer.Exit(1)
    found = statement_differences(stated, json.loads(json.dumps(result.statement)))
    if not found:
        typer.echo("identical")
        return
    typer.echo(f"{len(found)} difference(s):")
    for line in found:
        typer.echo(f"  {line}")
    raise typer.Exit(1)


def _backtest_table(report: dict[str, Any]) -> str:
    from decimal import Decimal

    from rich.console import Console
    from rich.table import Table

    from callpact.settlement.rules import reading

    console = Console(record=True, width=160, file=io.StringIO())
    table = Table(
        "month", "KPIs (value, tier)", "credits", "bonuses", "earn-back", "net", "events",
        title=f"Backtest {report['contract_id']} · {report['from']} to {report['to']}",
    )  # fmt: skip
    for row in report["months"]:
        kpis = []
        for kpi in row["kpis"]:
            tier = ""
            if kpi["penalty_tier"]:
                tier = f" P{kpi['penalty_tier']}"
            elif kpi["reward_tier"]:
                tier = f" R{kpi['reward_tier']}"
            if kpi["status"] == "not_measurable":
                shown = "n/m"
            elif kpi["value"] is None:
                shown = "–"
            else:
                shown = reading(Decimal(kpi["value"]), kpi["unit"])
            kpis.append(f"{kpi['kpi_id']} {shown}{tier}")
        events = [e["kind"].replace("_", " ") + f" ({e['kpi_id']})" for e in row["events"]]
        table.add_row(
            row["period"], "\n".join(kpis), row["credits"], row["bonuses"],
            row["earn_back"], row["net_adjustment"], "\n".join(events),
        )  # fmt: skip
    console.print(table)
    console.print(f"total net adjustment: {report['total_net_adjustment']}")
    simulation = report.get("simulation")
    if simulation:
        net = simulation["net_adjustment"]
        console.print(
            f"simulated {simulation['runs']} years ({simulation['days_per_month']} days a month, "
            f"seed {simulation['seed']}): monthly net adjustment mean {net['mean']}, "
            f"P5 {net['p5']}, P95 {net['p95']}; "
            f"P(chronic breach within a year) {simulation['chronic_breach_probability']}"
        )
    return console.export_text()


def backtest(
    contract: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="The contract annex (YAML) to test."),
    ],
    *,
    data: Annotated[PathOpt, In("--data", help="Workspace or interchange folder.")] = None,
    first: Annotated[str, month_option("--from", help="First month.")],
    last: Annotated[str, month_option("--to", help="Last month.")],
    results: Annotated[
        PathOpt, In("--results", help="KPI results per month and per day (JSON).")
    ] = None,
    decisions: Annotated[PathOpt, In("--decisions", help="Cure decisions (JSON/YAML).")] = None,
    incidents: Annotated[
        PathOpt, In("--incidents", help="Incidents CSV/JSON (default: the data's table).")
    ] = None,
    output_format: Annotated[
        Literal["table", "json"], Opt("--format", help="table or json.")
    ] = "table",
    simulate: Annotated[
        int, Opt("--simulate", min=0, help="Synthetic years to resample from the days.")
    ] = 0,
    seed: Annotated[int, Opt("--seed", help="Seed of the resampling.")] = 0,
    plot: Annotated[PathOpt, Opt("--plot", help="Write a chart (.png or .svg).")] = None,
) -> None:
    """Settle a range of months under a (draft) contract; optionally simulate its exposure."""
    from callpact.settlement.run import BacktestPaths, backtest_from_paths

    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise typer.BadParameter("--plot writes a .png or .svg file")
    if data is None and results is None:
        raise typer.BadParameter("give --data, --results or both")
    outcome = backtest_from_paths(
        BacktestPaths(contract, data, first, last, results, decisions, simulate, seed, incidents)
    )
    _print_problems(outcome.problems, output_format == "json")
    if has_errors(outcome.problems) or not outcome.settlements:
        raise typer.Exit(1)
    report = outcome.to_json()
    if plot is not None:
        from callpact.reports.charts import backtest_plot

        exposure = outcome.exposure
        backtest_plot(
            str(plot),
            [s.month for s in outcome.settlements],
            [s.net_adjustment for s in outcome.settlements],
            simulated=exposure.net if exposure else (),
            mean=exposure.mean if exposure else None,
            p5=exposure.p5 if exposure else None,
            p95=exposure.p95 if exposure else None,
            chronic_probability=exposure.chronic_probability if exposure else None,
            currency=outcome.settlements[0].terms.currency,
        )
    if output_format == "json":
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(_backtest_table(report))


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the main app."""
    app.command("settle")(settle)
    app.command("backtest")(backtest)
    app.add_typer(statement_app, name="statement")
