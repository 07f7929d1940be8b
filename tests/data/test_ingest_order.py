"""Every row read is accepted or rejected with its reasons, whatever order DuckDB yields rows in.

DuckDB runs the enum check (``channel IN ('voice', …)``) as a join, and that join holds a
chunk of fewer than 64 rows back until more rows come while later chunks pass it: the fast
pass's rows come out of file order as soon as the reader yields a short chunk. A Parquet row
group of 2,050 rows is read as a chunk of 2,048 and one of 2; a CSV file yields a short chunk
where a reader thread's 8 MB stretch ends. Before rows were named by an ordinal column, ingest
named a failing row by its position in that stream: it looked up the reasons of other rows,
found none, and the row was neither accepted nor rejected (``row accounting does not add
up``).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callpact.data.ingest import check_table_file, ingest_path
from callpact.data.workspace import Workspace

BASE = dt.datetime(2027, 1, 5, 15, 0, 0, tzinfo=dt.UTC)
#: row groups of 2,050 rows: DuckDB reads each as a chunk of 2,048 rows and one of 2
GROUP = 2050
ROWS = 2 * GROUP + 20
#: rows answered 20 s before they were offered (R201): in a 2,048-row chunk, in each 2-row
#: chunk (ordinals 2048, 2049 and 4098, 4099) and in the short last group
EARLY = (7, 2048, 2049, 3000, 4098, 4099, 4110)


def _contacts(rows: int, early: tuple[int, ...]) -> pa.Table:
    """``rows`` answered voice contacts 37 s apart; those in ``early`` answered 20 s before
    they were offered, the others 20 s after."""
    offered = [BASE + dt.timedelta(seconds=37 * i) for i in range(rows)]
    answered = [t + dt.timedelta(seconds=-20 if i in early else 20) for i, t in enumerate(offered)]
    utc = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "contact_id": [f"R-{i}" for i in range(rows)],
            "channel": ["voice"] * rows,
            "direction": ["inbound"] * rows,
            "queue": ["members"] * rows,
            "offered_at": pa.array(offered, utc),
            "answered_at": pa.array(answered, utc),
            "ended_at": pa.array([t + dt.timedelta(seconds=300) for t in offered], utc),
            "talk_s": [250.0] * rows,
            "hold_s": [50.0] * rows,
            "acw_s": [20.0] * rows,
            "agent_id": [f"ag-{i % 50}" for i in range(rows)],
            "customer_id": [str(3125550000 + i) for i in range(rows)],
            "transferred": [False] * rows,
            "disposition": ["ANS"] * rows,
        }
    )


def _rejects(ws: Path, rel: str | None) -> list[dict[str, str]]:
    assert rel is not None
    gen = Workspace(ws).current()
    assert gen is not None
    with (gen.path / rel).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _stored_ids(ws: Path) -> set[str]:
    gen = Workspace(ws).current()
    assert gen is not None
    return {i for f in gen.files("contacts") for i in pq.read_table(f)["contact_id"].to_pylist()}


@pytest.mark.parametrize("path", ["split", "staged"])
def test_parquet_rows_out_of_order_are_each_accepted_or_rejected(tmp_path: Path, path: str) -> None:
    table = _contacts(ROWS, EARLY)
    if path == "staged":
        # the first row given again, unchanged: a duplicate, so the staged path does the work
        table = pa.concat_tables([table, table.slice(0, 1)])
    folder = tmp_path / "d"
    folder.mkdir()
    pq.write_table(table, folder / "contacts.parquet", row_group_size=GROUP)
    report = ingest_path(folder, tmp_path / "ws").tables["contacts"]
    duplicates = 1 if path == "staged" else 0
    assert (report.rows_read, report.accepted, report.rejected, report.duplicates) == (
        ROWS + duplicates,
        ROWS - 7,
        7,
        duplicates,
    )
    found = _rejects(tmp_path / "ws", report.rejects_file)
    # a Parquet row's line is its 1-based row number
    assert [(r["line"], r["code"], r["field"]) for r in found] == [
        (str(o + 1), "R201", "answered_at") for o in EARLY
    ]
    # row 2049 (ordinal 2048) was offered 2048 * 37 s = 75,776 s after 15:00:00 on 5 January
    assert found[1]["reason"] == (
        "answered_at 2027-01-06T12:02:36.000000Z is before offered_at 2027-01-06T12:02:56.000000Z"
    )
    assert _stored_ids(tmp_path / "ws") == {f"R-{i}" for i in range(ROWS) if i not in EARLY}


def test_check_table_file_keeps_file_order_when_duckdb_does_not(tmp_path: Path) -> None:
    file = tmp_path / "contacts.parquet"
    pq.write_table(_contacts(ROWS, EARLY), file, row_group_size=GROUP)
    checked = check_table_file("contacts", file)
    assert [(d.line, d.code) for d in checked.diagnostics] == [(o + 1, "R201") for o in EARLY]
    kept = [i for i in range(ROWS) if i not in EARLY]
    assert [r.values["contact_id"] for r in checked.rows] == [f"R-{i}" for i in kept]
    assert [r.line for r in checked.rows] == [i + 1 for i in kept]


def test_csv_past_a_reader_stretch_rejects_each_early_answer(tmp_path: Path) -> None:
    """The colleague's case in small: 8 MB of CSV (a reader thread's stretch) in 2,100 rows of
    4 kB each instead of 200,000 short ones; timestamps in ISO form with ``Z``."""
    rows = 2100
    early = (7, 1000, 2050, 2099)
    table = _contacts(rows, early)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    pad = "q" * 4000  # a long queue name: the file passes 8 MB with few rows
    folder = tmp_path / "d"
    folder.mkdir()
    with (folder / "contacts.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(table.column_names) + "\n")
        for r in table.to_pylist():
            r["queue"] = pad
            for ts in ("offered_at", "answered_at", "ended_at"):
                r[ts] = r[ts].strftime(iso)
            r["transferred"] = "false"
            r["talk_s"], r["hold_s"], r["acw_s"] = 250, 50, 20
            out.write(",".join(str(r[c]) for c in table.column_names) + "\n")
    assert (folder / "contacts.csv").stat().st_size > 8_100_000
    report = ingest_path(folder, tmp_path / "ws").tables["contacts"]
    assert (report.rows_read, report.accepted, report.rejected) == (rows, rows - 4, 4)
    found = _rejects(tmp_path / "ws", report.rejects_file)
    # header on line 1: ordinal o is on line o + 2
    assert [(r["line"], r["code"], r["field"]) for r in found] == [
        (str(o + 2), "R201", "answered_at") for o in early
    ]
    assert [r["row"].split(",")[0] for r in found] == [f"R-{o}" for o in early]
