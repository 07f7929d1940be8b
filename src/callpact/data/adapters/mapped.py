"""``mapped``: any CSV export or Excel sheet plus a small YAML mapping → one interchange table.

The mapping (all keys but ``columns`` optional)::

    table: contacts                  # the interchange table the CSV feeds (default contacts)
    delimiter: ";"                   # default "," (CSV only)
    sheet: Calls                     # .xlsx only: the sheet (default the first)
    header_row: 3                    # the row (CSV: line) holding the column names (default 1)
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

An ``.xlsx`` workbook is streamed (openpyxl read-only) into a staging Parquet file of the
mapped columns as text, each with a tag for cells Excel stores natively — a date-time, or a
duration (a time of day, ``[h]:mm:ss``) — which then convert as what they are, whatever
``format`` or ``unit`` says for text cells. The same query runs on it, so a delivery as CSV and
as XLSX gives the same rows; rejects name ``FILE[SHEET]``, the sheet's row and column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.schema import TABLES, Kind, TableSchema
from callpact.data.sheets import CellValue, Sheet
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
    sheet: str | None = None
    header_row: int = 1


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
    sheet = doc.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        diags.append(err(line_of(doc, "sheet"), "'sheet' must be a sheet name"))
    header_row = doc.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        diags.append(
            err(line_of(doc, "header_row"), "'header_row' must be a row number, 1 or more")
        )
        header_row = 1
    if diags:
        raise MappingError(diags)
    return Mapping(
        table,
        delimiter,
        str(doc["time_zone"]) if doc.get("time_zone") else None,
        columns,
        dict(answered) if answered else None,
        sheet if isinstance(sheet, str) else None,
        header_row,
    )


def _text_value_sql(name: str, spec: dict[str, Any], mapping: Mapping) -> str:
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


def _value_sql(name: str, spec: dict[str, Any], mapping: Mapping, native: str | None) -> str:
    """The interchange text of column ``name``. ``native`` is the staging column holding the
    workbook cell's own value where Excel stored a date-time (``d:ISO``) or a duration
    (``s:SECONDS``); such a cell converts as what it is, not through ``format``/``unit``."""
    text_sql = _text_value_sql(name, spec, mapping)
    if native is None or "column" not in spec:
        return text_sql
    kind = mapping.table.column(name).kind
    if kind is Kind.TIMESTAMP:
        wall = f"CAST(substr({native}, 3) AS TIMESTAMP)"
        if mapping.time_zone:  # Excel keeps wall times: read them in the mapping's zone
            value = (
                f"strftime(timezone({_lit(mapping.time_zone)}, {wall}), '%Y-%m-%dT%H:%M:%S.%fZ')"
            )
        else:  # naive: the interchange rules reject it (R104)
            value = f"strftime({wall}, '%Y-%m-%dT%H:%M:%S.%f')"
        return f"CASE WHEN starts_with({native}, 'd:') THEN {value} ELSE {text_sql} END"
    if kind is Kind.DURATION or spec.get("unit"):
        return f"CASE WHEN starts_with({native}, 's:') THEN substr({native}, 3) ELSE {text_sql} END"
    return text_sql


def _missing_columns(mapping: Mapping, mapping_path: Path, header: list[str], where: str) -> None:
    """D006 for every source column the mapping names that the header lacks."""
    wanted = [
        (name, str(spec["column"])) for name, spec in mapping.columns.items() if "column" in spec
    ]
    if mapping.answered:
        wanted.append(("answered", str(mapping.answered["column"])))
    missing = [
        Diagnostic(
            str(mapping_path),
            0,
            0,
            Severity.ERROR,
            "D006",
            f"{name}: source column {column!r} is not in {where}",
            hint="columns there: " + ", ".join(h for h in header if h),
        )
        for name, column in wanted
        if column not in header
    ]
    if missing:
        raise MappingError(missing)


def _select_items(mapping: Mapping, natives: dict[str, str]) -> list[str]:
    """``CAST(expr AS VARCHAR) AS column`` for every mapped interchange column."""
    selects = {
        name: _value_sql(name, spec, mapping, natives.get(str(spec.get("column"))))
        for name, spec in mapping.columns.items()
    }
    if mapping.answered:
        flag_cases = " ".join(
            f"WHEN {_lit(str(k))} THEN {'true' if v else 'false'}"
            for k, v in mapping.answered["values"].items()
        )
        flag = f"(CASE trim({_q(mapping.answered['column'])}) {flag_cases} END)"
        for name in ("answered_at", "agent_id", "talk_s"):
            if name in selects:
                selects[name] = f"CASE WHEN {flag} = false THEN NULL ELSE {selects[name]} END"
    return [f"CAST({sql} AS VARCHAR) AS {_q(name)}" for name, sql in selects.items()]


def _source_columns(mapping: Mapping, header: list[str]) -> dict[str, int]:
    """Interchange column → its 1-based column in the vendor's file (for rejects)."""
    return {
        name: header.index(str(spec["column"])) + 1
        for name, spec in mapping.columns.items()
        if "column" in spec and str(spec["column"]) in header
    }


