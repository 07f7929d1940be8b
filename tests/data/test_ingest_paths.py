"""The two ways ingest stores a table give the same result.

A delivery whose keys are all new is split by month as it is read (in parts, one reader per
core, when the file is large) and each month is sorted on its own; one that repeats a key, or
gives a stored key again, goes through a staged file. Both must reject the same rows with the
same lines and reasons and store the same rows in the same order.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from test_ingest import FAULTS, HEADER, good, write

from callpact.data import ingest
from callpact.data.csvlines import scan_records, split_at_records
from callpact.data.ingest import ingest_path
from callpact.data.sources import open_source
from callpact.data.workspace import Workspace


def messy_rows(prefix: str, count: int) -> list[str]:
    """``count`` contacts over three months and several customers, every fault kind mixed in,
    and quoted values with commas and newlines (so a record spans several lines)."""
    rows = []
    for i in range(count):
        month = 1 + i % 3
        row = good(f"{prefix}{i}").replace("2027-01-", f"2027-0{month}-")
        row = row.replace(",K1,", f",K{i % 7},")
        if i % 11 == 3:
            row = row.replace(",resolved", ',"resolved, then\nfollowed up"')
        if i % 13 == 5:
            fault, _code, _field = FAULTS[i % len(FAULTS)]
            row = fault.replace("C1,", f"{prefix}{i},", 1).replace("C9,", f"{prefix}{i},", 1)
        rows.append(row)
    return rows


def stored_rows(ws: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every partition's rows; each file must be sorted by customer then offered (the KPI
    engine relies on it). Ties come in no particular order, so they are put in key order."""
    gen = Workspace(ws).current()
    assert gen is not None
    out = []
    for file in sorted(gen.files("contacts")):
        rows = pq.read_table(file).to_pylist()
        order = [_sort_key(r) for r in rows]
        assert order == sorted(order)
        rows.sort(key=lambda r: (*_sort_key(r), r["contact_id"]))
        out.append((Path(file).parent.name, rows))
    return out


def _sort_key(row: dict[str, Any]) -> tuple[bool, str, Any]:
    """Customer, then offered; a contact without a customer sorts last (NULLS LAST)."""
    return (row["customer_id"] is None, row["customer_id"] or "", row["offered_at"])


def rejects_of(ws: Path, rel: str | None) -> list[list[str]]:
    assert rel is not None
    gen = Workspace(ws).current()
    assert gen is not None
    with (gen.path / rel).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def ingest_twice(tmp_path: Path, tag: str) -> tuple[Path, list[ingest.IngestReport]]:
    ws = tmp_path / f"ws-{tag}"
    first = write(tmp_path / f"first-{tag}", messy_rows("F", 40))
    second = write(tmp_path / f"second-{tag}", messy_rows("S", 400))
    return ws, [ingest_path(first, ws), ingest_path(second, ws)]


