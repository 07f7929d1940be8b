"""`governance register` with an amended annex, end to end on SQLite and PostgreSQL: every
version of the file is registered, and incidents, removal requests and breach notices made after
the amendment run on its terms while those before keep the old ones."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from governance_world import signed_in_token
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.clock import frozen_clock
from callpact.governance.database import make_engine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "annex.yaml"
ADMIN, MANAGER = "admin@northwind.example", "manager@harbor.example"
CLIENT, VENDOR = "Northwind Health Plan", "Harbor Contact Solutions"

# A second amendment to the example annex (which already amends the SL target and the AHT plan
# from 2027-07-01): governance terms change from 2027-10-01.
AMENDMENT = """\
  - effective_from: 2027-10-01
    note: major incidents reported faster; removal answers and cures shortened
    changes:
      contract:
        cure: {period_days: 15}
      incidents:
        notify:
          major: {within: 2h}
        liability_per_late_report: 500
      staff:
        removal_requests: {vendor_response_days: 3}
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The governance database the CLI uses (through its environment), seeded from the
    example annex."""
    if request.param == "postgres":
        factory: Callable[[], Engine] = request.getfixturevalue("postgres_schema_factory")
        engine = factory()
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        monkeypatch.setenv(
            "CALLPACT_DATABASE_URL", engine.url.render_as_string(hide_password=False)
        )
        monkeypatch.setenv("CALLPACT_DATABASE_SCHEMA", schema)
    else:
        url = f"sqlite:///{tmp_path / 'governance.db'}"
        monkeypatch.setenv("CALLPACT_DATABASE_URL", url)
        engine = make_engine(url)
    monkeypatch.setenv("CALLPACT_CHEAP_PASSWORD_HASH", "1")
    monkeypatch.setenv("CALLPACT_CONTRACT", "northwind-harbor-2027")
    monkeypatch.setenv("CALLPACT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CALLPACT_TOKEN", raising=False)
    _TOKENS.clear()
    _register()
    seeded = CliRunner().invoke(app, ["governance", "seed", "--contract", str(EXAMPLE)])
    assert seeded.exit_code == 0, seeded.output
    yield engine
    if request.param == "sqlite":
        engine.dispose()


_TOKENS: dict[tuple[str, str | None], str] = {}


def _invoke(*args: str, user: str = ADMIN, at: str | None = None) -> Any:
    """Run a command as ``user``, on a server whose clock says ``at`` (default: now): the
    moment every record it makes carries."""
    with frozen_clock(datetime.fromisoformat(at)) if at else nullcontext():
        if (user, at) not in _TOKENS:
            _TOKENS[user, at] = signed_in_token(user)
        return CliRunner().invoke(app, list(args), env={"CALLPACT_TOKEN": _TOKENS[user, at]})


def _cli(*args: str, user: str = ADMIN, at: str | None = None) -> Any:
    result = _invoke(*args, user=user, at=at)
    assert result.exit_code == 0, result.output
    return result


def _json(*args: str, user: str = ADMIN) -> Any:
    return json.loads(_cli(*args, "--format", "json", user=user).output)


def _register_amended(tmp_path: Path) -> str:
    amended = tmp_path / "annex-amended.yaml"
    amended.write_text(EXAMPLE.read_text(encoding="utf-8") + AMENDMENT, encoding="utf-8")
    return str(
        _cli(
            "governance",
            "register",
            "--contract-file",
            str(amended),
            "--client",
            CLIENT,
            "--vendor",
            VENDOR,
        ).output
    )


def _versions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT effective_from FROM governed_contract_terms t "
                "JOIN governed_contracts c ON c.id = t.contract_pk "
                "WHERE c.contract_id = 'northwind-harbor-2027' ORDER BY effective_from"
            )
        )
        return [str(day) for (day,) in rows]


def test_register_stores_every_version_of_the_annex(database: Engine, tmp_path: Path) -> None:
    # the seed registered the example annex: its base and its amendment of 2027-07-01
    assert _versions(database) == ["2027-01-01", "2027-07-01"]
    output = _register_amended(tmp_path)
    assert "3 version(s)" in output
    assert _versions(database) == ["2027-01-01", "2027-07-01", "2027-10-01"]
    auditor = "auditor@northwind.example"
    before = _json("audit", "verify", user=auditor)
    # registering the same file again adds nothing and logs nothing: the trail is as it was
    _register_amended(tmp_path)
    assert _versions(database) == ["2027-01-01", "2027-07-01", "2027-10-01"]
    report = _json("audit", "verify", user=auditor)
    assert report["ok"]
    assert (report["entries"], report["head_hash"]) == (before["entries"], before["head_hash"])


def test_rules_after_the_amendment_run_on_its_terms(database: Engine, tmp_path: Path) -> None:
    _register_amended(tmp_path)
    for incident_id, detected, reported in (
        ("SEP-1", "2027-09-28T10:00:00-05:00", "2027-09-28T13:00:00-05:00"),  # 3h of 4h
        ("OCT-1", "2027-10-05T10:00:00-05:00", "2027-10-05T13:00:00-05:00"),  # 3h of 2h
    ):
        _cli(
            "incident",
            "record",
            incident_id,
            "--category",
            "legal_threat",
            "--severity",
            "major",
            "--occurred-at",
            detected,
            "--reported-at",
            reported,
            user=MANAGER,
            at=reported,  # recorded as it is reported: no claim to accept
        )
    listed = _json("incident", "list", "--as-of", "2027-11-01T00:00:00Z")
    assert {i["incident_id"]: (i["status"], i["liability"]) for i in listed} == {
        # the seeded history, in the first quarter: the base terms
        "INC-0001": ("on_time", "0"),
        "INC-0002": ("late", "250"),
        "INC-0003": ("unreported", "1000"),
        "SEP-1": ("on_time", "0"),
        "OCT-1": ("late", "500"),
    }
    # a removal request after the amendment is due in 3 days, not 5
    asked = _cli(
        "removal", "request", "A001", "--reason", "rude to members", at="2027-10-04T14:00:00Z"
    ).output
    assert "answer due 2027-10-07T14:00:00+00:00" in asked


def test_a_notice_issued_with_at_gets_the_cure_period_in_force_then(
    database: Engine, tmp_path: Path
) -> None:
    _register_amended(tmp_path)  # cure 30 days, 15 from 2027-10-01
    issued = {
        # 23:30 in Chicago on 30 September is already 1 October in UTC: still the base terms
        "2027-08": "2027-09-30T23:30:00-05:00",
        "2027-09": "2027-10-01T00:30:00-05:00",
    }
    notice_ids = {}
    for month, at in issued.items():
        output = _cli("notice", "issue", "--kpi", "sl-voice", "--month", month, at=at).output
        notice_ids[month] = output.split()[2]  # "breach notice N issued (…)"
    # both granted on the same day, with no --days: each notice's own issue picks the period
    for notice_id in notice_ids.values():
        _cli(
            "notice",
            "decide",
            notice_id,
            "--decision",
            "grant",
            at="2027-10-06T10:00:00-05:00",
        )
    listed = {n["notice"]: n for n in _json("notice", "list", "--as-of", "2027-10-07T00:00:00Z")}
    assert {month: listed[int(nid)]["cure_ends_on"] for month, nid in notice_ids.items()} == {
        "2027-08": "2027-11-04",  # 6 October + 30 days - 1
        "2027-09": "2027-10-20",  # 6 October + 15 days - 1
    }
    # the moments of the records are the server's; a grant without days stores the period applied
    exported = json.loads(_cli("notice", "export", "--as-of", "2027-10-07T00:00:00Z").output)
    by_id = {str(n["notice_id"]): n for n in exported["notices"]}
    recorded = [by_id[nid] for nid in notice_ids.values()]
    assert [(n["issued_at"], n["decisions"][0]["days"]) for n in recorded] == [
        ("2027-10-01T04:30:00+00:00", 30),
        ("2027-10-01T05:30:00+00:00", 15),
    ]
    assert {n["decisions"][0]["decided_at"] for n in recorded} == {"2027-10-06T15:00:00+00:00"}


WITHDRAWAL = """\
  - effective_from: 2027-10-01
    note: wrap-up macros taken out of the AHT plan
    changes:
      aht_plan:
        measures:
          - {id: acw-macros, remove: true}
