"""``callpact verbatim``: evaluate the fidelity judge, plan the monthly audit, run it."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from callpact.cli.data import open_data_or_exit
from callpact.cli.values import month_option, read_number, read_time_zone, time_zone_option
from callpact.clock import clock
from callpact.diagnostics import Diagnostic, has_errors

app = typer.Typer(
    help="Verbatim fidelity: does the customer's own voice reach the client?",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


Engine = Literal["onnx", "numpy"]
EngineOption = typer.Option("--engine", help="embedding engine: onnx (default) or numpy")


def _console() -> Console:
    return Console(width=max(Console().width, 120))


def _share(text: str) -> float:
    """A fraction strictly between 0 and 1 (a margin of error, a confidence level)."""
    value = read_number(text)
    if not 0 < value < 1:
        raise typer.BadParameter(f"{text!r} is not a fraction between 0 and 1: write e.g. 0.05")
    return value


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(read_time_zone(name))


# Options the plan and the audit share.
Data = typer.Option("--data", exists=True, help="workspace or interchange folder")
Margin = typer.Option(
    "--margin", parser=_share, metavar="FRACTION", help="margin of error per operator"
)
Confidence = typer.Option(
    "--confidence", parser=_share, metavar="FRACTION", help="confidence level"
)
MinPerAgent = typer.Option("--min-per-agent", min=0, help="floor per operator")
AnnexOption = typer.Option(
    "--contract",
    exists=True,
    dir_okay=False,
    help="the annex: its time zone decides the audit's month",
)
Zone = time_zone_option("--tz", help="a time zone instead of the annex's (months are local)")


def _audit_zone(contract: Path | None, tz: str | None) -> ZoneInfo:
    """The month of an audit is the contract's local month: the annex's zone unless --tz says."""
    if tz is not None:
        return _zone(tz)
    if contract is None:
        raise typer.BadParameter(
            "name the annex (--contract annex.yaml) so the month is the contract's local month, "
            "or give its time zone with --tz",
            param_hint="--contract",
        )
    from callpact.contracts import load_contract

    loaded, diagnostics = load_contract(contract)
    if loaded is None or has_errors(diagnostics):
        _print_diagnostics(list(diagnostics))
        raise typer.Exit(1)
    return _zone(loaded.first.contract.time_zone)


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        typer.echo(d.format(), err=True)


@app.command("evaluate")
def evaluate_command(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json")
    ] = OutputFormat.TABLE,
    engine: Annotated[
        Engine, typer.Option(help="embedding engine: onnx (default) or numpy")
    ] = "onnx",
    show_errors: Annotated[
        bool, typer.Option("--errors", help="list every misjudged pair")
    ] = False,
) -> None:
    """Judge the packaged labelled set; per-class precision/recall/F1, dev and held-out."""
    from callpact.verbatim.embedding import default_embedder
    from callpact.verbatim.evaluation import evaluate

    reports = evaluate(default_embedder(engine))
    if output is OutputFormat.JSON:
        payload = {name: r.to_json() for name, r in reports.items()}
        if show_errors:
            for name, r in reports.items():
                payload[name]["errors"] = r.errors
        typer.echo(json.dumps(payload, indent=2))
        return
    console = _console()
    for name in ("dev", "heldout", "all"):
        r = reports[name]
        title = {
            "dev": "dev split (thresholds tuned here)",
            "heldout": "held-out split (not used for tuning)",
            "all": "whole set",
        }[name]
        table = Table(title=f"{title}: {r.items} pairs")
        for column in ("class", "support", "precision", "recall", "F1"):
            table.add_column(column, justify="left" if column == "class" else "right")
        for c in r.classes:
            table.add_row(
                c.label, str(c.support), f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"
            )
        console.print(table)
        console.print(
            f"  accuracy (4 classes) {r.accuracy:.3f}   "
            f"faithful-vs-not accuracy {r.faithful_accuracy:.3f}"
        )
        if show_errors:
            for e in r.errors:
                console.print(
                    f"  [{e['label']} → {e['predicted']}] {e['pattern']}: "
                    f"{e['transcript']!r} / {e['recorded']!r}: {e['reason']}",
                    markup=False,
                )


@app.command("plan")
def plan_command(  # noqa: PLR0917 - typer maps each option to a parameter
    data: Annotated[Path, Data],
    period: Annotated[str, month_option("--period", help="the month")],
    margin: Annotated[float, Margin] = 0.05,
    confidence: Annotated[float, Confidence] = 0.95,
    min_per_agent: Annotated[int, MinPerAgent] = 10,
    contract: Annotated[Path | None, AnnexOption] = None,
    tz: Annotated[str | None, Zone] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Items to audit per operator for the month, for a margin of error and confidence."""
    from callpact.verbatim.audit import auditable_by_agent, read_feedback
    from callpact.verbatim.sampling import plan_audit

    with open_data_or_exit(data) as opened:
        source = read_feedback(opened, _audit_zone(contract, tz))
    _print_diagnostics(list(source.diagnostics))
    if not source.items and has_errors(source.diagnostics):
        raise typer.Exit(1)
    in_period = [i for i in source.items if i.period == period]
    plan = plan_audit(
        auditable_by_agent(in_period),
        period,
        margin=margin,
        confidence=confidence,
        min_per_agent=min_per_agent,
    )
    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                {
                    "period": period,
                    "margin": margin,
                    "confidence": confidence,
                    "min_per_agent": min_per_agent,
                    "population": plan.population,
                    "total_sample": plan.total_sample,
                    "agents": [
                        {
                            "agent_id": a.agent_id,
                            "population": a.population,
                            "sample_size": a.sample_size,
                            "margin_achieved": round(a.margin_achieved, 4),
                        }
                        for a in plan.agents
                    ],
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Verbatim audit plan {period}: ±{margin:.0%} at {confidence:.0%}")
    for column in ("operator", "transcribed items", "to audit", "margin achieved"):
        table.add_column(column, justify="left" if column == "operator" else "right")
    for a in plan.agents:
        table.add_row(
            a.agent_id, str(a.population), str(a.sample_size), f"±{a.margin_achieved:.1%}"
        )
    table.add_row("total", str(plan.population), str(plan.total_sample), "", style="bold")
    _console().print(table)


def _sample(value: str) -> str:
    """``all`` or a positive whole number of items per operator (kept as its text)."""
    if value != "all" and not (value.isdecimal() and value.isascii() and int(value) > 0):
        raise typer.BadParameter(
            f"{value!r} is not a sample size: a positive number of items per operator, or 'all'"
        )
    return value


def _parse_sample(value: str | None) -> int | None:
    if value is None:
        return None
    return -1 if value == "all" else int(_sample(value))


@app.command("audit")
def audit_command(  # noqa: PLR0917 - typer maps each option to a parameter
    data: Annotated[Path, Data],
    period: Annotated[str, month_option("--period", help="the month")],
    sample: Annotated[
        str | None,
        typer.Option(
            "--sample",
            parser=_sample,
            help="items per operator, or 'all' (default: the plan's size)",
        ),
    ] = None,
    seed: Annotated[str, typer.Option("--seed", help="sampling seed (any text)")] = "0",
    margin: Annotated[float, Margin] = 0.05,
    confidence: Annotated[float, Confidence] = 0.95,
    min_per_agent: Annotated[int, MinPerAgent] = 10,
    contract: Annotated[Path | None, AnnexOption] = None,
    tz: Annotated[str | None, Zone] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            help="where verbatim_judgements goes (default: --data when it is a workspace)",
        ),
    ] = None,
    write: Annotated[bool, typer.Option("--write/--no-write", help="record the verdicts")] = True,
    engine: Annotated[
        Engine, typer.Option(help="embedding engine: onnx (default) or numpy")
    ] = "onnx",
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Judge the month's sample, record the verdicts, print fidelity per operator and team."""
    from callpact.verbatim.audit import (
        judgements_table,
        read_feedback,
        run_audit,
        write_judgements,
    )
    from callpact.verbatim.embedding import default_embedder

    fixed = _parse_sample(sample)
    with open_data_or_exit(data) as opened:
        source = read_feedback(opened, _audit_zone(contract, tz))
        target = workspace or (data if opened.kind == "workspace" else None)
    if write and target is None:
        raise typer.BadParameter(
            "the verdicts are recorded in a workspace: ingest this folder first, or name one",
            param_hint="--workspace",
        )
    _print_diagnostics(list(source.diagnostics))
    if not source.items and has_errors(source.diagnostics):
        raise typer.Exit(1)
    result = run_audit(
        source,
        period,
        sample=fixed,
        margin=margin,
        confidence=confidence,
        min_per_agent=min_per_agent,
        seed=seed,
        embedder=None if engine == "onnx" else default_embedder(engine),
    )
    if write and target is not None:
        write_judgements(target, judgements_table(result, clock()), period)
        result.written_to = target
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    console = _console()
    console.print(
        f"Verbatim audit {period}: {len(result.items)} audited of {result.in_period} items "
        f"({result.not_transcribed} not transcribed, cannot be audited)"
    )
    for title, lines, key in (
        ("per operator", result.by_agent, "operator"),
        ("per team", result.by_team, "team"),
    ):
        table = Table(title=f"Fidelity {title} (Wilson {confidence:.0%} interval)")
        for column in (
            key,
            "audited",
            "faithful",
            "paraphr.",
            "distorted",
            "missing",
            "fidelity",
            "interval",
        ):
            table.add_column(column, justify="left" if column == key else "right")
        for line in lines:
            table.add_row(
                line.key,
                str(line.audited),
                str(line.faithful),
                str(line.paraphrased),
                str(line.distorted),
                str(line.missing),
                f"{line.fidelity:.1%}",
                f"{line.low:.1%}–{line.high:.1%}",
            )
        console.print(table)
    worst = result.worst()
    if worst:
        table = Table(title="Least faithful items: what the customer said / what was written")
        for column in ("item", "customer said", "operator wrote", "verdict"):
            table.add_column(column, overflow="fold")
        for a in worst:
            table.add_row(
                f"{a.item.feedback_id}\n{a.item.agent_id}",
                a.item.transcript_text or "",
                a.item.recorded_text or "∅",
                f"{a.verdict.judgement.value}: {a.verdict.reason}",
            )
        console.print(table)
    if result.written_to:
        console.print(f"verdicts written to {result.written_to}")
    sys.stdout.flush()


def register(root: typer.Typer) -> None:
    """Attach ``callpact verbatim …``."""
    root.add_typer(app, name="verbatim")
