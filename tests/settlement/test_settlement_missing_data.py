# ruff: noqa: E501  (a CSV fixture reads best on one line)
"""A month whose data was not delivered never settles silently: each KPI without its source
table is named ("no surveys delivered for 2027-03"), and the annex's ``missing_data`` rule says
what follows: ``hold`` (the default) keeps the statement in draft, ``missed`` charges the KPI's
deepest credit tier, ``not_measurable`` says so on the line.

The delivery is March's contacts and incidents only, on the example annex (fee 60,000, at-risk
pool 12 % = 7,200): csat (surveys) and qa (qa_evaluations) each pay 10 % of the pool at their
deepest and only tier = 720.00, verbatim (feedback) 5 % = 360.00.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app

ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
CONTACTS = """contact_id,channel,direction,queue,offered_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition
c1,voice,inbound,members,2027-03-02T09:00:00-06:00,2027-03-02T09:00:10-06:00,2027-03-02T09:05:10-06:00,240,30,30,a1,u1,false,
c2,voice,inbound,members,2027-03-03T09:00:00-06:00,,2027-03-03T09:01:00-06:00,,,,,u2,false,
"""
UNDELIVERED = {"csat": "surveys", "qa": "qa_evaluations", "verbatim": "feedback"}

runner = CliRunner()
_register()


def _settle(tmp_path: Path, rule: str | None) -> tuple[Any, dict[str, Any]]:
    text = ANNEX.read_text("utf-8")
    if rule is not None:
        assert "\n  cure:\n" in text
        text = text.replace("\n  cure:\n", f"\n  missing_data: {rule}\n  cure:\n", 1)
    (tmp_path / "annex.yaml").write_text(text, "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    out = tmp_path / "march.json"
    result = runner.invoke(app, [
        "settle", str(tmp_path / "annex.yaml"), "--data", str(data), "--period", "2027-03",
        "--format", "json", "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return result, json.loads(out.read_text("utf-8"))


def _credit(statement: dict[str, Any], kpi_id: str) -> dict[str, Any]:
    [line] = [ln for ln in statement["lines"] if ln["kpi_id"] == kpi_id]
    return line


def test_each_undelivered_kpi_is_named_with_its_table(tmp_path: Path) -> None:
    _, statement = _settle(tmp_path, "not_measurable")
    assert {u["kpi_id"]: u["table"] for u in statement["undelivered"]} == UNDELIVERED
    assert {u["message"] for u in statement["undelivered"]} == {
        f"no {table} delivered for 2027-03" for table in UNDELIVERED.values()
    }
    for kpi, table in UNDELIVERED.items():
        line = _credit(statement, kpi)
        assert line["amount"] == "0.00"
        assert f"no {table} delivered for 2027-03: not measurable" in line["reason"]
    assert statement["held"] == []


def test_missed_charges_the_deepest_tier(tmp_path: Path) -> None:
    _, statement = _settle(tmp_path, "missed")
    amounts = {kpi: _credit(statement, kpi)["amount"] for kpi in UNDELIVERED}
    assert amounts == {"csat": "720.00", "qa": "720.00", "verbatim": "360.00"}
    reason = _credit(statement, "csat")["reason"]
    assert reason.startswith(
        "CSAT: no surveys delivered for 2027-03; the annex counts it as missed"
    )
    assert "tier 1: 10 % of the at-risk pool" in reason
    assert {
        k["kpi_id"]: k["status"] for k in statement["kpis"] if k["kpi_id"] in UNDELIVERED
    } == dict.fromkeys(UNDELIVERED, "missed")


@pytest.mark.parametrize("rule", [None, "hold"])
def test_hold_keeps_the_statement_in_draft_and_says_why(tmp_path: Path, rule: str | None) -> None:
    result, statement = _settle(tmp_path, rule)  # the annex silent: hold
    diagnostics = json.loads(result.output)["diagnostics"]
    [warning] = [d for d in diagnostics if d["code"] == "SET008"]
    assert warning["severity"] == "warning"
    assert "held in draft (missing_data: hold)" in warning["message"]
    assert len(statement["held"]) == 3
    assert "csat: no surveys delivered for 2027-03" in statement["held"]
    assert _credit(statement, "csat")["amount"] == "0.00"


def test_an_exclusion_without_its_table_is_named_not_a_silent_zero(tmp_path: Path) -> None:
    result, statement = _settle(tmp_path, "not_measurable")
    # the example's service level excludes declared outages, volume above the forecast and
    # trainees in their exemption: March delivered none of outages, forecast or agents
    owed = [
        f"sl-voice: the {kind} exclusion reads the {table} table, and no {table} was "
        "delivered for 2027-03: nothing was excluded for it"
        for kind, table in (
            ("volume_above_forecast", "forecast"),
            ("trainees_in_exemption", "agents"),
        )
    ]
    # a month without outages is the usual month: said on the statement, not warned of
    assert statement["exclusion_gaps"] == [
        "sl-voice: no outage declared for 2027-03: none excluded",
        *owed,
    ]
    warned = [
        d["message"] for d in json.loads(result.output)["diagnostics"] if d["code"] == "SET010"
    ]
    assert warned == owed