"""


def test_a_measure_the_amendment_removes_leaves_the_plan_from_its_date(
    database: Engine, tmp_path: Path
) -> None:
    amended = tmp_path / "annex-withdrawal.yaml"
    amended.write_text(EXAMPLE.read_text(encoding="utf-8") + WITHDRAWAL, encoding="utf-8")
    register = ("governance", "register", "--contract-file", str(amended))
    output = _cli(*register, "--client", CLIENT, "--vendor", VENDOR).output
    assert "AHT measure acw-macros withdrawn from 2027-10-01" in output

    def plan(as_of: str) -> dict[str, tuple[str, bool, str | None]]:
        listed = _json("aht-plan", "list", "--as-of", as_of)
        return {m["measure"]: (m["status"], m["overdue"], m["withdrawn_on"]) for m in listed}

    # the seeded plan: acw-macros (due 2027-03-31) under way and overdue until the amendment
    assert plan("2027-09-30T12:00:00-05:00")["acw-macros"][:2] == ("in_progress", True)
    after = plan("2027-10-01T12:00:00-05:00")
    assert after["acw-macros"] == ("withdrawn", False, "2027-10-01")
    assert after["callback-offer"][2] is None
    # the same file again: nothing more is withdrawn, the trail still verifies
    again = _cli(*register, "--client", CLIENT, "--vendor", VENDOR).output
    assert "withdrawn" not in again
    assert plan("2027-10-01T12:00:00-05:00") == after
    report = _json("audit", "verify", user="auditor@northwind.example")
    assert report["ok"]
    log = _json("audit", "log", "--entity-type", "aht_measures", user="auditor@northwind.example")
    # registering an annex is the operator's setup step, so the withdrawal is logged as theirs
    assert [(e["action"], e["actor"]) for e in log].count(("withdraw", "system:operator")) == 1


ADDITION = """\
  - effective_from: 2027-10-01
    note: side-by-side coaching added to the AHT plan
    changes:
      aht_plan:
        measures:
          - {id: qa-coaching, what: floor coaching, owner: vendor, due: 2027-12-31, expected_s: -8}
