"""The governance CLI end to end on a SQLite file: seed, list as of a date, permissions, import
diagnostics, decisions export, and `audit verify` catching a change made with raw SQL."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from governance_world import signed_in_token
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.clock import frozen_clock
from callpact.governance import models

EXAMPLE = Path(__file__).resolve().parents[2] / "examples"
AS_OF = "2027-04-15T12:00:00-05:00"


def _annex() -> Path:
    return EXAMPLE / "annex.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    _register()
    db = tmp_path / "governance.db"
    monkeypatch.setenv("CALLPACT_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("CALLPACT_CHEAP_PASSWORD_HASH", "1")
    monkeypatch.setenv("CALLPACT_CONTRACT", "northwind-harbor-2027")
    monkeypatch.setenv("CALLPACT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CALLPACT_TOKEN", raising=False)
    runner = CliRunner()
    tokens: dict[str, str] = {}

    def invoke(*args: str, user: str | None = "viewer@northwind.example"):  # type: ignore[no-untyped-def]
        if user and user not in tokens:
            tokens[user] = signed_in_token(user)
        if user is None:  # nobody signed in: no token and an empty config folder
            return runner.invoke(app, list(args), env={"CALLPACT_CONFIG_DIR": str(tmp_path)})
        return runner.invoke(app, list(args), env={"CALLPACT_TOKEN": tokens[user]})

    result = invoke("governance", "seed", "--contract", str(_annex()), user=None)
    assert result.exit_code == 0, result.output
    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def test_seeded_history_reads_as_the_demo_promises(cli) -> None:  # type: ignore[no-untyped-def]
    removals = json.loads(cli("removal", "list", "--as-of", AS_OF, "--format", "json").output)
    assert [r["overdue"] for r in removals] == [False, True]
    sessions = json.loads(cli("training", "list", "--format", "json").output)
    assert [(s["passed"], s["verdict"]) for s in sessions] == [("2 of 3", "inconclusive")]
    incidents = json.loads(cli("incident", "list", "--as-of", AS_OF, "--format", "json").output)
    assert [(i["status"], i["liability"]) for i in incidents] == [
        ("on_time", "0"),
        ("late", "250"),
        ("unreported", "1000"),
    ]
    measures = json.loads(cli("aht-plan", "list", "--as-of", AS_OF, "--format", "json").output)
    # the amendment of 2027-07-01 adds callback-offer (due 2027-08-31) to the plan
    assert {m["measure"]: m["overdue"] for m in measures} == {
        "kb-search": False,
        "acw-macros": True,
        "callback-offer": False,
    }
    documents = json.loads(cli("document", "list", "--as-of", AS_OF, "--format", "json").output)
    assert {d["document"]: d["status"] for d in documents} == {
        "incident-procedure": "submitted",
        "staff-requirements": "submitted_late",
        "training-evaluation-rules": "overdue",
    }
    notices = json.loads(cli("notice", "list", "--as-of", AS_OF, "--format", "json").output)
    assert [(n["kpi"], n["state"], n["cure_ends_on"]) for n in notices] == [
        # January's breach, noticed 2027-02-03, granted the 4th for 30 days, extended by 15
        ("sl-voice", "cure_period_over", "2027-03-20")
    ]
    records = json.loads(cli("incident", "records", "--month", "2027-02").output)
    assert [r["incident_id"] for r in records] == ["INC-0001", "INC-0002"]
    assert set(records[0]) == {
        "incident_id",
        "category",
        "severity",
        "occurred_at",
        "detected_at",
        "reported_at",
    }
    verified = cli("audit", "verify", "--format", "json", user="auditor@northwind.example")
    report = json.loads(verified.output)
    assert verified.exit_code == 0
    assert report["ok"]
    with sqlite3.connect(cli.db) as connection:
        rows = sum(
            connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name, table in models.Base.metadata.tables.items()
            if name != "audit_log" and table.info.get("audit") != "events"
        )
    assert report["records_checked"] == rows > 80  # every record compared with the trail


def test_decisions_export_is_a_file_settlement_can_read(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "decisions.json"
    result = cli("notice", "export", "--output", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "callpact.cure-decisions/1"
    [notice] = data["notices"]
    assert (notice["kpi_id"], notice["month"], notice["state"]) == (
        "sl-voice",
        "2027-01",
        "cure_period_over",
    )
    # the local day of each record, the day settlement counts the cure period from
    assert notice["issued_on"] == "2027-02-03"
    assert [(d["decision"], d["decided_on"]) for d in notice["decisions"]] == [
        ("grant", "2027-02-04"),
        ("extend", "2027-02-25"),
    ]


def test_permission_refusal_names_who_what_why(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("removal", "request", "A001", "--reason", "x")
    assert result.exit_code == 3
    assert "viewer@northwind.example (client_viewer at Northwind Health Plan)" in result.output
    assert "allowed roles: client_admin" in result.output
    assert cli("staff", "list").exit_code == 0
    nobody = cli("staff", "list", user=None)
    assert nobody.exit_code == 3  # nobody signed in
    assert "callpact login" in nobody.output


def test_incident_import_prints_located_diagnostics(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "incidents.csv"
    bad.write_text(
        "incident_id,category,severity,occurred_at,detected_at,reported_at\n"
        "X-1,safety,minor,2027-03-01T10:00:00,,\n",
        encoding="utf-8",
    )
    result = cli("incident", "import", str(bad), user="manager@harbor.example")
    assert result.exit_code == 1
    # the data layer's reading: file, line and column of the field, and what was expected
    assert f"{bad}:2:4: error[R104]: '2027-03-01T10:00:00' has no UTC offset" in result.output


def test_audit_verify_catches_raw_sql_changes(cli) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(cli.db) as connection:
        connection.execute(
            "UPDATE incidents SET reported_at = detected_at WHERE incident_ref = 'INC-0003'"
        )
    result = cli("audit", "verify", user="auditor@northwind.example")
    assert result.exit_code == 1
    assert "changed-unaudited: incidents" in result.output
    assert "reported_at" in result.output


def test_verify_knows_every_table_without_the_caller_importing_them() -> None:
    # In a fresh interpreter, importing the audit service alone must register all tables.
    code = (
        "from callpact.governance.audit.service import verify\n"
        "from callpact.governance.database import Base\n"
        "print(len(Base.metadata.tables))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(models.Base.metadata.tables) == 27


def test_aht_trajectory_measures_actual_aht_with_the_kpi_engine(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path
) -> None:
    data = tmp_path / "delivery"
    data.mkdir()
    # aht-voice covers voice only: AHT = mean(talk + hold + acw) of answered voice contacts.
    (data / "contacts.csv").write_text(
        "contact_id,channel,queue,offered_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id\n"
        "C1,voice,members,2027-01-05T10:00:00-06:00,2027-01-05T10:00:10-06:00,"
        "2027-01-05T10:06:10-06:00,300,60,40,A1\n"
        "C2,voice,members,2027-01-06T10:00:00-06:00,2027-01-06T10:00:20-06:00,"
        "2027-01-06T10:03:40-06:00,200,0,100,A2\n"
        "C3,chat,members-chat,2027-01-06T11:00:00-06:00,2027-01-06T11:00:05-06:00,"
        "2027-01-06T11:20:05-06:00,1000,0,0,A3\n"
        "C4,voice,members,2027-01-07T10:00:00-06:00,,2027-01-07T10:02:00-06:00,,,,\n"
        # offered on 31 January in Chicago although 1 February in UTC: January's
        "C5,voice,members,2027-01-31T23:00:00-06:00,2027-01-31T23:00:05-06:00,"
        "2027-02-01T00:10:05-06:00,600,0,0,A1\n"
    )
    result = cli(
        "aht-plan", "trajectory", "--data", str(data), "--annex", str(_annex()),
        "--month", "2027-01", "--month", "2027-02", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    points = {p["month"]: p for p in json.loads(result.stdout)}
    assert points["2027-01"]["actual_s"] == round((400 + 300 + 600) / 3, 1)  # shown to 0.1 s
    assert points["2027-02"]["actual_s"] is None  # no voice contact offered in February
    assert points["2027-01"]["gap_s"] == pytest.approx(
        points["2027-01"]["actual_s"] - points["2027-01"]["target_s"], abs=0.11
    )


def test_a_backdated_answer_is_late_until_the_client_accepts_the_claim(cli) -> None:  # type: ignore[no-untyped-def]
    """The seeded request of 2027-04-06 (answer due the 11th), answered on the 20th "as of the
    8th": late on the record until the client accepts the stated moment."""
    runner = CliRunner()

    def at_noon_on_the_20th(*args: str, user: str) -> Any:
        with frozen_clock(datetime(2027, 4, 20, 17, tzinfo=UTC)):
            return runner.invoke(app, list(args), env={"CALLPACT_TOKEN": signed_in_token(user)})

    def answer_state() -> str:
        listed = cli("removal", "list", "--as-of", "2027-04-21T00:00:00Z", "--format", "json")
        return json.loads(listed.output)[-1]["answer"]

    request = json.loads(cli("removal", "list", "--format", "json").output)[-1]
    answered = at_noon_on_the_20th(
        "removal",
        "answer",
        str(request["id"]),
        "--response",
        "accepted",
        "--at",
        "2027-04-08T10:00:00-05:00",
        user="manager@harbor.example",
    )
    assert answered.exit_code == 0, answered.output
    assert answer_state() == "late"
    pending = json.loads(cli("claim", "list", "--status", "pending", "--format", "json").output)
    claim = next(c for c in pending if c["field"] == "responded_at")
    assert (claim["claimed_at"], claim["claimed_by"]) == (
        "2027-04-08T15:00:00+00:00",
        "manager@harbor.example",
    )
    own_side = at_noon_on_the_20th("claim", "accept", str(claim["id"]), user="admin@harbor.example")
    assert own_side.exit_code == 3, own_side.output  # the side that claimed cannot decide
    accepted = at_noon_on_the_20th(
        "claim", "accept", str(claim["id"]), user="admin@northwind.example"
    )
    assert accepted.exit_code == 0, accepted.output
    assert answer_state() == "done"
    ahead = at_noon_on_the_20th(
        "incident",
        "report",
        "INC-0003",
        "--at",
        "2027-04-21T10:00:00Z",
        user="manager@harbor.example",
    )
    assert ahead.exit_code != 0
    assert "is after the moment it is recorded" in ahead.output


