"""``callpact generate``: a synthetic program in the interchange format, for demos and tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from callpact.cli.values import month_option, time_zone_option
from callpact.diagnostics import Diagnostic, Severity

COMMAND_LINE = "<command line>"
BAD_ARGUMENT = "GEN001"
CONTRACT_UNUSABLE = "GEN002"


def _problem(code: str, message: str, field: str = "", source: str = COMMAND_LINE) -> Diagnostic:
    return Diagnostic(source, 0, 0, Severity.ERROR, code, message, field=field)


def _contract_settings(path: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Time zone, hours and holidays from a valid annex's base version. The generator uses one
    calendar for every queue: the annex's first group of hours."""
    from callpact.contracts import load_contract

    contract, diagnostics = load_contract(path)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if contract is None or errors:
        return {}, errors
    version = contract.first
    settings: dict[str, Any] = {"time_zone": version.contract.time_zone}
    if version.scope.hours:
        hours = next(iter(version.scope.hours.values()))
        settings["calendar"] = hours.calendar
        settings["holidays"] = "us-federal" if "us-federal" in hours.holidays else "none"
    return settings, []


def generate_command(
    *,
    start: Annotated[str, month_option("--from", help="First month.")] = "2027-01",
    end: Annotated[str, month_option("--to", help="Last month (inclusive).")] = "2027-03",
    contacts_per_month: Annotated[
        int,
        typer.Option("--contacts-per-month", min=0, help="Contacts per month (all queues)."),
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same data.")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")] = Path(
        "callpact-data/generated"
    ),
    file_format: Annotated[
        Literal["csv", "parquet"], typer.Option("--format", help="csv or parquet.")
    ] = "csv",
    contract: Annotated[
        Path | None,
        typer.Option(
            "--contract",
            exists=True,
            dir_okay=False,
            help="Annex: take the time zone and hours of operation.",
        ),
    ] = None,
    scenario: Annotated[
        Literal["demo", "steady"],
        typer.Option("--scenario", help="demo (a missed, a recovering, a bonus month) or steady."),
    ] = "demo",
    time_zone: Annotated[
        str | None,
        time_zone_option("--time-zone", help="Contract time zone (America/Chicago)."),
    ] = None,
) -> None:
    """Generate a synthetic program (contacts, surveys, QA, agents, states, schedules, forecast,
    feedback, outages, incidents) in the interchange format."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from callpact.data.generator import GeneratorConfig, generate_program, write_program

    problems: list[Diagnostic] = []
    settings: dict[str, Any] = {}
    if contract is not None:
        settings, found = _contract_settings(contract)
        problems.extend(found)
    if time_zone:
        settings["time_zone"] = time_zone
    if "time_zone" in settings:
        try:
            ZoneInfo(settings["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                _problem(
                    BAD_ARGUMENT, f"unknown time zone {settings['time_zone']!r}", "--time-zone"
                )
            )
    config: GeneratorConfig | None = None
    if not problems:
        try:
            config = GeneratorConfig(
                start_month=start,
                end_month=end,
                contacts_per_month=contacts_per_month,
                seed=seed,
                scenario=scenario,
                **settings,
            )
            config.months()
        except ValueError as error:
            problems.append(
                _problem(
                    BAD_ARGUMENT,
                    str(error).replace("start_month", "--from").replace("end_month", "--to"),
                )
            )
    if problems or config is None:
        for problem in problems:
            typer.echo(problem.format(), err=True)
        # options that do not fit together are a usage error; an unusable annex is not
        usage = all(problem.code == BAD_ARGUMENT for problem in problems)
        raise typer.Exit(2 if usage else 1)
    began = time.perf_counter()
    try:
        tables = generate_program(config)
    except ValueError as error:
        typer.echo(_problem(BAD_ARGUMENT, str(error)).format(), err=True)
        raise typer.Exit(1) from None
    written = write_program(tables, out, file_format=file_format, time_zone=config.time_zone)
    summary = {
        "out": str(out),
        "seconds": round(time.perf_counter() - began, 3),
        "rows": {name: t.num_rows for name, t in tables.items() if not name.startswith("_")},
        "files": [str(p) for p in written],
    }
    typer.echo(json.dumps(summary, indent=2))


def register(app: typer.Typer) -> None:
    """Attach ``callpact generate`` to the main app."""
    app.command("generate")(generate_command)
