"""Ingest: every fault kind with its line, duplicates, conflicts, replay, --replace, accounting."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.data import ingest
from callpact.data.ingest import DeliveryError, ingest_path
from callpact.data.schema import arrow_schema
from callpact.data.sources import open_source
from callpact.data.validate import DELIVERY_CODES, ROW_CODES
from callpact.data.workspace import Workspace

HEADER = (
    "contact_id,channel,direction,queue,offered_at,answered_at,ended_at,"
    "talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition"
)
GOOD = (
    "C1,voice,inbound,members,2027-01-05T09:00:00-06:00,2027-01-05T09:00:20-06:00,"
    "2027-01-05T09:05:00-06:00,250,10,20,A1,K1,false,resolved"
)


@pytest.fixture(autouse=True, params=["one reader", "three readers"])
def readers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: as deliveries this small are read, and cut into three parts read at
    once with months sorted in customer ranges of two rows (as large deliveries are)."""
    if request.param == "three readers":
        monkeypatch.setattr(ingest, "SPLIT_BYTES", 1)
        monkeypatch.setattr(ingest, "READERS", 3)
        monkeypatch.setattr(ingest, "SORT_ROWS", 2)


def good(contact_id: str, talk: str = "250") -> str:
    return GOOD.replace("C1,", f"{contact_id},", 1).replace(",250,", f",{talk},", 1)


