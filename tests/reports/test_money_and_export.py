"""The one money formatter and the shared CSV/XLSX writers, read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from callpact.contracts.currency import decimals, is_iso4217, minor_unit, minor_units
from callpact.reports.export import Column, Table, read_xlsx, table_csv, write_xlsx
from callpact.reports.money import format_amount, format_money


@pytest.mark.parametrize(
    ("code", "units", "unit"),
    [("JPY", 0, Decimal(1)), ("USD", 2, Decimal("0.01")), ("KWD", 3, Decimal("0.001"))],
)
def test_minor_units_follow_iso_4217(code: str, units: int, unit: Decimal) -> None:
    assert is_iso4217(code)
    assert minor_units(code) == units
    assert minor_unit(code) == unit


def test_unknown_codes_are_not_currencies() -> None:
    assert not is_iso4217("ABC")
    assert not is_iso4217("usd")
    assert not is_iso4217("XXX")  # ISO's "no currency" is not one to invoice in


def test_decimals_counts_the_written_digits() -> None:
    assert decimals(Decimal("60000")) == 0
    assert decimals(Decimal("0.50")) == 2
    assert decimals(Decimal("12.345")) == 3


def test_money_in_minor_units_with_locale_separators() -> None:
    assert format_money(Decimal("60000"), "USD") == "USD 60,000.00"
    assert format_money(Decimal("-2160"), "USD") == "−USD 2,160.00"
    assert format_money(Decimal("7200000"), "JPY") == "JPY 7,200,000"
    assert format_money(Decimal("1234.5"), "KWD") == "KWD 1,234.500"
    assert format_money(Decimal("1234.5"), "EUR", locale="de_DE") == "EUR 1.234,50"
    assert format_amount("4320", "USD", signed=True) == "+4,320.00"
    assert format_amount("-4320", "USD", signed=True) == "−4,320.00"
    assert format_amount("0", "USD", signed=True) == "0.00"


TABLE = Table(
    "Statement lines 2027-03",
    (
        Column("line"),
        Column("amount", "money", currency="KWD"),
        Column("value", "ratio"),
        Column("sample", "integer"),
        Column("month", "date"),
        Column("issued", "datetime", time_zone="America/Chicago"),
    ),
    [
        ["credit:sl-voice", Decimal("-1234.500"), Decimal("0.7612"), 2011, date(2027, 3, 1),
         datetime(2027, 4, 3, 15, 0, tzinfo=UTC)],
        ["fee", Decimal("20000.000"), None, None, date(2027, 3, 1), None],
    ],
)  # fmt: skip


def test_csv_keeps_every_digit_and_names_the_zone() -> None:
    rows = list(csv.reader(io.StringIO(table_csv(TABLE))))
    assert rows[0] == [
        "line", "amount (KWD)", "value", "sample", "month", "issued (America/Chicago)",
    ]  # fmt: skip
    assert rows[1] == [
        "credit:sl-voice", "-1234.500", "0.7612", "2011", "2027-03-01", "2027-04-03T10:00:00-05:00",
    ]  # fmt: skip
    assert rows[2][5] == ""


def test_xlsx_cells_are_typed_and_read_back() -> None:
    from openpyxl import load_workbook

    buffer = io.BytesIO()
    write_xlsx([TABLE, Table("Statement lines 2027-03", (Column("x"),), [["again"]])], buffer)
    buffer.seek(0)
    sheets = read_xlsx(buffer)
    assert list(sheets) == ["Statement lines 2027-03", "Statement lines 2027-03 2"]
    header, first, second = sheets["Statement lines 2027-03"]
    assert header[1] == "amount (KWD)"
    assert first[1] == pytest.approx(-1234.5)
    assert first[3] == 2011
    assert first[4] == datetime(2027, 3, 1)  # noqa: DTZ001 - spreadsheets hold naive dates
    assert first[5] == datetime(2027, 4, 3, 10, 0)  # noqa: DTZ001 - local, zone in the header
    assert second[2] is None
    buffer.seek(0)
    sheet = load_workbook(buffer)["Statement lines 2027-03"]
    assert sheet["B2"].number_format == '#,##0.000 "KWD"'
    assert sheet["C2"].number_format == "0.00%"
    assert sheet["E2"].number_format == "yyyy-mm-dd"


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="row 1: 1 values for 2 columns"):
        Table("t", (Column("a"), Column("b")), [["only one"]])