def convert_mapped(path: Path, out: Path, mapping_path: Path | None) -> Converted:
    from callpact.data.sheets import is_workbook

    if mapping_path is None:
        raise MappingError(
            [Diagnostic(str(path), 0, 0, Severity.ERROR, "D006", "--from mapped needs --mapping")]
        )
    mapping = load_mapping(mapping_path)
    if is_workbook(path):
        return _convert_workbook(path, out, mapping, mapping_path)
    return _convert_csv(path, out, mapping, mapping_path)


def _convert_csv(path: Path, out: Path, mapping: Mapping, mapping_path: Path) -> Converted:
    import duckdb

    result = Converted(inputs=[path, mapping_path])
    skip = mapping.header_row - 1
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        for _ in range(skip):
            handle.readline()
        header = next(csv.reader([handle.readline()], delimiter=mapping.delimiter), [])
    _missing_columns(mapping, mapping_path, header, path.name)
    cols = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in header) + "}"
    relation = (
        f"read_csv({_lit(str(path))}, columns = {cols}, header = true, auto_detect = false, "
        f"delim = {_lit(mapping.delimiter)}, quote = '\"', escape = '\"', strict_mode = true, "
        f"skip = {skip})"
    )
    items = _select_items(mapping, {})
    text_expr = " || ',' || ".join(f"coalesce({_q(c)}, '')" for c in header) or "''"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        target = out / f"{mapping.table.name}.parquet"
        con.execute(
            f"COPY (SELECT {', '.join(items)}, {_lit(str(path))} AS __source, "
            f"row_number() OVER () + {mapping.header_row} AS __line, {text_expr} AS __text "
            f"FROM {relation}) TO {_lit(str(target))} (FORMAT parquet)"
        )
    except duckdb.Error as exc:
        raise MappingError(
            [Diagnostic(str(path), 0, 0, Severity.ERROR, "D002", f"cannot read the CSV: {exc}")]
        ) from exc
    finally:
        con.close()
    result.tables[mapping.table.name] = target
    result.display[mapping.table.name] = str(path)
    result.source_columns[mapping.table.name] = _source_columns(mapping, header)
    return result


#: rows per staged batch when streaming a workbook
_BATCH_ROWS = 10_000


