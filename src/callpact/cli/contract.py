"""``callpact contract check | render | diff``: the annex as code, from the command line."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from callpact.cli.values import amount_option, day_option, number_option
from callpact.contracts.diff import Change, diff_versions
from callpact.contracts.lint import lint_contract
from callpact.contracts.loader import LoadResult, read_annex
from callpact.contracts.model import Contract
from callpact.contracts.render import render_html, render_markdown
from callpact.diagnostics import Diagnostic, Severity, has_errors, sort_key

contract_app = typer.Typer(
    help="Check, render and compare SLA annexes.", no_args_is_help=True, add_completion=False
)


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RenderFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"


@contract_app.command("check")
def check(  # noqa: PLR0917 - typer maps each option to a parameter
    files: Annotated[list[Path], typer.Argument(help="Annex YAML files.")],
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Skip the lint warnings.")] = False,
    output: Annotated[
        CheckFormat, typer.Option("--format", help="text, or json for machines.")
    ] = CheckFormat.TEXT,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            exists=True,
            help="Workspace or interchange folder: also check the targets against the "
            "forecast and the scheduled staff (Erlang C/A).",
        ),
    ] = None,
    patience_s: Annotated[
        float | None,
        number_option("--patience-s", help="Mean customer patience: Erlang A instead of C."),
    ] = None,
    cost_per_productive_hour: Annotated[
        Decimal | None,
        amount_option(
            "--cost-per-productive-hour",
            help="The vendor's cost of one productive hour: checks the fee buys enough hours.",
        ),
    ] = None,
) -> None:
    """Report every error (and lint warning) of each annex; exit 1 when any file has errors."""
    every: list[Diagnostic] = []
    for path in files:
        result = read_annex(path)
        found = list(result.diagnostics)
        if result.contract is not None and not no_lint:
            found += lint_contract(result.contract, result.positions)
        if result.contract is not None and data is not None:
            found += _feasibility(path, result, data, patience_s, cost_per_productive_hour)
        every += sorted(found, key=sort_key)
    if output is CheckFormat.JSON:
        typer.echo(json.dumps([d.to_json() for d in every], indent=2))
    else:
        for diagnostic in every:
            typer.echo(diagnostic.format())
        errors = sum(d.severity.value == "error" for d in every)
        warnings = len(every) - errors
        typer.echo(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)", err=True)
    if has_errors(every):
        raise typer.Exit(1)


def _feasibility(
    path: Path,
    result: LoadResult,
    data: Path,
    patience_s: float | None,
    cost_per_productive_hour: Decimal | None,
) -> list[Diagnostic]:
    """Staffing warnings for the version governing the forecast's first month."""
    from callpact.cli.data import open_data_or_exit
    from callpact.settlement.feasibility import feasibility_warnings

    assert result.contract is not None
    with open_data_or_exit(data) as source:
        if not source.has_table("forecast"):
            return [
                Diagnostic(
                    str(data), 0, 0, Severity.WARNING, "FEA000",
                    "no forecast table: staffing feasibility was not checked",
                )
            ]  # fmt: skip
        forecast = source.read_table("forecast").to_pylist()
        schedules = (
            source.read_table("schedules").to_pylist() if source.has_table("schedules") else []
        )
    zone = ZoneInfo(result.contract.first.contract.time_zone)
    first = min((row["interval_start"] for row in forecast), default=None)
    version = (
        result.contract.version_on(first.astimezone(zone).date())
        if first is not None
        else result.contract.first
    )
    index = result.contract.versions.index(version)
    lines = {
        spec.id: result.positions.locate(("kpis", position), index)[0]
        for position, spec in enumerate(version.kpis)
    }
    lines["contract.fee"] = result.positions.locate(("contract", "fee"), index)[0]
    return feasibility_warnings(
        version,
        forecast,
        schedules,
        source=str(path),
        patience_s=patience_s,
        cost_per_productive_hour=cost_per_productive_hour,
        kpi_lines=lines,
    )


def load_contract_or_exit(path: Path) -> Contract:
    """The annex's contract; with any error, its located diagnostics are printed and the
    command exits 1 (every command that runs on an annex refuses an invalid one)."""
    result = read_annex(path)
    if result.contract is None:
        for diagnostic in result.diagnostics:
            typer.echo(diagnostic.format(), err=True)
        raise typer.Exit(1)
    return result.contract


@contract_app.command("render")
def render(
    file: Annotated[Path, typer.Argument(help="Annex YAML file.")],
    output: Annotated[
        RenderFormat, typer.Option("--format", help="markdown or html.")
    ] = RenderFormat.MARKDOWN,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    on: Annotated[
        date | None, day_option("--on", help="Render the version in force on this date.")
    ] = None,
) -> None:
    """The annex as the document both parties sign: formulas in words, tiers as tables, then
    the amendments that follow the rendered version."""
    contract = load_contract_or_exit(file)
    version = None
    if on is not None:
        try:
            version = contract.version_on(on)
        except ValueError as problem:
            typer.echo(f"--on {on}: {problem}", err=True)
            raise typer.Exit(2) from None
    text = (
        render_html(contract, version)
        if output is RenderFormat.HTML
        else render_markdown(contract, version)
    )
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@contract_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The annex before.")],
    new: Annotated[
        Path | None,
        typer.Argument(help="The annex after; without it, each amendment of OLD is listed."),
    ] = None,
    output: Annotated[
        CheckFormat, typer.Option("--format", help="text, or json for machines.")
    ] = CheckFormat.TEXT,
) -> None:
    """What changed in contract terms: OLD's latest version against NEW's, or, given one
    file, what each of its amendments changed."""
    before = load_contract_or_exit(old)
    steps: list[tuple[str, list[Change]]] = []
    if new is None:
        for previous, amended in zip(before.versions, before.versions[1:], strict=False):
            label = f"effective {amended.effective_from.isoformat()}"
            steps.append((label, diff_versions(previous, amended)))
    else:
        steps.append(("", diff_versions(before.latest, load_contract_or_exit(new).latest)))
    if output is CheckFormat.JSON:
        listed = [
            {**change.to_json(), **({"amendment": label} if label else {})}
            for label, changes in steps
            for change in changes
        ]
        typer.echo(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    if all(not changes for _, changes in steps):
        typer.echo("no changes in contract terms")
        return
    for label, changes in steps:
        if label:
            typer.echo(f"{label}:")
        for change in changes:
            typer.echo(f"  {change.text}" if label else change.text)


def register(app: typer.Typer) -> None:
    """Attach ``callpact contract`` to the main app."""
    app.add_typer(contract_app, name="contract")
