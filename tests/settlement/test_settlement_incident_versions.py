"""An amendment that changes the incident protocol: each incident is judged on the version in
force on the local day it was detected, as governance judges it, even when its deadline (and so
its statement) falls after the amendment.

The example annex amended from 2027-03-01: a case never reported costs 2,000 (was 1,000).
Incident o1, critical, detected Sunday 28 February 23:30 in Chicago and never reported, is due
1 March 00:30 and so lands on March's statement, at the old 1,000; n1, detected 10 March and
never reported, costs the new 2,000.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.settlement.service import AnnexContract

EXAMPLE = Path(__file__).parents[2] / "examples" / "annex.yaml"
AMENDMENT = """amendments:
  - effective_from: 2027-03-01
    note: a case never reported costs more
    changes:
      incidents:
        liability_per_unreported_case: 2000
"""
RESULTS = {
    month: {
        "sl-voice": {"status": "met", "value": "0.81", "sample": 5000},
        "abandon-voice": {"status": "met", "value": "0.04", "sample": 5000},
    }
    for month in ("2027-01", "2027-02", "2027-03")
}
INCIDENTS = [
    {"incident_id": "o1", "category": "safety", "severity": "critical",
     "occurred_at": "2027-02-28T23:30:00-06:00", "detected_at": "2027-02-28T23:30:00-06:00",
     "reported_at": None},
    {"incident_id": "n1", "category": "safety", "severity": "critical",
     "occurred_at": "2027-03-10T10:00:00-06:00", "detected_at": "2027-03-10T10:00:00-06:00",
     "reported_at": None},
]  # fmt: skip
runner = CliRunner()
_register()


@pytest.fixture
def case(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count("amendments:\n") == 1
    (tmp_path / "annex.yaml").write_text(text.replace("amendments:\n", AMENDMENT), "utf-8")
    (tmp_path / "results.json").write_text(json.dumps({"months": RESULTS}), "utf-8")
    (tmp_path / "incidents.json").write_text(json.dumps(INCIDENTS), "utf-8")
    return tmp_path


def test_the_incident_protocol_in_force_on_a_day(case: Path) -> None:
    contract = AnnexContract.read(case / "annex.yaml")
    on = contract.incident_terms_on
    assert [
        p.liability_per_unreported_case if p else None
        for p in (on(date(2026, 12, 1)), on(date(2027, 2, 28)), on(date(2027, 3, 1)))
    ] == [D(1000), D(1000), D(2000)]


def _files(case: Path) -> list[str]:
    return ["--results", str(case / "results.json"), "--incidents", str(case / "incidents.json")]


def test_backtest_charges_each_incident_on_its_own_version(case: Path) -> None:
    result = runner.invoke(app, ["backtest", str(case / "annex.yaml"), "--from", "2027-01",
                                 "--to", "2027-03", *_files(case), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    months = json.loads(result.stdout)["months"]
    assert [m["liabilities"] for m in months] == ["0.00", "0.00", "3000.00"]


def test_settle_charges_each_incident_on_its_own_version(case: Path) -> None:
    from test_settlement_cli import CONTACTS

    data = case / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS, "utf-8")
    annex = str(case / "annex.yaml")
    result = runner.invoke(app, ["settle", annex, "--data", str(data), "--period", "2027-03",
                                 *_files(case), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    statement = json.loads(result.stdout)
    lines = {line["incident_id"]: line for line in statement["lines"] if line.get("incident_id")}
    assert {k: line["amount"] for k, line in lines.items()} == {"o1": "1000.00", "n1": "2000.00"}
    # the line charged on the earlier version says so; the month's own needs no note
    assert lines["o1"]["reason"].endswith("; terms of the version effective 2027-01-01")
    assert "terms of the version" not in lines["n1"]["reason"]


def test_the_statement_fingerprints_every_version_it_read(case: Path) -> None:
    """March settles on the amended version, but its history months and incident o1 read the
    first version: a change there changes the statement's fingerprints, not only its amounts."""
    from test_settlement_cli import CONTACTS

    data = case / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS, "utf-8")

    def fingerprints() -> dict[str, Any]:
        args = ["settle", str(case / "annex.yaml"), "--data", str(data), "--period", "2027-03"]
        result = runner.invoke(app, [*args, *_files(case), "--format", "json"])
        assert result.exit_code == 0, result.output
        found: dict[str, Any] = json.loads(result.stdout)["fingerprints"]
        return found

    before = fingerprints()
    assert sorted(before["contract_versions"]) == ["2027-01-01", "2027-03-01"]
    assert before["contract_versions"]["2027-03-01"] == before["contract_version"]
    annex = case / "annex.yaml"
    text = annex.read_text("utf-8")
    assert text.count("liability_per_unreported_case: 1000") == 1
    old, new = "liability_per_unreported_case: 1000", "liability_per_unreported_case: 1500"
    annex.write_text(text.replace(old, new), "utf-8")
    after = fingerprints()
    # the amendment's own terms are untouched (it sets 2,000); the first version's changed
    assert after["contract_version"] == before["contract_version"]
    assert after["contract_versions"]["2027-03-01"] == before["contract_versions"]["2027-03-01"]
    assert after["contract_versions"]["2027-01-01"] != before["contract_versions"]["2027-01-01"]