def test_staff_import_is_all_or_nothing_from_the_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = "person_id,name,role,hire_date,qualifications,exam_score,exam_date\n"
    good = tmp_path / "roster.csv"
    good.write_text(
        header + "R-1,Rae,operator,2026-11-02,product_training=2026-11-20,0.9,2026-12-01\n"
        "R-2,Sam,trainer,,,,\n",
        encoding="utf-8",
    )
    refused = cli("staff", "import", str(good))  # the client's viewer may not add staff
    assert refused.exit_code == 3
    done = cli("staff", "import", str(good), "--format", "json", user="manager@harbor.example")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {
        "source": str(good),
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "ignored_columns": [],
    }
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "R-3,Tia,agent,,,,\nR-1,Rae,operator,,,1.5,2026-12-02\n", "utf-8")
    result = cli("staff", "import", str(bad), user="manager@harbor.example")
    assert result.exit_code == 1
    assert f"{bad}:2:3: error[roster.role]: role 'agent' is not a staff role" in result.output
    assert (
        f"{bad}:3:6: error[roster.score]: exam_score '1.5' is not an exam result" in result.output
    )
    assert "2 problem(s); nothing imported" in result.output
    listed = json.loads(cli("staff", "list", "--format", "json").output)
    people = {p["person_id"]: p["admission_exam"] for p in listed}
    assert people["R-1"] == "0.9"
    assert "R-3" not in people
    as_json = cli("staff", "import", str(bad), "--format", "json", user="manager@harbor.example")
    assert [(d["line"], d["code"]) for d in json.loads(as_json.output)] == [
        (2, "roster.role"),
        (3, "roster.score"),
    ]
