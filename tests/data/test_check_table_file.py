"""check_table_file: one table file read and checked as ingest reads it, storing nothing (what a
service that takes a small table whole, such as the incident import, builds on)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_ingest import FAULTS, GOOD, HEADER, good

from callpact.data.ingest import check_table_file, ingest_path


def test_same_faults_as_ingest_and_the_good_rows_typed(tmp_path: Path) -> None:
    multi = good("M").replace(",resolved", ',"two\nlines"')
    rows = [good("A"), multi, *(row for row, _, _ in FAULTS), "only,three,fields", good("B")]
    folder = tmp_path / "delivery"
    folder.mkdir()
    path = folder / "contacts.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")

    checked = check_table_file("contacts", path)

    ingested = ingest_path(folder, tmp_path / "ws").diagnostics
    located = [(d.source, d.line, d.column, d.field, d.code, d.message) for d in ingested]
    assert [
        (d.source, d.line, d.column, d.field, d.code, d.message) for d in checked.diagnostics
    ] == located
    assert {code for *_, code, _ in located} >= {code for _, code, _ in FAULTS} | {"R001"}
    # header line 1, A line 2, M lines 3-4, the faults, the short record, B last
    assert [(row.line, row.values["contact_id"]) for row in checked.rows] == [
        (2, "A"),
        (3, "M"),
        (len(FAULTS) + 6, "B"),
    ]
    first = checked.rows[0].values
    assert first["offered_at"] == datetime(2027, 1, 5, 15, tzinfo=UTC)  # -06:00 applied
    assert (first["talk_s"], first["transferred"]) == (250.0, False)
    assert checked.rows[1].values["disposition"] == "two\nlines"
    assert checked.column_of("talk_s") == 8
    assert checked.column_of("no_such_column") == 0


def test_a_file_problem_gives_its_delivery_code_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER.replace("queue,", "") + "\n" + GOOD + "\n", encoding="utf-8")
    checked = check_table_file("contacts", path)
    assert checked.rows == ()
    assert [(d.line, d.field, d.code) for d in checked.diagnostics] == [(1, "queue", "D001")]
    missing = check_table_file("contacts", tmp_path / "absent.csv")
    assert [d.code for d in missing.diagnostics] == ["D002"]
