"""``callpact kpi CONTRACT --data PATH --period YYYY-MM``: the month's KPI results."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from callpact.cli.values import month_option


class KpiFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class By(StrEnum):
    DAY = "day"
    WEEK = "week"
    INTERVAL = "interval"


class Engine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _excluded(result: Any) -> str:
    """``363 (declared_outages 0, volume_above_forecast 59, …)``: every exclusion shown."""
    kinds = ", ".join(f"{k} {n}" for k, n in result.excluded_by.items())
    return f"{result.excluded} ({kinds})" if kinds else str(result.excluded)


def _table(card: Any) -> str:
    header = ["kpi", "bucket", "value", "sample", "ci", "target", "status", "excluded"]
    rows = [header]
    for r in card.results:
        ci = "—" if r.ci is None else f"{r.ci[0]:.4f}–{r.ci[1]:.4f}"
        target = "—" if r.target is None else f"{r.direction} {r.target}"
        rows.append(
            [
                r.kpi_id,
                r.bucket or card.period,
                _fmt(r.value),
                str(r.sample),
                ci,
                target,
                r.status.value,
                _excluded(r),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if card.rejected:
        lines.append(
            "rejected rows (left out of every KPI): "
            + ", ".join(f"{t}={n}" for t, n in sorted(card.rejected.items()))
        )
    return "\n".join(lines)


def _csv(card: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "kpi",
            "period",
            "bucket",
            "value",
            "sample",
            "ci_low",
            "ci_high",
            "target",
            "direction",
            "status",
            "excluded",
        ]
    )
    for r in card.results:
        writer.writerow(
            [
                r.kpi_id,
                r.period,
                r.bucket or "",
                "" if r.value is None else repr(r.value),
                r.sample,
                "" if r.ci is None else repr(r.ci[0]),
                "" if r.ci is None else repr(r.ci[1]),
                "" if r.target is None else r.target,
                r.direction,
                r.status.value,
                r.excluded,
            ]
        )
    return out.getvalue()


def kpi(  # noqa: PLR0917 (Typer reads the options from the signature)
    contract: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The SLA annex (YAML).")
    ],
    data: Annotated[
        Path, typer.Option("--data", exists=True, help="A workspace or a raw interchange folder.")
    ],
    period: Annotated[str, month_option("--period", help="The month.")],
    by: Annotated[
        By | None, typer.Option("--by", help="Break results down by local day, week or interval.")
    ] = None,
    output: Annotated[KpiFormat, typer.Option("--format", help="table, json or csv.")] = (
        KpiFormat.TABLE
    ),
    explain: Annotated[
        str | None,
        typer.Option("--explain", help="Print this KPI's formula in words and its query."),
    ] = None,
    engine: Annotated[
        Engine, typer.Option("--engine", "--backend", help="duckdb (default) or spark.")
    ] = Engine.DUCKDB,
) -> None:
    """Compute every KPI of the contract for one month, with samples, intervals and status."""
    from callpact.cli.data import open_data_or_exit
    from callpact.contracts import read_annex
    from callpact.kpi.definitions import definitions_from_version
    from callpact.kpi.engine import compute, make_backend
    from callpact.kpi.explain import explain_text
    from callpact.kpi.localtime import month_days

    annex = read_annex(contract)
    if annex.contract is None:
        for diagnostic in annex.diagnostics:
            typer.echo(diagnostic.format(), err=True)
        raise typer.Exit(1)
    try:
        month_days(period)
        version = annex.contract.version_for_month(period)
    except (ValueError, LookupError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    program, definitions = definitions_from_version(version)
    if explain is not None and explain not in {d.kpi_id for d in definitions}:
        known = ", ".join(d.kpi_id for d in definitions)
        typer.echo(f"error: no KPI {explain!r} in this contract (it has {known})", err=True)
        raise typer.Exit(2)
    chosen = [d for d in definitions if explain is None or d.kpi_id == explain]
    with open_data_or_exit(data) as source:
        backend = make_backend(engine.value)
        try:
            card = compute(
                program,
                chosen,
                source,
                period,
                by=None if by is None else by.value,
                backend=backend,
                explain=(explain,) if explain else (),
            )
        finally:
            backend.close()
    if explain is not None:
        typer.echo(explain_text(chosen[0], program, card.queries[explain]))
        typer.echo("")
    if output is KpiFormat.JSON:
        typer.echo(json.dumps(card.to_json(), indent=2, default=str))
    elif output is KpiFormat.CSV:
        typer.echo(_csv(card), nl=False)
    else:
        typer.echo(_table(card))


def register(app: typer.Typer) -> None:
    """Attach ``callpact kpi`` to the main app."""
    app.command("kpi")(kpi)