@pytest.fixture
def many_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even a small delivery into three parts read at once, and sort its months in
    customer ranges of about 40 rows."""
    monkeypatch.setattr(ingest, "SPLIT_BYTES", 1)
    monkeypatch.setattr(ingest, "READERS", 3)
    monkeypatch.setattr(ingest, "SORT_ROWS", 40)


def test_split_and_staged_paths_store_and_reject_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_readers: None
) -> None:
    calls: list[str] = []
    split_part = ingest._TableIngest._split_part
    staged_path = ingest._TableIngest._staged_path

    def spy_split(self: ingest._TableIngest, path: Path, out: Path) -> ingest._MonthSplit:
        calls.append("part")
        return split_part(self, path, out)

    def spy_staged(self: ingest._TableIngest) -> ingest._Outcome:
        calls.append("staged")
        return staged_path(self)

    monkeypatch.setattr(ingest._TableIngest, "_split_part", spy_split)
    monkeypatch.setattr(ingest._TableIngest, "_staged_path", spy_staged)
    ws_split, split_reports = ingest_twice(tmp_path, "split")
    assert calls == ["part"] * 6  # two deliveries, three parts each, never staged
    monkeypatch.setattr(ingest._TableIngest, "_split_path_likely", lambda self: False)
    calls.clear()
    ws_staged, staged_reports = ingest_twice(tmp_path, "staged")
    assert calls == ["staged", "staged"]

    for a, b in zip(split_reports, staged_reports, strict=True):
        ra, rb = a.tables["contacts"], b.tables["contacts"]
        assert (ra.rows_read, ra.accepted, ra.rejected, ra.duplicates) == (
            rb.rows_read,
            rb.accepted,
            rb.rejected,
            rb.duplicates,
        )
        assert ra.rejected >= 3
        split_rejects = rejects_of(ws_split, ra.rejects_file)
        staged_rejects = rejects_of(ws_staged, rb.rejects_file)
        assert [r[1:] for r in split_rejects] == [r[1:] for r in staged_rejects]
        assert {Path(r[0]).name for r in split_rejects[1:]} == {"contacts.csv"}
    assert stored_rows(ws_split) == stored_rows(ws_staged)
    # the second delivery's months were merged with the first's stored rows
    months = {name for name, _ in stored_rows(ws_split)}
    assert months == {"month=2027-01", "month=2027-02", "month=2027-03"}
    with open_source(ws_split) as src:
        assert src.read_table("contacts").num_rows == sum(
            r.tables["contacts"].accepted for r in split_reports
        )


def test_rejects_in_every_part_keep_their_physical_lines(
    tmp_path: Path, many_readers: None
) -> None:
    rows = messy_rows("P", 300)
    folder = write(tmp_path / "d", rows)
    report = ingest_path(folder, tmp_path / "ws").tables["contacts"]
    text = (folder / "contacts.csv").read_text(encoding="utf-8")
    found = rejects_of(tmp_path / "ws", report.rejects_file)[1:]
    faulty = {f"P{i}" for i in range(300) if i % 13 == 5}
    assert {r[5].split(",", 1)[0] for r in found} == faulty
    for _source, line, _field, _code, _reason, record in found:
        # the record starts on that physical line of the original file (quoted newlines count)
        assert text[: text.index(record + "\n")].count("\n") + 1 == int(line)


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_split_at_records_cuts_between_records(tmp_path: Path, parts: int) -> None:
    header = HEADER + "\r\n"
    body = "".join(f'"q{i}\n""x"",y",{i}\r\n' if i % 3 == 0 else f"r{i},{i}\r\n" for i in range(50))
    source = tmp_path / "contacts.csv"
    source.write_bytes((header + body).encode())
    out = tmp_path / "parts"
    out.mkdir()
    files = split_at_records(source, out, parts)
    assert len(files) == parts
    pieces = [f.read_bytes() for f in files]
    assert all(p.startswith(header.encode()) for p in pieces)
    assert b"".join(p[len(header) :] for p in pieces) == body.encode()
    counts = [scan_records(f, []).total for f in files]
    assert sum(counts) == scan_records(source, []).total == 50
    assert all(c > 0 for c in counts)


def test_split_at_records_leaves_a_tiny_file_whole(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text(HEADER + "\n" + good("A") + "\n", encoding="utf-8")
    assert split_at_records(source, tmp_path, 4) == [source]


def test_a_repeated_key_takes_the_staged_path_and_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_readers: None
) -> None:
    written: list[str] = []
    write_months = ingest._TableIngest._write_months

    def spy(self: ingest._TableIngest, split: ingest._MonthSplit) -> int:
        written.append("months")
        return write_months(self, split)

    monkeypatch.setattr(ingest._TableIngest, "_write_months", spy)
    rows = messy_rows("R", 200)
    conflicting = rows[1].replace(",250,", ",99,")
    rows.insert(150, rows[0])  # an exact repeat of line 2, in another part: a duplicate
    rows.insert(170, conflicting)  # a different row for R1 (line 3): a conflict
    folder = write(tmp_path / "d", rows)
    report = ingest_path(folder, tmp_path / "ws").tables["contacts"]
    assert written == []  # the split was thrown away, nothing written from it
    assert report.duplicates == 1
    found = rejects_of(tmp_path / "ws", report.rejects_file)[1:]
    conflict = [r for r in found if r[3] == "R301"]
    assert len(conflict) == 1
    text = (folder / "contacts.csv").read_text(encoding="utf-8")
    assert int(conflict[0][1]) == text[: text.index(conflicting)].count("\n") + 1
    assert "already given on line 3" in conflict[0][4]


def test_a_replay_is_recognised_before_it_is_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write(tmp_path / "d", messy_rows("Y", 100))
    ws = tmp_path / "ws"
    first = ingest_path(folder, ws).tables["contacts"]

    def no_split(self: ingest._TableIngest, path: Path, out: Path) -> ingest._MonthSplit:
        raise AssertionError("a replay should not be split")

    monkeypatch.setattr(ingest._TableIngest, "_split_part", no_split)
    replay = ingest_path(folder, ws).tables["contacts"]
    assert replay.accepted == 0
    assert replay.duplicates == first.accepted
    assert replay.rejected == first.rejected


def _both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: list[str], second: list[str]
) -> list[Any]:
    """Two deliveries into a fresh workspace by the split path, then by the staged path: the
    stored rows of each (every row of the second delivery accepted both times)."""
    results = []
    for tag in ("split", "staged"):
        if tag == "staged":
            monkeypatch.setattr(ingest._TableIngest, "_split_path_likely", lambda self: False)
        ws = tmp_path / f"ws-{tag}"
        ingest_path(write(tmp_path / f"first-{tag}", first), ws)
        report = ingest_path(write(tmp_path / f"second-{tag}", second), ws)
        assert report.tables["contacts"].accepted == len(second)
        results.append(stored_rows(ws))
    return results


def test_stored_rows_of_a_range_without_new_rows_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_readers: None
) -> None:
    def contact(cid: str, month: int, customer: str) -> str:
        return good(cid).replace("2027-01-", f"2027-0{month}-").replace(",K1,", f",{customer},")

    # stored: ten customers in each of two months; new: few customers, month 2 only K50-K59
    first = [contact(f"F{i}", 1 + i % 2, f"K{i % 10}") for i in range(200)]
    second = [contact(f"S{i}", 1 + i % 2, f"K{5 + i % 2}{i % 10}") for i in range(400)]
    split, staged = _both_paths(tmp_path, monkeypatch, first, second)
    assert split == staged
    assert sum(len(rows) for _, rows in split) == 600


def test_sort_ranges_are_chosen_for_a_large_delivery_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [good(f"C{i}").replace(",K1,", f",K{i:04d},") for i in range(2000)]
    folder = write(tmp_path / "d", rows)
    seen: list[tuple[list[str], list[int]]] = []
    bounds = ingest._TableIngest._sort_bounds

    def spy(self: ingest._TableIngest) -> tuple[list[str], list[int]]:
        seen.append(bounds(self))
        return seen[-1]

    monkeypatch.setattr(ingest._TableIngest, "_sort_bounds", spy)
    ingest_path(folder, tmp_path / "small")
    monkeypatch.setattr(ingest, "SPLIT_BYTES", 1)
    monkeypatch.setattr(ingest, "SORT_ROWS", 500)
    ingest_path(folder, tmp_path / "large")
    assert seen[0] == ([], [])
    customers, times = seen[1]
    assert len(customers) == 3  # about 2,000 rows in ranges of 500: three cuts
    assert customers == sorted(customers)
    assert all("K0000" < b <= "K1999" for b in customers)
    assert times == []  # every contact has a customer
    with open_source(tmp_path / "large") as src:
        stored = src.read_table("contacts").column("customer_id").to_pylist()
    assert stored == sorted(stored)


def test_contacts_without_customer_are_sorted_in_ranges_of_offered_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_readers: None
) -> None:
    def contact(cid: str, i: int, customer: str) -> str:
        at = f"2027-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        return f"{cid},voice,inbound,members,{at},,{at},,,,,{customer},,"

    # most contacts without a customer id (a vendor that does not send them), over a month
    first = [contact(f"F{i}", i, f"K{i % 5}" if i % 4 == 0 else "") for i in range(300)]
    second = [contact(f"S{i}", i * 7, f"K{i % 9}" if i % 5 == 0 else "") for i in range(600)]
    seen: list[tuple[list[str], list[int]]] = []
    bounds = ingest._TableIngest._sort_bounds

    def spy(self: ingest._TableIngest) -> tuple[list[str], list[int]]:
        seen.append(bounds(self))
        return seen[-1]

    monkeypatch.setattr(ingest._TableIngest, "_sort_bounds", spy)
    split, staged = _both_paths(tmp_path, monkeypatch, first, second)
    assert len(seen[1][1]) >= 5  # the second delivery's empty customers: ranges of offered
    assert split == staged
    assert sum(len(rows) for _, rows in split) == 900


def test_month_key_is_the_utc_month_of_any_instant() -> None:
    import duckdb

    from callpact.data.ingest import month_key_expression
    from callpact.data.schema import TABLES

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    fast = month_key_expression(TABLES["contacts"])
    rows = con.execute(
        f"SELECT CAST(offered_at AS VARCHAR), {fast}, year(offered_at) * 100 + month(offered_at) "
        "FROM (SELECT make_timestamptz(v) AS offered_at FROM (SELECT unnest("
        "range(-60000000000000000, 10000000000000000, 99999999999937) "
        "|| [-1, 0, 1, 1798761599999999, 1798761600000000]) AS v))"
    ).fetchall()
    assert len(rows) > 700
    assert [r for r in rows if r[1] != r[2]] == []
    tail = con.execute(
        f"SELECT {fast} FROM (SELECT CAST(v AS TIMESTAMPTZ) AS offered_at "
        "FROM unnest([NULL, 'infinity', '-infinity']) AS t(v))"
    ).fetchall()
    assert tail == [(None,), (None,), (None,)]
