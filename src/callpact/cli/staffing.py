"""``callpact staffing``: agents a service-level target needs, per interval or per forecast."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from callpact.cli.values import number_option
from callpact.diagnostics import Diagnostic, Severity, to_json_text
from callpact.staffing import StaffingInputError, StaffingResult, staff_interval

COMMAND_LINE = "<command line>"

# Diagnostic codes of this command (documented in docs/staffing.md).
BAD_ARGUMENT = "STF001"
FORECAST_UNREADABLE = "STF002"
FORECAST_COLUMN_MISSING = "STF003"
FORECAST_BAD_VALUE = "STF004"

_OPTION_OF_FIELD = {
    "calls": "--calls",
    "interval_s": "--interval-s",
    "aht_s": "--aht-s",
    "target_sl": "--target",
    "threshold_s": "--threshold-s",
    "patience_s": "--patience-s",
    "max_occupancy": "--max-occupancy",
}
FORECAST_COLUMNS = ("queue", "interval_start", "interval_minutes", "offered", "aht_s")


@dataclass(frozen=True, slots=True)
class _Interval:
    line: int
    queue: str
    interval_start: str
    interval_s: float
    calls: float
    aht_s: float


def _argument_problem(field: str, message: str, hint: str = "") -> Diagnostic:
    option = _OPTION_OF_FIELD.get(field, field)
    return Diagnostic(
        source=COMMAND_LINE,
        line=0,
        column=0,
        severity=Severity.ERROR,
        code=BAD_ARGUMENT,
        message=message.replace(field, option, 1),
        hint=hint,
        field=option,
    )


def _result_json(result: StaffingResult) -> dict[str, Any]:
    data = result.to_json()
    if math.isinf(result.asa_s):
        data["asa_s"] = None  # JSON has no infinity; an unstable queue has no average answer
    return data


def _read_forecast(path: Path) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """Rows of a forecast table as Python values, and the problems of reading it."""
    source = str(path)
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                table = pq.read_table(path)
            except pa.ArrowInvalid as error:
                raise OSError(str(error)) from error
            columns: list[str] = table.column_names
            rows: list[dict[str, Any]] = table.to_pylist()
        else:
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                columns = list(reader.fieldnames or [])
                rows = [{**row, "_line": reader.line_num} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return [], [
            Diagnostic(
                source, 0, 0, Severity.ERROR, FORECAST_UNREADABLE, f"cannot read forecast: {error}"
            )
        ]
    missing = [c for c in FORECAST_COLUMNS if c not in columns and c != "aht_s"]
    if missing:
        return [], [
            Diagnostic(
                source,
                1,
                0,
                Severity.ERROR,
                FORECAST_COLUMN_MISSING,
                f"forecast has no column {name!r}",
                hint="a forecast table has queue, interval_start, interval_minutes, offered, aht_s",
                field=name,
            )
            for name in missing
        ]
    return rows, []


def _number(
    row: dict[str, Any], name: str, source: str, line: int, problems: list[Diagnostic]
) -> float | None:
    raw = row.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(
            Diagnostic(
                source,
                line,
                0,
                Severity.ERROR,
                FORECAST_BAD_VALUE,
                f"{name} must be a non-negative number, got {raw!r}",
                field=name,
            )
        )
        return None
    return value


def _forecast_intervals(
    path: Path, default_aht_s: float | None
) -> tuple[list[_Interval], list[Diagnostic]]:
    rows, problems = _read_forecast(path)
    source = str(path)
    intervals: list[_Interval] = []
    for index, row in enumerate(rows):
        # CSV: the physical line of the row; Parquet: the row number + 1 (the header is line 1).
        line = int(row.get("_line") or index + 2)
        before = len(problems)
        minutes = _number(row, "interval_minutes", source, line, problems)
        calls = _number(row, "offered", source, line, problems)
        aht_s = _number(row, "aht_s", source, line, problems)
        if aht_s is None and len(problems) == before:
            aht_s = default_aht_s
        for name, value in (("interval_minutes", minutes), ("offered", calls), ("aht_s", aht_s)):
            if value is None and len(problems) == before:
                problems.append(
                    Diagnostic(
                        source,
                        line,
                        0,
                        Severity.ERROR,
                        FORECAST_BAD_VALUE,
                        f"{name} is empty",
                        hint="give --aht-s to use for rows without aht_s"
                        if name == "aht_s"
                        else "",
                        field=name,
                    )
                )
        if (minutes == 0 or aht_s == 0) and len(problems) == before:
            name = "interval_minutes" if minutes == 0 else "aht_s"
            problems.append(
                Diagnostic(
                    source,
                    line,
                    0,
                    Severity.ERROR,
                    FORECAST_BAD_VALUE,
                    f"{name} must be greater than 0",
                    field=name,
                )
            )
        if len(problems) > before or minutes is None or calls is None or aht_s is None:
            continue
        intervals.append(
            _Interval(
                line=line,
                queue=str(row.get("queue") or ""),
                interval_start=_text(row.get("interval_start")),
                interval_s=minutes * 60.0,
                calls=calls,
                aht_s=aht_s,
            )
        )
    return intervals, problems


def _text(value: object) -> str:
    if value is None:
        return ""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def _print_problems(problems: list[Diagnostic], output_format: str) -> None:
    if output_format == "json":
        typer.echo(to_json_text(problems))
    else:
        for problem in problems:
            typer.echo(problem.format(), err=True)


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    keys = [k for k in rows[0] if k not in {"p_wait", "p_abandon"}] if rows else []
    for key in keys:
        table.add_column(key, justify="left" if key in {"queue", "interval_start"} else "right")
    for row in rows:
        cells = []
        for key in keys:
            value = row[key]
            if isinstance(value, float):
                cells.append(f"{value:.4f}" if key != "asa_s" else f"{value:.1f}")
            else:
                cells.append("∞" if value is None else str(value))
        table.add_row(*cells)
    Console().print(table)


def staffing_command(
    *,
    calls: Annotated[
        float | None, number_option("--calls", help="Contacts offered in the interval.")
    ] = None,
    interval_s: Annotated[
        float, number_option("--interval-s", help="Interval length in seconds.")
    ] = 1800.0,
    aht_s: Annotated[
        float | None, number_option("--aht-s", help="Average handle time in seconds.")
    ] = None,
    target: Annotated[
        float, number_option("--target", help="Service-level target, a share (0.80).")
    ] = 0.80,
    threshold_s: Annotated[
        float, number_option("--threshold-s", help="Answer threshold in seconds.")
    ] = 20.0,
    patience_s: Annotated[
        float | None,
        number_option("--patience-s", help="Mean customer patience in seconds: Erlang A, not C."),
    ] = None,
    max_occupancy: Annotated[
        float | None,
        number_option("--max-occupancy", help="Highest acceptable occupancy, a share (0.85)."),
    ] = None,
    forecast: Annotated[
        Path | None,
        typer.Option(
            "--forecast",
            exists=True,
            dir_okay=False,
            help="Forecast table (CSV or Parquet): staff each interval.",
        ),
    ] = None,
    output_format: Annotated[
        Literal["table", "json"], typer.Option("--format", help="table or json.")
    ] = "table",
) -> None:
    """Agents needed to answer TARGET of contacts within THRESHOLD seconds (Erlang C, or Erlang A
    with --patience-s), with the service level, ASA and occupancy they deliver."""
    problems: list[Diagnostic] = []
    if forecast is None and (calls is None or aht_s is None):
        missing = [o for o, v in (("--calls", calls), ("--aht-s", aht_s)) if v is None]
        problems.append(
            Diagnostic(
                COMMAND_LINE,
                0,
                0,
                Severity.ERROR,
                BAD_ARGUMENT,
                f"missing {' and '.join(missing)}",
                hint="give --calls and --aht-s for one interval, or --forecast FILE",
                field=missing[0],
            )
        )
    if forecast is not None and calls is not None:
        problems.append(
            Diagnostic(
                COMMAND_LINE,
                0,
                0,
                Severity.ERROR,
                BAD_ARGUMENT,
                "--calls and --forecast exclude each other",
                hint="the forecast gives the calls of each interval",
                field="--calls",
            )
        )
    # Check the shared parameters once, on a neutral interval, so a bad --target is one message
    # and not one per forecast row.
    if not problems:
        try:
            staff_interval(
                calls if calls is not None else 1.0,
                interval_s,
                aht_s if aht_s is not None else 1.0,
                target,
                threshold_s,
                patience_s=patience_s,
                max_occupancy=max_occupancy,
            )
        except StaffingInputError as error:
            problems.append(_argument_problem(error.field, error.message))
    if problems:
        _print_problems(problems, output_format)
        raise typer.Exit(2)  # the options themselves are wrong or do not fit together: usage

    if forecast is None:
        assert calls is not None  # checked above
        assert aht_s is not None
        result = staff_interval(
            calls,
            interval_s,
            aht_s,
            target,
            threshold_s,
            patience_s=patience_s,
            max_occupancy=max_occupancy,
        )
        if output_format == "json":
            typer.echo(json.dumps(_result_json(result), indent=2))
        else:
            _print_table([_result_json(result)])
        return

    intervals, problems = _forecast_intervals(forecast, aht_s)
    rows: list[dict[str, Any]] = []
    for interval in intervals:
        try:
            result = staff_interval(
                interval.calls,
                interval.interval_s,
                interval.aht_s,
                target,
                threshold_s,
                patience_s=patience_s,
                max_occupancy=max_occupancy,
            )
        except StaffingInputError as error:
            problems.append(
                Diagnostic(
                    str(forecast),
                    interval.line,
                    0,
                    Severity.ERROR,
                    FORECAST_BAD_VALUE,
                    error.message,
                    field=error.field,
                )
            )
            continue
        rows.append(
            {
                "queue": interval.queue,
                "interval_start": interval.interval_start,
                "offered": interval.calls,
                **_result_json(result),
            }
        )
    if problems:
        _print_problems(problems, output_format)
        raise typer.Exit(1)
    if output_format == "json":
        typer.echo(json.dumps(rows, indent=2))
    else:
        _print_table(rows)


def register(app: typer.Typer) -> None:
    """Attach ``callpact staffing`` to the main app."""
    app.command("staffing")(staffing_command)