def write(folder: Path, rows: list[str], name: str = "contacts.csv", header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def rejects(ws: Path, rel: str | None) -> list[dict[str, str]]:
    assert rel is not None
    gen = Workspace(ws).current()
    assert gen is not None
    with (gen.path / rel).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# (row, expected code, expected field): each fault kind of the spec, one per row
FAULTS = [
    (GOOD.replace(",voice,", ",fax,"), "R103", "channel"),
    (GOOD.replace(",inbound,", ",sideways,"), "R103", "direction"),
    (GOOD.replace(",members,", ",,"), "R101", "queue"),
    (GOOD.replace("2027-01-05T09:00:00-06:00", "2027-01-05T09:00:00"), "R104", "offered_at"),
    (GOOD.replace("2027-01-05T09:00:00-06:00", "yesterday"), "R105", "offered_at"),
    (GOOD.replace("2027-01-05T09:00:00-06:00", "2027-02-30T09:00:00Z"), "R105", "offered_at"),
    (GOOD.replace(",250,", ",-1,"), "R106", "talk_s"),
    (GOOD.replace(",250,", ",abc,"), "R102", "talk_s"),
    (GOOD.replace(",false,", ",maybe,"), "R102", "transferred"),
    (GOOD.replace("2027-01-05T09:00:20-06:00", "2027-01-05T08:59:00-06:00"), "R201", "answered_at"),
    (GOOD.replace("2027-01-05T09:05:00-06:00", "2027-01-05T09:00:10-06:00"), "R202", "ended_at"),
    (GOOD.replace(",A1,", ",,"), "R204", "agent_id"),
    (
        "C9,voice,inbound,members,2027-01-05T09:00:00Z,,2027-01-05T08:59:00Z,,,,,K1,,",
        "R202",
        "ended_at",
    ),
    (
        "C9,voice,inbound,members,2027-01-05T09:00:00Z,,2027-01-05T09:01:00Z,30,,,,K1,,",
        "R205",
        "talk_s",
    ),
    (GOOD.replace(",K1,", ",K\x001,"), "R108", "customer_id"),
]


@pytest.mark.parametrize(("row", "code", "field"), FAULTS)
def test_each_fault_is_rejected_with_its_line_field_and_code(
    tmp_path: Path, row: str, code: str, field: str
) -> None:
    folder = write(tmp_path / "d", [good("A"), row, good("B")])
    report = ingest_path(folder, tmp_path / "ws")
    t = report.tables["contacts"]
    assert (t.accepted, t.rejected, t.duplicates) == (2, 1, 0)
    found = rejects(tmp_path / "ws", t.rejects_file)
    assert {(r["line"], r["code"], r["field"]) for r in found} == {("3", code, field)}
    assert found[0]["row"] == row
    assert found[0]["source"].endswith("contacts.csv")


def test_quoted_newlines_give_physical_line_numbers(tmp_path: Path) -> None:
    multi = GOOD.replace(",resolved", ',"two\nlines, and ""quotes"""')
    bad = GOOD.replace("C1,", "C2,").replace(",voice,", ",fax,")
    folder = write(tmp_path / "d", [multi, "", multi.replace("C1,", "C3,"), bad])
    report = ingest_path(folder, tmp_path / "ws")
    # header 1, C1 lines 2-3, blank 4, C3 lines 5-6, bad row on line 7
    found = rejects(tmp_path / "ws", report.tables["contacts"].rejects_file)
    assert [(r["line"], r["code"]) for r in found] == [("7", "R103")]
    with open_source(tmp_path / "ws") as src:
        dispositions = src.read_table("contacts").column("disposition").to_pylist()
    assert dispositions == ['two\nlines, and "quotes"'] * 2


def test_malformed_records_are_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    text = (
        HEADER
        + "\n"
        + good("A")
        + "\n"
        + "only,three,fields\n"
        + good("B")
        + "\r\n"  # a CRLF line among LF lines
        + good("C").encode().decode()
        + "\n"
    )
    (folder / "contacts.csv").write_bytes(text.encode() + b"D,\xff\xfe,broken\n")
    report = ingest_path(folder, tmp_path / "ws")
    t = report.tables["contacts"]
    assert (t.rows_read, t.accepted, t.rejected) == (5, 3, 2)
    found = rejects(tmp_path / "ws", t.rejects_file)
    assert [(r["line"], r["code"]) for r in found] == [("3", "R001"), ("6", "R002")]


def test_missing_required_column_fails_the_delivery_and_changes_nothing(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest_path(write(tmp_path / "ok", [good("A")]), ws)
    before = (ws / "CURRENT").read_text()
    header = HEADER.replace("queue,", "")
    row = good("B").replace(",members,", ",")
    with pytest.raises(DeliveryError) as info:
        ingest_path(write(tmp_path / "bad", [row], header=header), ws)
    assert [(d.code, d.field) for d in info.value.diagnostics] == [("D001", "queue")]
    assert (ws / "CURRENT").read_text() == before


def test_unknown_table_file_is_a_delivery_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "d", [good("A")], name="contact.csv")
    with pytest.raises(DeliveryError) as info:
        ingest_path(folder, tmp_path / "ws")
    assert info.value.diagnostics[0].code == "D003"
    assert not (tmp_path / "ws" / "CURRENT").exists()


def test_duplicates_conflicts_and_replay(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    rows = [good("A"), good("B"), good("A"), good("B", talk="99"), good("C")]
    first = ingest_path(write(tmp_path / "d1", rows), ws).tables["contacts"]
    # A repeated exactly: duplicate; B again with other talk_s: conflict (first row wins)
    assert (first.rows_read, first.accepted, first.duplicates, first.rejected) == (5, 3, 1, 1)
    found = rejects(ws, first.rejects_file)
    assert [(r["line"], r["code"], r["field"]) for r in found] == [("5", "R301", "talk_s")]
    assert "line 3" in found[0]["reason"]
    with open_source(ws) as src:
        table = src.read_table("contacts")
        assert sorted(table.column("contact_id").to_pylist()) == ["A", "B", "C"]
        assert table.filter(pa.compute.equal(table["contact_id"], "B"))["talk_s"][0].as_py() == 250
        fingerprint = src.fingerprint("contacts")
    replay = ingest_path(write(tmp_path / "d1", rows), ws).tables["contacts"]
    assert (replay.rows_read, replay.accepted, replay.duplicates, replay.rejected) == (5, 0, 4, 1)
    with open_source(ws) as src:
        assert src.fingerprint("contacts") == fingerprint
        assert src.rejected == {"contacts": 1}  # the replayed file's rejects count once


def test_cross_delivery_conflict_and_replace_keeps_history(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest_path(write(tmp_path / "d1", [good("A"), good("B")]), ws)
    changed = [good("A", talk="111"), good("B")]
    conflict = ingest_path(write(tmp_path / "d2", changed), ws).tables["contacts"]
    assert (conflict.accepted, conflict.rejected, conflict.duplicates) == (0, 1, 1)
    assert rejects(ws, conflict.rejects_file)[0]["code"] == "R302"
    replaced = ingest_path(write(tmp_path / "d2", changed), ws, replace=True).tables["contacts"]
    assert (replaced.accepted, replaced.replaced, replaced.duplicates) == (1, 1, 1)
    with open_source(ws) as src:
        table = src.read_table("contacts").sort_by("contact_id")
        assert table.column("talk_s").to_pylist() == [111.0, 250.0]
        history = src.read_table("contacts_history")
        assert history.column("contact_id").to_pylist() == ["A"]
        assert history.column("talk_s").to_pylist() == [250.0]


def test_replace_moves_a_contact_to_another_month(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest_path(write(tmp_path / "d1", [good("A"), good("B")]), ws)
    moved = good("A").replace("2027-01-05", "2027-02-05")
    ingest_path(write(tmp_path / "d2", [moved]), ws, replace=True)
    with open_source(ws) as src:
        parts = {Path(f).parent.name: f for f in src.parquet_files("contacts")}
        assert set(parts) == {"month=2027-01", "month=2027-02"}
        jan = pa.parquet.read_table(parts["month=2027-01"])
        assert jan.column("contact_id").to_pylist() == ["B"]
        assert src.read_table("contacts").num_rows == 2


def test_partitions_are_sorted_by_customer_then_offered(tmp_path: Path) -> None:
    rows = []
    for i, (customer, minute) in enumerate([("K2", 5), ("K1", 9), ("K2", 1), ("", 3), ("K1", 2)]):
        rows.append(
            good(f"X{i}")
            .replace(",K1,", f",{customer},")
            .replace("09:00:00-06:00", f"09:0{minute}:00-06:00")
            .replace("09:00:20-06:00", "09:10:00-06:00")
            .replace("09:05:00-06:00", "09:20:00-06:00")
        )
    ingest_path(write(tmp_path / "d", rows), tmp_path / "ws")
    with open_source(tmp_path / "ws") as src:
        (file,) = src.parquet_files("contacts")
        table = pa.parquet.read_table(file)
    pairs = list(
        zip(table["customer_id"].to_pylist(), table["offered_at"].to_pylist(), strict=True)
    )
    keyed = [(c is None, c or "", t) for c, t in pairs]
    assert keyed == sorted(keyed)
    assert table.schema.field("offered_at").type == pa.timestamp("us", tz="UTC")


def test_accounting_never_drops_a_row(tmp_path: Path) -> None:
    rows = [good(f"N{i}") for i in range(30)] + [r for r, _, _ in FAULTS] + [good("N1")]
    t = ingest_path(write(tmp_path / "d", rows), tmp_path / "ws").tables["contacts"]
    assert t.rows_read == len(rows)
    assert t.accepted + t.rejected + t.duplicates == t.rows_read


def test_open_source_on_a_raw_folder_applies_ingest_rules(tmp_path: Path) -> None:
    folder = write(tmp_path / "d", [good("A"), FAULTS[0][0].replace("C1,", "Z,"), good("B")])
    with open_source(folder) as src:
        assert src.kind == "folder"
        assert src.rejected == {"contacts": 1}
        assert src.read_table("contacts").num_rows == 2
        assert src.has_table("contacts")
        assert not src.has_table("surveys")
        tmp_files = src.parquet_files("contacts")
    assert not Path(tmp_files[0]).exists()  # the temporary copy is removed on close


def test_canonical_schema_on_disk(tmp_path: Path) -> None:
    ingest_path(write(tmp_path / "d", [good("A")]), tmp_path / "ws")
    with open_source(tmp_path / "ws") as src:
        table = src.read_table("contacts")
    assert table.schema.equals(arrow_schema("contacts"), check_metadata=False)


def test_surveys_ranges_and_parquet_input(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    header = "contact_id,responded_at,csat,nps,ces"
    rows = [
        "A,2027-01-06T10:00:00Z,5,10,1",
        "B,2027-01-06T10:00:00Z,6,,",
        "C,2027-01-06T10:00:00Z,,11,",
    ]
    rows += ["D,2027-01-06T10:00:00Z,,,0", "E,2027-01-06T10:00:00Z,4.5,,"]
    write(folder, rows, name="surveys.csv", header=header)
    table = pa.table(
        {
            "evaluation_id": ["E1", "E2"],
            "contact_id": ["A", "B"],
            "agent_id": ["A1", "A1"],
            "evaluated_at": pa.array([1_800_000_000_000_000] * 2, pa.timestamp("us", tz="UTC")),
            "score": [88.5, 101.0],
        }
    )
    pa.parquet.write_table(table, folder / "qa_evaluations.parquet")
    report = ingest_path(folder, tmp_path / "ws")
    found = rejects(tmp_path / "ws", report.tables["surveys"].rejects_file)
    assert [(r["line"], r["code"], r["field"]) for r in found] == [
        ("3", "R107", "csat"),
        ("4", "R107", "nps"),
        ("5", "R107", "ces"),
        ("6", "R102", "csat"),
    ]
    qa = rejects(tmp_path / "ws", report.tables["qa_evaluations"].rejects_file)
    assert [(r["line"], r["code"], r["field"]) for r in qa] == [("2", "R107", "score")]
    assert json.loads(qa[0]["row"])["evaluation_id"] == "E2"


def test_naive_parquet_timestamps_fail_the_delivery(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    table = pa.table(
        {
            "contact_id": ["A"],
            "responded_at": pa.array([1_800_000_000_000_000], pa.timestamp("us")),
        }
    )
    pa.parquet.write_table(table, folder / "surveys.parquet")
    with pytest.raises(DeliveryError) as info:
        ingest_path(folder, tmp_path / "ws")
    assert info.value.diagnostics[0].code == "D004"


def test_cli_json_shape_and_exit_codes(tmp_path: Path) -> None:
    _register()
    folder = write(tmp_path / "d", [good("A"), FAULTS[0][0]])
    ws = str(tmp_path / "ws")
    result = CliRunner().invoke(app, ["ingest", str(folder), "--workspace", ws, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["contacts"]["accepted"] == 1
    assert data["contacts"]["rejected"] == 1
    assert data["contacts"]["duplicates"] == 0
    assert Path(data["contacts"]["rejects_file"]).exists()
    # a path that does not exist and a format not listed are usage errors, the option named
    missing = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope"), "--workspace", ws])
    assert missing.exit_code == 2
    assert "'path'" in missing.output
    unknown = CliRunner().invoke(app, ["ingest", str(folder), "-w", ws, "--from", "avaya"])
    assert unknown.exit_code == 2
    assert "'--from'" in unknown.output


def test_every_code_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "interchange.md").read_text(encoding="utf-8")
    for code in [*ROW_CODES, *DELIVERY_CODES]:
        assert f"`{code}`" in docs, code


def test_write_derived_replaces_atomically_and_per_partition(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    ws = Workspace(tmp_path / "ws")

    def verdicts(ids: list[str], judgement: str, period: str) -> pa.Table:
        return pa.Table.from_pylist(
            [
                {
                    "feedback_id": i,
                    "agent_id": "A1",
                    "contact_id": "C" + i,
                    "judgement": judgement,
                    "score": 0.9,
                    "reason": "",
                    "audited_at": datetime(2027, 2, 1, tzinfo=UTC),
                    "period": period,
                    "extra": 1,
                }
                for i in ids
            ]
        )

    ws.write_derived(
        "verbatim_judgements",
        verdicts(["F1", "F2"], "faithful", "2027-01"),
        partition="period=2027-01",
    )
    ws.write_derived(
        "verbatim_judgements", verdicts(["F3"], "distorted", "2027-02"), partition="period=2027-02"
    )
    ws.write_derived(
        "verbatim_judgements",
        verdicts(["F1"], "paraphrased", "2027-01"),
        partition="period=2027-01",
    )
    with open_source(tmp_path / "ws") as src:
        table = src.read_table("verbatim_judgements").sort_by("feedback_id")
    assert table.column("feedback_id").to_pylist() == ["F1", "F3"]
    assert table.column("judgement").to_pylist() == ["paraphrased", "distorted"]
    assert "extra" not in table.column_names
    with pytest.raises(ValueError, match="not in"):
        ws.write_derived("verbatim_judgements", verdicts(["F9"], "great", "2027-01"))
    with pytest.raises(ValueError, match="ingest"):
        ws.write_derived("contacts", verdicts(["F9"], "faithful", "2027-01"))


def test_fingerprint_is_order_independent_and_matches_an_independent_computation(
    tmp_path: Path,
) -> None:
    import hashlib

    rows = [good("A"), good("B", talk="12.5"), GOOD.replace("C1,", "C,").replace(",K1,", ",,")]
    ingest_path(write(tmp_path / "d1", rows), tmp_path / "ws1")
    ingest_path(write(tmp_path / "d2", rows[::-1]), tmp_path / "ws2")
    with open_source(tmp_path / "ws1") as one, open_source(tmp_path / "ws2") as two:
        assert one.fingerprint("contacts") == two.fingerprint("contacts")
        table = one.read_table("contacts")

    # independent: the documented canonical text, in Python
    def text(value: object, kind: str) -> str:
        if value is None:
            return "~"
        if kind == "ts":
            rendered = str(int(value.timestamp() * 1_000_000))  # type: ignore[attr-defined]
        elif kind == "num":
            rendered = str(round(float(value) * 1_000_000))  # type: ignore[arg-type]
        elif kind == "bool":
            rendered = "true" if value else "false"
        else:
            rendered = str(value)
        return f"{len(rendered.encode())}:{rendered}"

    kinds = {
        "offered_at": "ts",
        "answered_at": "ts",
        "ended_at": "ts",
        "talk_s": "num",
        "hold_s": "num",
        "acw_s": "num",
        "transferred": "bool",
    }
    digests = sorted(
        hashlib.sha256(
            "".join(text(r[c], kinds.get(c, "str")) for c in table.column_names).encode()
        ).hexdigest()
        for r in table.to_pylist()
    )
    expected = hashlib.sha256(
        ("callpact-table-v1\ncontacts\n" + "".join(d + "\n" for d in digests)).encode()
    ).hexdigest()
    with open_source(tmp_path / "ws1") as one:
        assert one.fingerprint("contacts") == expected
        assert (
            one.fingerprint("surveys")
            == hashlib.sha256(b"callpact-table-v1\nsurveys\n").hexdigest()
        )


def test_docs_describe_every_table_and_column() -> None:
    from callpact.data.schema import TABLES

    docs = (Path(__file__).parents[2] / "docs" / "interchange.md").read_text(encoding="utf-8")
    for name, table in TABLES.items():
        section = docs.split(f"### {name}\n", 1)
        assert len(section) == 2, name
        body = section[1].split("\n### ", 1)[0]
        for column in table.names:
            assert f"| {column} |" in body, f"{name}.{column}"


def test_replace_that_empties_a_month_removes_it(tmp_path: Path) -> None:
    """The only January contact moves to February: January must not keep the old version."""
    ws = tmp_path / "ws"
    feb = good("B").replace("2027-01-05", "2027-02-07")
    ingest_path(write(tmp_path / "d1", [good("A"), feb]), ws)
    moved = good("A").replace("2027-01-05", "2027-02-05")
    report = ingest_path(write(tmp_path / "d2", [moved]), ws, replace=True)
    assert report.tables["contacts"].replaced == 1
    with open_source(ws) as src:
        assert {Path(f).parent.name for f in src.parquet_files("contacts")} == {"month=2027-02"}
        table = src.read_table("contacts").sort_by("contact_id")
        assert table.column("contact_id").to_pylist() == ["A", "B"]
        assert {t.month for t in table.column("offered_at").to_pylist()} == {2}
        assert src.read_table("contacts_history").column("contact_id").to_pylist() == ["A"]


def test_partitions_stay_whole_and_sorted_across_write_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches cut mid-month (3 rows each): every month is one file, complete and sorted."""
    import callpact.data.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "WRITE_BATCH_ROWS", 3)
    rows, expected = [], {}
    for i in range(40):
        month, day, customer = 1 + i % 3, 1 + (i * 7) % 27, f"K{(i * 13) % 5}"
        rows.append(
            good(f"X{i}")
            .replace("2027-01-05", f"2027-0{month}-{day:02d}")
            .replace(",K1,", f",{customer},")
        )
        expected.setdefault(f"month=2027-0{month}", set()).add(f"X{i}")
    report = ingest_path(write(tmp_path / "d", rows), tmp_path / "ws")
    assert report.tables["contacts"].accepted == 40
    with open_source(tmp_path / "ws") as src:
        files = src.parquet_files("contacts")
        assert sorted(Path(f).parent.name for f in files) == sorted(expected)
        for file in files:
            table = pa.parquet.read_table(file)
            assert set(table.column("contact_id").to_pylist()) == expected[Path(file).parent.name]
            keyed = list(
                zip(table["customer_id"].to_pylist(), table["offered_at"].to_pylist(), strict=True)
            )
            assert keyed == sorted(keyed)
        manifest = Workspace(tmp_path / "ws").current()
        assert manifest is not None
        rows_by_part = manifest.tables["contacts"]["rows"]
        assert rows_by_part == {p: len(ids) for p, ids in expected.items()}


def test_a_key_repeated_in_the_delivery_and_stored(tmp_path: Path) -> None:
    """Stored A; delivery A (as stored), A (changed), B, B: the first A is a duplicate of the
    stored row, the changed A conflicts with the first A (R301), the second B repeats the first."""
    ws = tmp_path / "ws"
    ingest_path(write(tmp_path / "d1", [good("A")]), ws)
    rows = [good("A"), good("A", talk="99"), good("B"), good("B")]
    report = ingest_path(write(tmp_path / "d2", rows), ws)
    t = report.tables["contacts"]
    assert (t.rows_read, t.accepted, t.duplicates, t.rejected) == (4, 1, 2, 1)
    (fault,) = rejects(ws, t.rejects_file)
    assert (fault["line"], fault["code"], fault["field"]) == ("3", "R301", "talk_s")
    assert "line 2" in fault["reason"]
    with open_source(ws) as src:
        table = src.read_table("contacts").sort_by("contact_id")
        assert table.column("contact_id").to_pylist() == ["A", "B"]
        assert table.column("talk_s").to_pylist() == [250.0, 250.0]