"""


def test_a_measure_the_amendment_adds_is_in_the_plan_from_its_date(
    database: Engine, tmp_path: Path
) -> None:
    """The example's 2027-07-01 amendment adds callback-offer (due 2027-08-31): not in force on
    30 June, even at 23:30 in Chicago (already July in UTC), in the plan from 1 July."""

    def plan(as_of: str) -> dict[str, tuple[str, bool, str | None]]:
        listed = _json("aht-plan", "list", "--as-of", as_of)
        return {m["measure"]: (m["status"], m["overdue"], m["effective_from"]) for m in listed}

    late_june, early_july = "2027-06-30T23:30:00-05:00", "2027-07-01T00:30:00-05:00"
    before = plan(late_june)
    assert before["callback-offer"] == ("not_yet_in_force", False, "2027-07-01")
    assert before["kb-search"][2] is None  # the first version's measures: from the start
    assert plan(early_july)["callback-offer"] == ("planned", False, "2027-07-01")
    assert plan("2027-09-01T12:00:00-05:00")["callback-offer"] == ("planned", True, "2027-07-01")

    move = ("aht-plan", "status", "callback-offer", "--status", "in_progress")
    refused = _invoke(*move, user=MANAGER, at=late_june)
    assert refused.exit_code == 1
    assert "takes effect on 2027-07-01, with the amendment effective 2027-07-01" in (refused.output)
    moved = _invoke(*move, user=MANAGER, at=early_july)
    assert moved.exit_code == 0, moved.output
    assert plan(late_june)["callback-offer"][0] == "not_yet_in_force"  # the past unchanged

    # the same file again: nothing moves, the trail still verifies
    register = ("governance", "register", "--contract-file", str(EXAMPLE))
    again = _cli(*register, "--client", CLIENT, "--vendor", VENDOR).output
    assert "in the plan from" not in again
    assert plan(late_june) == before

    # a later amendment adding a measure: register names it with its date, the plan waits
    amended = tmp_path / "annex-addition.yaml"
    amended.write_text(EXAMPLE.read_text(encoding="utf-8") + ADDITION, encoding="utf-8")
    added = _cli(
        "governance",
        "register",
        "--contract-file",
        str(amended),
        "--client",
        CLIENT,
        "--vendor",
        VENDOR,
    ).output
    assert "AHT measure qa-coaching in the plan from 2027-10-01 (added by the amendment)" in added
    assert plan("2027-09-30T23:30:00-05:00")["qa-coaching"][:2] == ("not_yet_in_force", False)
    assert plan("2027-10-01T00:30:00-05:00")["qa-coaching"][:2] == ("planned", False)
    report = _json("audit", "verify", user="auditor@northwind.example")
    assert report["ok"]
