"""Tables people reconcile: one table shape written as CSV or as an XLSX workbook.

Every listing (scorecard, statement lines, backtest, governance lists) describes itself as a
``Table`` of typed ``Column``s; the writers here turn it into CSV text (plain values, every
digit) or an XLSX workbook with one sheet per table and typed cells: numbers as numbers, dates
as dates, money with the currency's minor units as its number format. The CLI and the portal
share these writers, so a download and a ``--format xlsx`` file are the same document.

Spreadsheets know no time zones: a ``datetime`` column is written in the zone the column names
(the contract's), and its header says which.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from callpact.contracts.currency import minor_units

ColumnKind = Literal["text", "integer", "decimal", "ratio", "money", "date", "datetime", "bool"]

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header, its kind and, for money, the currency (the cell format follows
    its minor units); for datetimes, the zone the cells are written in."""

    name: str
    kind: ColumnKind = "text"
    currency: str | None = None
    time_zone: str | None = None

    @property
    def header(self) -> str:
        if self.kind == "money" and self.currency:
            return f"{self.name} ({self.currency})"
        if self.kind == "datetime" and self.time_zone:
            return f"{self.name} ({self.time_zone})"
        return self.name


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table (the sheet's name in a workbook) of rows matching ``columns``."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r} row {number}: {len(row)} values "
                    f"for {len(self.columns)} columns"
                )


def _local(value: datetime, column: Column) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"column {column.name!r}: a datetime without a time zone ({value})")
    return value.astimezone(ZoneInfo(column.time_zone or "UTC"))


def _csv_value(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _local(value, column).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_csv(table: Table) -> str:
    """The table as CSV text: a header row, then values as the statement JSON writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v, c) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue()


def money_number_format(currency: str | None) -> str:
    """The spreadsheet format of an amount in ``currency``: thousands separators, exactly the
    currency's minor units (JPY 0, USD 2, KWD 3), negatives with a minus sign."""
    digits = minor_units(currency) if currency else 2
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return pattern if not currency else f'{pattern} "{currency}"'


_FORMATS: dict[str, str] = {
    "integer": "0",
    "decimal": "0.####",
    "ratio": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("-", title).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind in ("money", "decimal", "ratio") and isinstance(value, str):
        value = Decimal(value)
    if isinstance(value, Decimal):
        # openpyxl writes Decimals as numbers; keep every digit the document has.
        return value
    if isinstance(value, datetime):
        return _local(value, column).replace(tzinfo=None)
    if column.kind == "date" and isinstance(value, str) and value:
        return date.fromisoformat(value)
    return value


def write_xlsx(tables: Iterable[Table], target: str | Path | io.BytesIO) -> None:
    """Write ``tables`` as one workbook, one sheet each, with typed cells and a bold,
    frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, taken))
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append([_xlsx_value(v, c) for v, c in zip(row, table.columns, strict=True)])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            number_format = (
                money_number_format(column.currency)
                if column.kind == "money"
                else _FORMATS.get(column.kind)
            )
            width = len(column.header)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if number_format and cell.value is not None and not isinstance(cell.value, str):
                    cell.number_format = number_format
                width = max(width, len(str(cell.value or "")))
            sheet.column_dimensions[letter].width = min(60, width + 2)
    if not taken:
        workbook.create_sheet("empty")
    workbook.save(target)


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    """The workbook as bytes (for an HTTP download)."""
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()


def read_xlsx(source: str | Path | io.BytesIO) -> dict[str, list[list[Any]]]:
    """Every sheet's rows as cell values, header first (for tests and reconciliations)."""
    from openpyxl import load_workbook

    workbook = load_workbook(source, read_only=True, data_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def write_tables(
    tables: Sequence[Table], fmt: Literal["csv", "xlsx"], out: Path | None
) -> str | None:
    """Write ``tables`` as ``fmt``; CSV of several tables to a folder (one file per table) or,
    for one table, to ``out`` or returned as text. XLSX needs ``out``."""
    if fmt == "xlsx":
        if out is None:
            raise ValueError("an XLSX export needs --out FILE.xlsx")
        write_xlsx(tables, out)
        return None
    if len(tables) == 1:
        text = table_csv(tables[0])
        if out is None:
            return text
        out.write_text(text, encoding="utf-8")
        return None
    if out is None:
        return "\n".join(f"# {t.title}\n{table_csv(t)}" for t in tables)
    out.mkdir(parents=True, exist_ok=True)
    for table in tables:
        name = re.sub(r"[^a-z0-9]+", "-", table.title.lower()).strip("-") or "table"
        (out / f"{name}.csv").write_text(table_csv(table), encoding="utf-8")
    return None
