"""``callpact verbatim plan`` and ``audit`` end to end on a small generated feedback table."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.data.sources import open_source
from callpact.verbatim.synthetic import generate_feedback

ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
HEADER = [
    "feedback_id",
    "contact_id",
    "agent_id",
    "recorded_at",
    "recorded_text",
    "transcript_text",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rows = generate_feedback(240, agents=4, start=datetime(2027, 1, 1, tzinfo=UTC), days=31, seed=3)
    with (tmp_path / "feedback.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for r in rows:
            writer.writerow(
                [
                    r.feedback_id,
                    r.contact_id,
                    r.agent_id,
                    r.recorded_at.isoformat(),
                    r.recorded_text,
                    r.transcript_text or "",
                ]
            )
        # A row that names no operator and one whose timestamp has no offset.
        writer.writerow(["BAD1", "C9", "", "2027-01-05T10:00:00Z", "x", "y"])
        writer.writerow(["BAD2", "C9", "A000", "2027-01-05T10:00:00", "x", "y"])
    with (tmp_path / "agents.csv").open("w", newline="") as handle:
        handle.write(
            "agent_id,role,team\nA000,operator,S1\nA001,operator,S1\n"
            "A002,operator,S2\nA003,operator,S2\n"
        )
    return tmp_path


def _run(*args: str) -> str:
    _register()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_plan_counts_transcribed_items_per_operator(folder: Path) -> None:
    out = json.loads(
        _run(
            "verbatim",
            "plan",
            "--data",
            str(folder),
            "--period",
            "2027-01",
            "--tz",
            "UTC",
            "--margin",
            "0.1",
            "--format",
            "json",
        )
    )
    with (folder / "feedback.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["feedback_id"].startswith("F")]
    for line in out["agents"]:
        population = sum(
            1 for r in rows if r["agent_id"] == line["agent_id"] and r["transcript_text"]
        )
        assert line["population"] == population
        n0 = 1.959964**2 * 0.25 / 0.1**2
        expected = min(population, -(-n0 // (1 + (n0 - 1) / population)))
        assert line["sample_size"] == max(int(expected), min(10, population))


def _judgements(workspace: Path) -> pa.Table:
    with open_source(workspace) as source:
        return source.read_table("verbatim_judgements")


def test_audit_judges_the_sample_writes_it_and_summarises(folder: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    out = json.loads(
        _run(
            "verbatim",
            "audit",
            "--data",
            str(folder),
            "--workspace",
            str(workspace),
            "--period",
            "2027-01",
            "--tz",
            "UTC",
            "--sample",
            "15",
            "--seed",
            "42",
            "--format",
            "json",
        )
    )
    items = out["items"]
    by_agent: dict[str, list[str]] = {}
    for item in items:
        by_agent.setdefault(item["agent_id"], []).append(item["judgement"])
        assert item["judgement"] in {"faithful", "paraphrased", "distorted", "missing"}
    assert sorted(by_agent) == ["A000", "A001", "A002", "A003"]
    assert all(len(v) == 15 for v in by_agent.values())
    for line in out["by_agent"]:  # recomputed from the items themselves
        verdicts = by_agent[line["agent_id"]]
        assert line["audited"] == len(verdicts)
        assert line["fidelity"] == pytest.approx(
            verdicts.count("faithful") / len(verdicts), abs=1e-4
        )
        assert line["ci_low"] <= line["fidelity"] <= line["ci_high"]
    teams = {t["team"]: t["audited"] for t in out["by_team"]}
    assert teams == {"S1": 30, "S2": 30}
    # The operator-less row and the offset-less row broke the interchange rules.
    [left_out] = out["diagnostics"]
    assert left_out["code"] == "V002"
    assert left_out["message"].startswith("2 feedback row(s)")
    table = _judgements(workspace)
    assert table.num_rows == 60
    assert set(table.column_names) >= {
        "feedback_id",
        "agent_id",
        "contact_id",
        "judgement",
        "score",
        "reason",
        "audited_at",
    }
    assert str(table.schema.field("audited_at").type) == "timestamp[us, tz=UTC]"
    # Same seed, same sample; the file is replaced, not appended to.
    again = json.loads(
        _run(
            "verbatim",
            "audit",
            "--data",
            str(folder),
            "--workspace",
            str(workspace),
            "--period",
            "2027-01",
            "--tz",
            "UTC",
            "--sample",
            "15",
            "--seed",
            "42",
            "--format",
            "json",
        )
    )
    assert [i["feedback_id"] for i in again["items"]] == [i["feedback_id"] for i in items]
    assert _judgements(workspace).num_rows == 60


def test_recording_the_verdicts_needs_a_workspace(folder: Path) -> None:
    _register()
    result = CliRunner().invoke(
        app, ["verbatim", "audit", "--data", str(folder), "--period", "2027-01", "--tz", "UTC"]
    )
    assert result.exit_code == 2
    assert "--workspace" in result.output


def test_audit_table_shows_worst_examples(folder: Path) -> None:
    out = _run(
        "verbatim",
        "audit",
        "--data",
        str(folder),
        "--period",
        "2027-01",
        "--tz",
        "UTC",
        "--sample",
        "all",
        "--no-write",
    )
    assert "Fidelity per operator" in out
    assert "Least faithful items" in out
    assert not (folder / "verbatim_judgements").exists()


def test_period_follows_the_contact_in_the_contract_time_zone(tmp_path: Path) -> None:
    # Recorded on 1 Feb UTC, but the contact was offered on 31 Jan in Chicago.
    (tmp_path / "feedback.csv").write_text(
        ",".join(HEADER) + "\nF1,C1,A1,2027-02-01T03:00:00Z,the app crashes,the app crashes\n"
    )
    (tmp_path / "contacts.csv").write_text(
        "contact_id,channel,queue,offered_at,ended_at\n"
        "C1,voice,q,2027-02-01T02:00:00Z,2027-02-01T02:10:00Z\n"
    )
    jan = json.loads(
        _run(
            "verbatim",
            "audit",
            "--data",
            str(tmp_path),
            "--period",
            "2027-01",
            "--tz",
            "America/Chicago",
            "--no-write",
            "--format",
            "json",
        )
    )
    assert [i["feedback_id"] for i in jan["items"]] == ["F1"]
    feb = json.loads(
        _run(
            "verbatim",
            "audit",
            "--data",
            str(tmp_path),
            "--period",
            "2027-02",
            "--tz",
            "UTC",
            "--no-write",
            "--format",
            "json",
        )
    )
    assert [i["feedback_id"] for i in feb["items"]] == ["F1"]  # in UTC it is February


def test_the_month_is_the_annexs_local_month_unless_told(tmp_path: Path) -> None:
    # Offered 31 Jan 20:00 in Chicago (the example annex's zone), 1 Feb 02:00 UTC.
    (tmp_path / "feedback.csv").write_text(
        ",".join(HEADER) + "\nF1,C1,A1,2027-02-01T03:00:00Z,the app crashes,the app crashes\n"
    )
    (tmp_path / "contacts.csv").write_text(
        "contact_id,channel,queue,offered_at,ended_at\n"
        "C1,voice,q,2027-02-01T02:00:00Z,2027-02-01T02:10:00Z\n"
    )
    common = ["verbatim", "audit", "--data", str(tmp_path), "--no-write", "--format", "json"]
    jan = json.loads(_run(*common, "--period", "2027-01", "--contract", str(ANNEX)))
    assert [i["feedback_id"] for i in jan["items"]] == ["F1"]
    _register()
    unzoned = CliRunner().invoke(app, [*common, "--period", "2027-01"])
    assert unzoned.exit_code == 2
    assert "--contract" in unzoned.output


@pytest.mark.parametrize("note", ["", "-", "n/a", ".", "N/A"])
def test_an_empty_note_is_kept_and_judged_missing(tmp_path: Path, note: str) -> None:
    """An operator who writes nothing must not raise their own fidelity by it: the empty note
    is audited, judged `missing`, counted in the operator's and team's denominators and shown
    among the least faithful items."""
    said = "the engineer never came and I waited all day at home"
    lines = [",".join(HEADER)]
    for n in range(4):  # A1 writes the customer's words four times, and nothing once
        lines.append(f"F{n},C{n},A1,2027-01-0{n + 1}T10:00:00Z,{said},{said}")
    lines.append(f"F9,C9,A1,2027-01-09T10:00:00Z,{note},{said}")
    (tmp_path / "feedback.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "agents.csv").write_text("agent_id,role,team\nA1,operator,S1\n")
    workspace = tmp_path / "ws"
    ingested = CliRunner().invoke(app, ["ingest", str(tmp_path), "-w", str(workspace)])
    assert "F9" not in (ingested.output or ""), ingested.output
    with open_source(workspace) as source:
        stored = source.read_table("feedback").column("feedback_id").to_pylist()
    assert "F9" in stored  # kept, not rejected
    out = json.loads(
        _run(
            "verbatim",
            "audit",
            "--data",
            str(workspace),
            "--period",
            "2027-01",
            "--tz",
            "UTC",
            "--sample",
            "all",
            "--no-write",
            "--format",
            "json",
        )
    )
    verdicts = {i["feedback_id"]: i["judgement"] for i in out["items"]}
    assert verdicts["F9"] == "missing"
    assert not out["diagnostics"]
    [operator] = out["by_agent"]
    assert (operator["audited"], operator["faithful"], operator["missing"]) == (5, 4, 1)
    assert operator["fidelity"] == pytest.approx(4 / 5, abs=1e-4)
    [team] = out["by_team"]
    assert team["audited"] == 5
    assert out["worst"][0]["feedback_id"] == "F9"  # the least faithful item shown first
    assert out["worst"][0]["judgement"] == "missing"
