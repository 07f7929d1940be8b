"""Read a delivered sheet — a CSV file or one sheet of an ``.xlsx`` workbook — row by row.

Cells keep the type the file gives them: text from a CSV; from a workbook, what Excel stored
(text, an ``int`` or ``float``, a boolean, a ``datetime``, a ``time`` of day, a ``timedelta``
for an ``[h]:mm:ss`` duration, or a :class:`CellError` such as ``#N/A``). An empty cell is
``None``. Rows carry their own number — the CSV physical line where the record starts, the
workbook's row number — so a problem points at the row a person sees when opening the file.

Workbooks are read with openpyxl's read-only (streaming) reader: memory stays flat whatever
the number of rows. Formulas read as the value Excel last computed and saved with the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from callpact.data.rejects import LineCounter

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True, slots=True)
class CellError:
    """A cell holding an Excel error value (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!`` …)."""

    code: str


CellValue = str | int | float | bool | datetime | date | time | timedelta | CellError | None


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its number in the file and its cells, in column order."""

    number: int
    cells: tuple[CellValue, ...]

    def cell(self, index: int) -> CellValue:
        """The cell in 0-based column ``index`` (None beyond the row's last cell)."""
        return self.cells[index] if index < len(self.cells) else None

    @property
    def blank(self) -> bool:
        return all(value is None for value in self.cells)


class SheetError(Exception):
    """The file cannot be read as a sheet at all (not a workbook, no such sheet, no header)."""

    def __init__(self, source: str, line: int, message: str, hint: str = "") -> None:
        self.source = source
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(f"{source}:{line}: {message}")


@dataclass
class Sheet:
    """An open sheet: its header (as text) and an iterator over the data rows after it.

    ``source`` is how problems name it: ``FILE`` for a CSV, ``FILE[SHEET]`` for a workbook.
    Blank rows (every cell empty) are skipped, as CSV blank lines are.
    """

    path: Path
    name: str | None
    header: tuple[str, ...]
    header_row: int
    rows: Iterator[SheetRow]

    @property
    def source(self) -> str:
        return str(self.path) if self.name is None else f"{self.path}[{self.name}]"

    @property
    def is_workbook(self) -> bool:
        return self.name is not None

    def column_label(self, index: int) -> str:
        """How a person finds 0-based column ``index``: its letter in a workbook, else its
        1-based number."""
        return column_letter(index + 1) if self.is_workbook else str(index + 1)


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def column_letter(number: int) -> str:
    """Excel's name of the 1-based column ``number``: 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def header_text(value: CellValue) -> str:
    """A header cell as the name a mapping or a roster column refers to."""
    if value is None or isinstance(value, CellError):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@contextmanager
def open_sheet(
    path: Path, *, sheet: str | None = None, header_row: int = 1, delimiter: str = ","
) -> Iterator[Sheet]:
    """Open ``path`` (CSV, or ``.xlsx``/``.xlsm``: ``sheet`` by name, default the first) with
    its header on row ``header_row`` (rows above it — titles, notes — are skipped).

    Raises :class:`SheetError` when the file cannot be read as a sheet."""
    if header_row < 1:
        raise SheetError(str(path), 0, f"header_row must be 1 or more, not {header_row}")
    if is_workbook(path):
        with _open_workbook(path, sheet, header_row) as opened:
            yield opened
    elif path.suffix.lower() == ".xls":
        raise SheetError(
            str(path), 0, "the old binary .xls format cannot be read", "save it as .xlsx"
        )
    else:
        with _open_csv(path, header_row, delimiter) as opened:
            yield opened


@contextmanager
def _open_workbook(path: Path, sheet: str | None, header_row: int) -> Iterator[Sheet]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike
        raise SheetError(str(path), 0, f"cannot read the workbook: {exc}") from exc
    try:
        worksheets = book.worksheets
        if not worksheets:
            raise SheetError(str(path), 0, "the workbook has no worksheet")
        if sheet is None:
            ws = worksheets[0]
        else:
            names = [w.title for w in worksheets]
            if sheet not in names:
                raise SheetError(
                    str(path), 0, f"no sheet {sheet!r}", "sheets there: " + ", ".join(names)
                )
            ws = worksheets[names.index(sheet)]
        # the stored dimensions may be wrong (files written by other programs): read every row
        ws.reset_dimensions()
        source = f"{path}[{ws.title}]"
        rows = enumerate(ws.iter_rows(), start=1)
        header: tuple[str, ...] | None = None
        for number, cells in rows:
            if number == header_row:
                header = tuple(header_text(_cell(c)) for c in cells)
                break
        if header is None or not any(header):
            raise SheetError(source, header_row, f"row {header_row} is empty: no header there")

        def data() -> Iterator[SheetRow]:
            number = header_row
            try:
                for number, cells in rows:
                    row = SheetRow(number, tuple(_cell(c) for c in cells))
                    if not row.blank:
                        yield row
            except Exception as exc:  # a damaged sheet part: its XML, a shared string
                raise SheetError(source, number + 1, f"cannot read the sheet: {exc}") from exc

        yield Sheet(path, ws.title, header, header_row, data())
    finally:
        book.close()


def _cell(cell: Any) -> CellValue:
    value = cell.value
    if value is None or value == "":
        return None
    if getattr(cell, "data_type", None) == "e":
        return CellError(str(value))
    if isinstance(value, int | float | bool | datetime | date | time | timedelta | str):
        return value
    return str(value)  # pragma: no cover - openpyxl gives only the types above


@contextmanager
def _open_csv(path: Path, header_row: int, delimiter: str) -> Iterator[Sheet]:
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SheetError(str(path), 0, f"cannot read the file: {exc}") from exc
    with handle:
        lines = LineCounter(handle)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        source = str(path)

        def records() -> Iterator[tuple[int, list[str]]]:
            while True:
                start = lines.line + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise SheetError(source, lines.line + 1, f"not UTF-8 text: {exc}") from exc
                except csv.Error as exc:
                    raise SheetError(source, start, f"malformed CSV record: {exc}") from exc
                lines.take_record_text()
                if record:  # a blank line is no record
                    yield start, record

        header: tuple[str, ...] | None = None
        found = records()
        for start, record in found:
            if start >= header_row:
                header = tuple(field.strip() for field in record)
                break
        if header is None or not any(header):
            raise SheetError(source, header_row, f"line {header_row} is empty: no header there")

        def data() -> Iterator[SheetRow]:
            for start, record in found:
                row = SheetRow(start, tuple(field if field != "" else None for field in record))
                if not row.blank:
                    yield row

        yield Sheet(path, None, header, header_row, data())