def _cell_text(value: CellValue) -> tuple[str | None, str | None]:
    """A workbook cell as (the text a person reads, the native tag or None).

    Numbers read as written (an integral float without ``.0``: ids and phone numbers stored as
    numbers); booleans as ``true``/``false``; a date-time as ISO text, tagged ``d:``; a time of
    day or a duration as ``h:mm:ss`` text, tagged ``s:`` with its seconds."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value)), None
        return repr(value), None
    if isinstance(value, datetime):
        return value.isoformat(sep=" "), "d:" + value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat(), "d:" + datetime.combine(value, time()).isoformat()
    if isinstance(value, time | timedelta):
        if isinstance(value, time):
            seconds = value.hour * 3600 + value.minute * 60 + value.second
            seconds_f = seconds + value.microsecond / 1e6
        else:
            seconds_f = value.total_seconds()
        shown = _hms(seconds_f)
        number = str(int(seconds_f)) if float(seconds_f).is_integer() else repr(seconds_f)
        return shown, "s:" + number
    return str(value), None


def _hms(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    text = f"{sign}{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    fraction = abs(seconds) - whole
    return text + (f"{fraction:.6f}"[1:] if fraction else "")


def _convert_workbook(path: Path, out: Path, mapping: Mapping, mapping_path: Path) -> Converted:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from callpact.data.sheets import CellError, SheetError, open_sheet

    result = Converted(inputs=[path, mapping_path])
    table = mapping.table.name
    rejects: list[Diagnostic] = []
    staged = out / f"{table}.staged.parquet"
    try:
        with open_sheet(path, sheet=mapping.sheet, header_row=mapping.header_row) as sheet:
            header = list(sheet.header)
            _missing_columns(mapping, mapping_path, header, sheet.source)
            used = sorted(
                {str(spec["column"]) for spec in mapping.columns.values() if "column" in spec}
                | ({str(mapping.answered["column"])} if mapping.answered else set())
            )
            twice = [c for c in used if header.count(c) > 1]
            if twice:
                raise MappingError(
                    [
                        Diagnostic(
                            str(mapping_path),
                            0,
                            0,
                            Severity.ERROR,
                            "D006",
                            f"source column {c!r} appears {header.count(c)} times in the header "
                            f"row {mapping.header_row} of {sheet.source}",
                        )
                        for c in twice
                    ]
                )
            where = {c: header.index(c) for c in used}
            fields = {
                str(spec["column"]): n for n, spec in mapping.columns.items() if "column" in spec
            }
            natives = {c: f"__native_{i}" for i, c in enumerate(used)}
            names = [*used, *natives.values(), "__line", "__text"]
            schema = pa.schema(
                [pa.field(n, pa.int64() if n == "__line" else pa.string()) for n in names]
            )
            batch: dict[str, list[Any]] = {n: [] for n in names}
            with pq.ParquetWriter(staged, schema) as writer:
                for row in sheet.rows:
                    shown = [_cell_text(v)[0] for v in row.cells]
                    errors = [
                        (c, row.cell(i))
                        for c, i in where.items()
                        if isinstance(row.cell(i), CellError)
                    ]
                    record_text = ",".join(_csv_field(t) for t in shown)
                    if errors:
                        rejects.append(
                            _error_cell_reject(
                                sheet, row.number, where, fields, errors, record_text
                            )
                        )
                        continue
                    for c, i in where.items():
                        text, native = _cell_text(row.cell(i))
                        batch[c].append(text)
                        batch[natives[c]].append(native)
                    batch["__line"].append(row.number)
                    batch["__text"].append(record_text)
                    if len(batch["__line"]) >= _BATCH_ROWS:
                        writer.write_table(pa.table(batch, schema=schema))
                        batch = {n: [] for n in names}
                writer.write_table(pa.table(batch, schema=schema))
            source = sheet.source
    except SheetError as exc:
        code = "D006" if exc.message.startswith(("no sheet", "row ")) else "D002"
        where_ = str(mapping_path) if code == "D006" else exc.source
        raise MappingError(
            [
                Diagnostic(
                    where_, 0, 0, Severity.ERROR, code, f"{exc.source}: {exc.message}", exc.hint
                )
            ]
        ) from exc
    items = _select_items(mapping, {c: _q(n) for c, n in natives.items()})
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        target = out / f"{table}.parquet"
        con.execute(
            f"COPY (SELECT {', '.join(items)}, {_lit(source)} AS __source, __line, __text "
            f"FROM read_parquet({_lit(str(staged))})) TO {_lit(str(target))} (FORMAT parquet)"
        )
    finally:
        con.close()
    staged.unlink()
    result.tables[table] = target
    result.display[table] = source
    result.source_columns[table] = _source_columns(mapping, header)
    if rejects:
        result.rejects[table] = rejects
    return result


def _csv_field(text: str | None) -> str:
    if text is None:
        return ""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _error_cell_reject(  # noqa: PLR0917
    sheet: Sheet,
    line: int,
    where: dict[str, int],
    fields: dict[str, str],
    errors: list[tuple[str, CellValue]],
    text: str,
) -> Diagnostic:
    """R401 for a row whose mapped cells hold Excel errors: a formula that failed in the
    vendor's workbook is no value, and the row is not guessed at."""
    first = where[errors[0][0]]
    cells = "; ".join(
        f"cell {sheet.column_label(where[c])}{line} ({c}) holds the Excel error "
        f"{getattr(v, 'code', v)}"
        for c, v in errors
    )
    return Diagnostic(
        sheet.source,
        line,
        first + 1,
        Severity.ERROR,
        "R401",
        f"{cells}: expected a value",
        text[:2000],
        field=fields.get(errors[0][0], "answered"),
    )
