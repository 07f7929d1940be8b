"""``mapped``: any CSV export plus a small YAML mapping → one interchange table.

The mapping (all keys but ``columns`` optional)::

    table: contacts                  # the interchange table the CSV feeds (default contacts)
    delimiter: ";"                   # default ","
    time_zone: America/Chicago       # zone of timestamps that carry no offset
    columns:                         # interchange column: source column, or a mapping
      contact_id: CallID
      queue: Skill
      offered_at: {column: QueueStart, format: "%d/%m/%Y %H:%M:%S"}  # strptime format, or
                                                                     # iso / epoch / epoch_ms
      talk_s: {column: Talk, unit: hh:mm:ss}                         # seconds (default), ms,
                                                                     # minutes, hh:mm:ss
      channel: {value: voice}                                        # a constant
      direction: {column: Type, values: {IN: inbound, OUT: outbound}}
    answered:                        # optional: which rows are answered, from an outcome code;
      column: Outcome                # an unanswered row gets answered_at, agent_id and talk_s
      values: {ANS: true, ABN: false, TMO: false}   # cleared (exports often fill them with 0)

A value with no entry in ``values`` is passed through unchanged (so the interchange rules reject
it if it is not allowed). Naive timestamps are read in ``time_zone``; at a DST fall-back the
earlier instant of an ambiguous wall time is taken, and a wall time inside a spring-forward gap
is shifted forward by the gap (DuckDB's ``timezone()`` rules). Without ``time_zone`` a
timestamp must carry its own offset. The conversion is one vectorised DuckDB query; rows keep
their source line so rejects point into the original CSV.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.schema import TABLES, Kind, TableSchema
from callpact.diagnostics import Diagnostic, Severity

UNITS = {"seconds": 1.0, "s": 1.0, "ms": 0.001, "minutes": 60.0, "min": 60.0}


class MappingError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("; ".join(d.format() for d in diagnostics))


@dataclass
class Mapping:
    table: TableSchema
    delimiter: str = ","
    time_zone: str | None = None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    answered: dict[str, Any] | None = None


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; problems come back as D006 diagnostics with lines."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    source = str(path)

    def err(line: int, message: str) -> Diagnostic:
        return Diagnostic(source, line, 0, Severity.ERROR, "D006", message)

    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise MappingError([err(0, f"cannot read the mapping: {exc}")]) from exc
    if not isinstance(doc, dict):
        raise MappingError([err(1, "the mapping must be a YAML mapping with a 'columns' key")])

    def line_of(node: Any, key: str) -> int:
        try:
            return int(node.lc.key(key)[0]) + 1
        except Exception:
            return 0

    diags: list[Diagnostic] = []
    table_name = str(doc.get("table", "contacts"))
    if table_name not in TABLES:
        raise MappingError([err(line_of(doc, "table"), f"unknown table {table_name!r}")])
    table = TABLES[table_name]
    columns: dict[str, dict[str, Any]] = {}
    raw_columns = doc.get("columns")
    if not isinstance(raw_columns, dict):
        raise MappingError([err(line_of(doc, "columns"), "'columns' must map columns")])
    for name, spec in raw_columns.items():
        if name not in table.names:
            diags.append(err(line_of(raw_columns, name), f"{table_name} has no column {name!r}"))
            continue
        entry = {"column": spec} if isinstance(spec, str) else dict(spec or {})
        if "column" not in entry and "value" not in entry:
            diags.append(err(line_of(raw_columns, name), f"{name}: give 'column' or 'value'"))
            continue
        unit = entry.get("unit")
        if unit is not None and unit not in UNITS and unit != "hh:mm:ss":
            diags.append(err(line_of(raw_columns, name), f"{name}: unknown unit {unit!r}"))
        columns[name] = entry
    answered = doc.get("answered")
    if answered is not None and (
        not isinstance(answered, dict) or "column" not in answered or "values" not in answered
    ):
        diags.append(err(line_of(doc, "answered"), "'answered' needs 'column' and 'values'"))
    delimiter = str(doc.get("delimiter", ","))
    if len(delimiter) != 1:
        diags.append(err(line_of(doc, "delimiter"), "the delimiter must be one character"))
    if diags:
        raise MappingError(diags)
    return Mapping(
        table,
        delimiter,
        str(doc["time_zone"]) if doc.get("time_zone") else None,
        columns,
        dict(answered) if answered else None,
    )


def _value_sql(name: str, spec: dict[str, Any], mapping: Mapping) -> str:
    col = mapping.table.column(name)
    if "value" in spec:
        return _lit(str(spec["value"]))
    src = _q(str(spec["column"]))
    text = f"nullif(trim({src}), '')"
    values = spec.get("values")
    if values:
        cases = " ".join(
            f"WHEN {_lit(str(k))} THEN {_lit(str(v).lower() if isinstance(v, bool) else str(v))}"
            for k, v in values.items()
        )
        text = f"(CASE {text} {cases} ELSE {text} END)"
    if col.kind is Kind.TIMESTAMP:
        fmt = spec.get("format", "iso")
        if fmt == "epoch":
            return f"strftime(to_timestamp(TRY_CAST({text} AS DOUBLE)), '%Y-%m-%dT%H:%M:%S.%fZ')"
        if fmt == "epoch_ms":
            return (
                f"strftime(to_timestamp(TRY_CAST({text} AS DOUBLE) / 1000), "
                "'%Y-%m-%dT%H:%M:%S.%fZ')"
            )
        if fmt == "iso":
            parsed = f"TRY_CAST({text} AS TIMESTAMP)"
            has_offset = (
                f"regexp_matches({text}, '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$') "
                f"AND regexp_matches({text}, 'T|\\d \\d')"
            )
            if mapping.time_zone:
                local = (
                    f"strftime(timezone({_lit(mapping.time_zone)}, {parsed}), "
                    "'%Y-%m-%dT%H:%M:%S.%fZ')"
                )
                return f"CASE WHEN {has_offset} THEN {text} ELSE coalesce({local}, {text}) END"
            return text  # the interchange rules reject a naive one
        parsed = f"try_strptime({text}, {_lit(str(fmt))})"
        out_format = "'%Y-%m-%dT%H:%M:%S.%fZ'"
        if "%z" not in str(fmt) and "%Z" not in str(fmt):
            if mapping.time_zone:
                parsed = f"timezone({_lit(mapping.time_zone)}, {parsed})"
            else:
                out_format = "'%Y-%m-%dT%H:%M:%S.%f'"  # naive: the interchange rules reject it
        # keep the original text when it does not parse, so the reject shows it
        return f"coalesce(strftime({parsed}, {out_format}), {text})"
    if col.kind is Kind.DURATION or spec.get("unit"):
        unit = spec.get("unit", "seconds")
        if unit == "hh:mm:ss":
            parts = f"string_split({text}, ':')"
            seconds = (
                f"CASE WHEN len({parts}) = 3 THEN TRY_CAST({parts}[1] AS DOUBLE) * 3600 + "
                f"TRY_CAST({parts}[2] AS DOUBLE) * 60 + TRY_CAST({parts}[3] AS DOUBLE) END"
            )
        else:
            seconds = f"TRY_CAST({text} AS DOUBLE) * {UNITS[unit]}"
        return f"coalesce(CAST({seconds} AS VARCHAR), {text})"
    return text


def convert_mapped(path: Path, out: Path, mapping_path: Path | None) -> Converted:
    import duckdb

    from callpact.data.adapters._common import PROVENANCE

    if mapping_path is None:
        raise MappingError(
            [Diagnostic(str(path), 0, 0, Severity.ERROR, "D006", "--from mapped needs --mapping")]
        )
    mapping = load_mapping(mapping_path)
    result = Converted(inputs=[path, mapping_path])
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader([handle.readline()], delimiter=mapping.delimiter), [])
    missing = [
        Diagnostic(
            str(mapping_path),
            0,
            0,
            Severity.ERROR,
            "D006",
            f"{name}: source column {spec['column']!r} is not in {path.name}",
            hint="columns there: " + ", ".join(header),
        )
        for name, spec in mapping.columns.items()
        if "column" in spec and spec["column"] not in header
    ]
    if mapping.answered and mapping.answered["column"] not in header:
        missing.append(
            Diagnostic(
                str(mapping_path),
                0,
                0,
                Severity.ERROR,
                "D006",
                f"answered: source column {mapping.answered['column']!r} is not in {path.name}",
            )
        )
    if missing:
        raise MappingError(missing)
    cols = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in header) + "}"
    relation = (
        f"read_csv({_lit(str(path))}, columns = {cols}, header = true, auto_detect = false, "
        f"delim = {_lit(mapping.delimiter)}, quote = '\"', escape = '\"', strict_mode = true)"
    )
    selects = {name: _value_sql(name, spec, mapping) for name, spec in mapping.columns.items()}
    if mapping.answered:
        flag_cases = " ".join(
            f"WHEN {_lit(str(k))} THEN {'true' if v else 'false'}"
            for k, v in mapping.answered["values"].items()
        )
        flag = f"(CASE trim({_q(mapping.answered['column'])}) {flag_cases} END)"
        for name in ("answered_at", "agent_id", "talk_s"):
            if name in selects:
                selects[name] = f"CASE WHEN {flag} = false THEN NULL ELSE {selects[name]} END"
    items = [f"CAST({sql} AS VARCHAR) AS {_q(name)}" for name, sql in selects.items()]
    text_expr = " || ',' || ".join(f"coalesce({_q(c)}, '')" for c in header) or "''"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        target = out / f"{mapping.table.name}.parquet"
        con.execute(
            f"COPY (SELECT {', '.join(items)}, {_lit(str(path))} AS __source, "
            f"row_number() OVER () + 1 AS __line, {text_expr} AS __text FROM {relation}) "
            f"TO {_lit(str(target))} (FORMAT parquet)"
        )
    except duckdb.Error as exc:
        raise MappingError(
            [Diagnostic(str(path), 0, 0, Severity.ERROR, "D002", f"cannot read the CSV: {exc}")]
        ) from exc
    finally:
        con.close()
    del PROVENANCE
    result.tables[mapping.table.name] = target
    result.display[mapping.table.name] = str(path)
    return result
