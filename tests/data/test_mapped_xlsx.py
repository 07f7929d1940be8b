"""`--from mapped` on Excel workbooks: native cells convert as what they are, rejects name
FILE[SHEET]:row:column, and the same delivery as CSV and as XLSX gives identical tables."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from callpact.data.ingest import DeliveryError, ingest_path
from callpact.data.sheets import column_letter
from callpact.data.sources import open_source

SAMPLES = Path(__file__).parent / "samples" / "mapped"
HEADER = ["CallRef", "Skill", "Media", "Start", "Answer", "End"]
HEADER += ["Talk", "Hold", "Wrap", "Agent", "ANI", "Outcome", "Xfer"]


def chicago(*parts: int) -> datetime:
    """A wall time as Excel stores it: no zone."""
    return datetime(*parts)  # noqa: DTZ001 - Excel cells are naive wall times


def hms(h: int, m: int, s: int) -> time:
    return time(h, m, s)


# vendor_calls.csv, typed as Excel would hold it: date-times, h:mm:ss times, the ANI a number
CALLS: list[list[Any]] = [
    [
        "R-1",
        "Members",
        "PHONE",
        chicago(2027, 1, 5, 9, 0, 0),
        chicago(2027, 1, 5, 9, 0, 25),
        chicago(2027, 1, 5, 9, 5, 25),
        hms(0, 4, 10),
        hms(0, 0, 50),
        hms(0, 0, 20),
        "ag-17",
        3125550101,
        "ANS",
        "N",
    ],
    [
        "R-2",
        "Members",
        "PHONE",
        chicago(2027, 1, 5, 9, 1, 0),
        chicago(2027, 1, 5, 9, 1, 0),
        chicago(2027, 1, 5, 9, 1, 3),
        hms(0, 0, 0),
        hms(0, 0, 0),
        hms(0, 0, 0),
        None,
        3125550102,
        "ABN",
        "N",
    ],
    [
        "R-3",
        "Pharmacy",
        "CHAT",
        # a text cell in a date-time column: read with the mapping's format, as in the CSV
        "07/03/2027 02:30:00",
        None,
        chicago(2027, 3, 7, 3, 10, 0),
        None,
        None,
        None,
        None,
        3125550103.0,  # a float cell holding an integer: written without ".0"
        "TMO",
        "N",
    ],
    [
        "R-4",
        "Members",
        "FAX",
        chicago(2027, 1, 5, 10, 0, 0),
        chicago(2027, 1, 5, 10, 0, 5),
        chicago(2027, 1, 5, 10, 2, 0),
        hms(0, 1, 55),
        hms(0, 0, 0),
        hms(0, 0, 10),
        "ag-18",
        None,
        "ANS",
        "Y",
    ],
]


def workbook(path: Path, rows: list[list[Any]], *, title_rows: int = 0) -> Path:
    """Write the calls on a sheet "Calls" after a first sheet of notes, as vendors do."""
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["exported by the vendor's WFM; see the Calls sheet"])
    sheet = book.create_sheet("Calls")
    for index in range(title_rows):
        sheet.append([f"Call log, page title line {index + 1}"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=title_rows + 2):
        for cell in cells:
            if isinstance(cell.value, time):
                cell.number_format = "hh:mm:ss"
            elif isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
    book.save(path)
    return path


def mapping(tmp_path: Path, extra: str = "") -> Path:
    """The sample's mapping plus the sheet's keys (which a CSV delivery ignores)."""
    text = (SAMPLES / "vendor_calls.yaml").read_text(encoding="utf-8")
    path = tmp_path / "calls.yaml"
    path.write_text(text + "sheet: Calls\n" + extra, encoding="utf-8")
    return path


def table(ws: Path) -> list[dict[str, Any]]:
    with open_source(ws) as src:
        return sorted(src.read_table("contacts").to_pylist(), key=lambda r: r["contact_id"])


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_same_delivery_as_csv_and_as_xlsx_ingests_to_identical_tables(tmp_path: Path) -> None:
    yaml = mapping(tmp_path)
    xlsx = workbook(tmp_path / "vendor_calls.xlsx", CALLS)
    from_csv = ingest_path(
        SAMPLES / "vendor_calls.csv", tmp_path / "csv", source_format="mapped", mapping=yaml
    )
    from_xlsx = ingest_path(xlsx, tmp_path / "xlsx", source_format="mapped", mapping=yaml)
    assert table(tmp_path / "xlsx") == table(tmp_path / "csv")
    got = {r["contact_id"]: r for r in table(tmp_path / "xlsx")}
    # 09:00 wall time in Chicago in January is 15:00 UTC; 00:04:10 is 250 s
    assert got["R-1"]["offered_at"] == t("2027-01-05T15:00:00")
    assert got["R-1"]["ended_at"] == t("2027-01-05T15:05:25")
    assert (got["R-1"]["talk_s"], got["R-1"]["hold_s"], got["R-1"]["acw_s"]) == (250, 50, 20)
    assert got["R-1"]["customer_id"] == "3125550101"  # a number cell, read as written
    assert got["R-3"]["customer_id"] == "3125550103"  # a float cell, no ".0"
    assert got["R-3"]["offered_at"] == t("2027-03-07T08:30:00")  # text, by the format
    assert got["R-2"]["answered_at"] is None  # ABN clears it, as for the CSV
    counts = [
        (r.rows_read, r.accepted, r.rejected)
        for r in (from_csv, from_xlsx)
        for r in [r.tables["contacts"]]
    ]
    assert counts == [(4, 3, 1), (4, 3, 1)]
    (fax,) = from_xlsx.diagnostics
    # the FAX row: the sheet's row 5, column C (Media), the value and what was allowed
    assert (fax.source, fax.line, fax.column, fax.field, fax.code) == (
        f"{xlsx}[Calls]",
        5,
        3,
        "channel",
        "R103",
    )
    assert fax.message == "'FAX' is not one of: voice, chat, email, sms, social"
    assert fax.format().startswith(f"{xlsx}[Calls]:5:3: error[R103]")
    # and the CSV reject now names the CSV's own column (Media is the third) too
    (csv_fax,) = from_csv.diagnostics
    assert (csv_fax.line, csv_fax.column, csv_fax.field) == (5, 3, "channel")


def test_malformed_cells_are_rejected_with_sheet_row_column_and_value(tmp_path: Path) -> None:
    rows = [list(r) for r in CALLS[:1]] * 5
    rows = [list(r) for r in rows]
    for index, row in enumerate(rows):
        row[0] = f"M-{index + 1}"
    rows[0][3] = "31/02/2027 09:00:00"  # text that is no real date by the format
    rows[1][6] = chicago(2027, 1, 5, 9, 0, 0)  # a date-time where a duration belongs
    rows[2][4] = hms(9, 0, 25)  # a time of day where a date-time belongs
    rows[3][6] = "=1/0"  # replaced below by an error cell
    rows[4][7] = timedelta(hours=1, minutes=2, seconds=3)  # [h]:mm:ss: a good duration
    path = tmp_path / "bad.xlsx"
    workbook(path, rows, title_rows=2)
    book = openpyxl.load_workbook(path)
    error_cell = book["Calls"].cell(row=7, column=7)  # title rows 1-2, header 3, data 4-8
    error_cell.value = "#DIV/0!"
    error_cell.data_type = "e"
    book.save(path)
    report = ingest_path(
        path, tmp_path / "ws", source_format="mapped", mapping=mapping(tmp_path, "header_row: 3\n")
    )
    found = sorted((d.line, d.column, d.field, d.code, d.message) for d in report.diagnostics)
    assert found == [
        (
            4,
            4,
            "offered_at",
            "R105",
            "'31/02/2027 09:00:00' is not an ISO 8601 date-time with offset",
        ),
        (5, 7, "talk_s", "R102", "'2027-01-05 09:00:00' is not a number of seconds"),
        (6, 5, "answered_at", "R105", "'9:00:25' is not an ISO 8601 date-time with offset"),
        (
            7,
            7,
            "talk_s",
            "R401",
            "cell G7 (Talk) holds the Excel error #DIV/0!: expected a value",
        ),
    ]
    assert {d.source for d in report.diagnostics} == {f"{path}[Calls]"}
    t_ = report.tables["contacts"]
    assert (t_.rows_read, t_.accepted, t_.rejected) == (5, 1, 4)
    (good,) = table(tmp_path / "ws")
    assert (good["contact_id"], good["hold_s"]) == ("M-5", 3723.0)  # 1 h 2 min 3 s


def test_a_naive_excel_time_without_time_zone_is_rejected_not_guessed(tmp_path: Path) -> None:
    text = (SAMPLES / "vendor_calls.yaml").read_text(encoding="utf-8")
    yaml = tmp_path / "utc.yaml"
    yaml.write_text(
        text.replace("time_zone: America/Chicago\n", "") + "sheet: Calls\n", encoding="utf-8"
    )
    xlsx = workbook(tmp_path / "calls.xlsx", CALLS[:1])
    report = ingest_path(xlsx, tmp_path / "ws", source_format="mapped", mapping=yaml)
    found = sorted((d.line, d.field, d.code) for d in report.diagnostics)
    assert found == [(2, "answered_at", "R104"), (2, "ended_at", "R104"), (2, "offered_at", "R104")]
    assert report.tables["contacts"].accepted == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", "source column 'CallRef' is not in"),  # no sheet named: the first, Notes
        ("sheet: Calls\nheader_row: 9\n", "row 9 is empty: no header there"),
        ("sheet: Cals\n", "no sheet 'Cals'"),
    ],
)
def test_sheet_and_header_problems_fail_the_delivery(
    tmp_path: Path, extra: str, message: str
) -> None:
    text = (SAMPLES / "vendor_calls.yaml").read_text(encoding="utf-8")
    yaml = tmp_path / "m.yaml"
    yaml.write_text(text + extra, encoding="utf-8")
    xlsx = workbook(tmp_path / "calls.xlsx", CALLS)
    with pytest.raises(DeliveryError) as info:
        ingest_path(xlsx, tmp_path / "ws", source_format="mapped", mapping=yaml)
    assert info.value.diagnostics[0].code == "D006"
    assert message in info.value.diagnostics[0].message


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 3, 26, 27, 52, 703)] == ["A", "C", "Z", "AA", "AZ", "AAA"]


def test_header_row_skips_title_lines_in_a_csv_too(tmp_path: Path) -> None:
    text = (SAMPLES / "vendor_calls.csv").read_text(encoding="utf-8")
    csv_path = tmp_path / "titled.csv"
    csv_path.write_text("Harbor call log\nJanuary 2027\n" + text, encoding="utf-8")
    report = ingest_path(
        csv_path,
        tmp_path / "ws",
        source_format="mapped",
        mapping=mapping(tmp_path, "header_row: 3\n"),
    )
    (fax,) = report.diagnostics
    assert (fax.line, fax.field) == (7, "channel")  # the FAX record is the file's 7th line
    assert report.tables["contacts"].accepted == 3
