# ruff: noqa: E501  (CSV fixtures and CLI argument lists read best on one line)
"""``callpact settle`` and ``callpact statement verify`` end to end on a small folder.

The KPI results come from a results file (hand-made); the data folder supplies the incidents,
the fingerprints and the volumes. Figures (fee 60,000, pool 7,200, bonus pool 3,000):
service level missed Jan–Mar (0.7612, 0.74, 0.78) → January's 1,080 is suspended, its cure
period (1 Feb – 2 Mar) reaches March, which is missed again → March charges its own 1,080 and
January's 1,080; February charged its own 2,160. Abandon 0.061 in March opens a new episode:
720 suspended. FCR 0.80 earns 20 % of 3,000 = 600. Incident i1 (critical, 1h) reported 2 h
after detection → 250; i2 never reported → 1,000. Invoice 60,000 − 2,160 + 600 − 1,250.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D  # noqa: N817
from pathlib import Path
from typing import Any

import pytest
from settlement_helpers import automatic_cure_annex
from typer.testing import CliRunner

from callpact.cli.main import _register, app

ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
CONTACTS = """contact_id,channel,direction,queue,offered_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition
c1,voice,inbound,members,2027-03-02T09:00:00-06:00,2027-03-02T09:00:10-06:00,2027-03-02T09:05:10-06:00,240,30,30,a1,u1,false,
c2,voice,inbound,members,2027-03-03T09:00:00-06:00,,2027-03-03T09:01:00-06:00,,,,,u2,false,
c3,chat,inbound,members-chat,2027-03-04T09:00:00-06:00,2027-03-04T09:00:20-06:00,2027-03-04T09:10:20-06:00,500,0,100,a2,u3,false,
"""
INCIDENTS = """incident_id,category,severity,occurred_at,detected_at,reported_at,description
i1,legal_threat,critical,2027-03-10T10:00:00-06:00,2027-03-10T10:00:00-06:00,2027-03-10T12:00:00-06:00,
i2,safety,critical,2027-03-11T10:00:00-06:00,2027-03-11T10:00:00-06:00,,
"""
RESULTS = {
    "2027-01": {
        "sl-voice": {"status": "missed", "value": "0.7612", "sample": 5200},
        "abandon-voice": {"status": "met", "value": "0.041", "sample": 5200},
    },
    "2027-02": {
        "sl-voice": {"status": "missed", "value": "0.74", "sample": 5100},
        "abandon-voice": {"status": "met", "value": "0.045", "sample": 5100},
    },
    "2027-03": {
        "sl-voice": {"status": "missed", "value": "0.78", "sample": 5300},
        "abandon-voice": {"status": "missed", "value": "0.061", "sample": 5300},
        "fcr": {"status": "met", "value": "0.80", "sample": 3000},
        "csat": {"status": "not_measurable", "value": "0.95", "sample": 12},
    },
}

runner = CliRunner()
_register()


@pytest.fixture
def case(tmp_path: Path) -> Path:
    automatic_cure_annex(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    return tmp_path


def _settle(case: Path, *extra: str) -> CliRunner:
    return runner.invoke(  # type: ignore[return-value]
        app,
        [
            "settle", str(case / "annex.yaml"), "--data", str(case / "data"),
            "--period", "2027-03", "--results", str(case / "results.json"), *extra,
        ],
    )  # fmt: skip


def test_settle_json_figures(case: Path) -> None:
    result = _settle(case, "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    s = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert (s["fee"], s["credits"], s["bonuses"], s["liabilities"]) == (
        "60000.00", "2160.00", "600.00", "1250.00",
    )  # fmt: skip
    assert s["net_adjustment"] == "-2810.00"
    assert s["invoice_total"] == "57190.00"
    credits = sorted((ln["origin"], ln["amount"]) for ln in s["lines"] if ln["kind"] == "credit")
    assert credits == [("2027-01", "1080.00"), ("2027-03", "1080.00")]
    by_kpi = {ln["kpi_id"] for ln in s["lines"] if ln["kpi_id"]}
    assert by_kpi == {k["kpi_id"] for k in s["kpis"]}  # a line for every KPI
    assert {ln["incident_id"] for ln in s["lines"] if ln["incident_id"]} == {"i1", "i2"}
    sl_line = next(
        ln for ln in s["lines"] if ln["kpi_id"] == "sl-voice" and ln["origin"] == "2027-03"
    )
    assert (
        "Service level 0.7800 below 0.8000 (tier 1: 15 % of the at-risk pool)" in sl_line["reason"]
    )
    assert s["termination"]["right"] is True
    assert s["termination"]["rights"][0]["earliest_effective"] == "2027-05-01"
    cure = {e["kpi_id"]: e for e in s["cure"]}
    assert cure["abandon-voice"]["state"] == "in_cure"
    assert cure["abandon-voice"]["suspended"] == "720.00"
    assert set(s["fingerprints"]["tables"]) == {"contacts", "incidents"}
    assert len(s["fingerprints"]["contract_version"]) == 64
    assert [h["period"] for h in s["history"]] == ["2027-01", "2027-02"]


def test_verify_identical_then_detects_changed_row_and_contract(case: Path) -> None:
    out = case / "statement.json"
    assert _settle(case, "--format", "json", "--out", str(out)).exit_code == 0  # type: ignore[attr-defined]
    args = ["statement", "verify", str(out), "--contract", str(case / "annex.yaml"),
            "--data", str(case / "data"), "--results", str(case / "results.json")]  # fmt: skip
    same = runner.invoke(app, args)
    assert same.exit_code == 0
    assert same.stdout.strip() == "identical"

    contacts = case / "data" / "contacts.csv"
    contacts.write_text(contacts.read_text().replace("240,30,30", "241,30,30"))
    changed_row = runner.invoke(app, args)
    assert changed_row.exit_code == 1
    assert "fingerprints.tables.contacts" in changed_row.stdout

    contacts.write_text(CONTACTS)
    annex = case / "annex.yaml"
    annex.write_text(
        annex.read_text().replace("{below: 0.80, credit: 0.15}", "{below: 0.80, credit: 0.20}")
    )
    changed_contract = runner.invoke(app, args)
    assert changed_contract.exit_code == 1
    assert "fingerprints.contract_version" in changed_contract.stdout
    assert "credits: '2160.00' in the statement, '2880.00' recomputed" in changed_contract.stdout


def test_a_statement_names_its_inputs_and_verifies_without_flags(case: Path) -> None:
    out = case / "statement.json"
    assert _settle(case, "--format", "json", "--out", str(out)).exit_code == 0  # type: ignore[attr-defined]
    stated = json.loads(out.read_text())
    assert stated["inputs"] == {
        "contract": str(case / "annex.yaml"),
        "data": str(case / "data"),
        "history": None,
        "incidents": None,
        "decisions": None,
        "results": str(case / "results.json"),
        "outages": None,
    }
    same = runner.invoke(app, ["statement", "verify", str(out)])
    assert (same.exit_code, same.stdout.strip()) == (0, "identical")
    # the vendor's own copy of the delivery, in another folder: a flag names it, and the copy
    # with one row changed is caught by line id and fingerprint
    copy = case / "vendor-copy"
    shutil.copytree(case / "data", copy)
    assert runner.invoke(app, ["statement", "verify", str(out), "--data", str(copy)]).exit_code == 0
    incidents = copy / "incidents.csv"
    incidents.write_text(
        incidents.read_text().replace("2027-03-10T12:00:00", "2027-03-10T10:30:00")
    )
    differs = runner.invoke(app, ["statement", "verify", str(out), "--data", str(copy)])
    assert differs.exit_code == 1
    assert "fingerprints.tables.incidents" in differs.stdout
    # i1 reported on time in the copy: its liability line is gone, by its id
    assert "lines.liability:i1: missing from the recomputed statement" in differs.stdout
    assert "net_adjustment: '-2810.00' in the statement, '-2560.00' recomputed" in differs.stdout
    # a statement that names no inputs needs them given
    del stated["inputs"]
    out.write_text(json.dumps(stated))
    unnamed = runner.invoke(app, ["statement", "verify", str(out)])
    assert unnamed.exit_code == 1
    assert "error[SET009]" in unnamed.output


def test_history_folder_carries_the_episode_forward(case: Path) -> None:
    history = case / "history"
    history.mkdir()
    feb = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                              "--period", "2027-02", "--results", str(case / "results.json"),
                              "--format", "json", "--out", str(history / "2027-02.json")])  # fmt: skip
    assert feb.exit_code == 0, feb.output
    # March's results only: January and February come from the February statement
    only_march = case / "march.json"
    only_march.write_text(json.dumps({"2027-03": RESULTS["2027-03"]}))
    mar = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                              "--period", "2027-03", "--results", str(only_march),
                              "--history", str(history), "--format", "json"])  # fmt: skip
    assert mar.exit_code == 0, mar.output
    s = json.loads(mar.stdout)
    assert s["credits"] == "2160.00"
    assert [h["source"] for h in s["history"]] == ["history:2027-02.json"] * 2
    # Kept in the same folder, March's own statement is not history when it is verified.
    (history / "2027-03.json").write_text(mar.stdout)
    verify = runner.invoke(app, ["statement", "verify", str(history / "2027-03.json"),
                                 "--contract", str(case / "annex.yaml"), "--data", str(case / "data"),
                                 "--results", str(only_march), "--history", str(history)])  # fmt: skip
    assert verify.exit_code == 0, verify.output
    assert verify.stdout.strip() == "identical"


def test_a_results_file_that_does_not_exist_is_a_usage_error(case: Path) -> None:
    result = runner.invoke(
        app,
        [
            "settle",
            str(case / "annex.yaml"),
            "--data",
            str(case / "data"),
            "--period",
            "2027-03",
            "--results",
            str(case / "nope.json"),
        ],
        env={"COLUMNS": "1000"},
    )  # fmt: skip  (a long path is not cut)
    assert result.exit_code == 2
    assert "Invalid value for '--results'" in result.output
    assert "nope.json" in result.output


def test_an_unreadable_results_file_is_a_diagnostic(case: Path) -> None:
    (case / "broken.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                                 "--period", "2027-03", "--results", str(case / "broken.json")])  # fmt: skip
    assert result.exit_code == 1
    assert "error[SET002]" in result.output


def test_verify_lists_money_differences_from_a_changed_incident_row(case: Path) -> None:
    out = case / "statement.json"
    assert _settle(case, "--format", "json", "--out", str(out)).exit_code == 0  # type: ignore[attr-defined]
    # i2 now reported 30 min after detection, within its 1 h deadline: its 1,000 liability goes
    incidents = case / "data" / "incidents.csv"
    incidents.write_text(
        INCIDENTS.replace(
            "2027-03-11T10:00:00-06:00,,", "2027-03-11T10:00:00-06:00,2027-03-11T10:30:00-06:00,"
        )
    )
    args = ["statement", "verify", str(out), "--contract", str(case / "annex.yaml"),
            "--data", str(case / "data"), "--results", str(case / "results.json")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "fingerprints.tables.incidents" in result.stdout
    assert "liabilities: '1250.00' in the statement, '250.00' recomputed" in result.stdout
    assert "invoice_total: '57190.00' in the statement, '58190.00' recomputed" in result.stdout
    assert "fingerprints.tables.contacts" not in result.stdout


def test_statement_render_reads_the_settled_json(case: Path) -> None:
    out = case / "statement.json"
    assert _settle(case, "--format", "json", "--out", str(out)).exit_code == 0  # type: ignore[attr-defined]
    stated = json.loads(out.read_text())
    table = runner.invoke(app, ["statement", "render", str(out)])
    assert table.exit_code == 0, table.output
    assert "invoice total" in table.stdout
    assert stated["invoice_total"] in table.stdout
    html = runner.invoke(app, ["statement", "render", str(out), "--format", "html"])
    assert html.exit_code == 0, html.output
    assert stated["contract_id"] in html.stdout
    assert stated["invoice_total"].replace("57190", "57,190") in html.stdout or (
        stated["invoice_total"] in html.stdout
    )
    pdf = case / "statement.pdf"
    rendered = runner.invoke(
        app, ["statement", "render", str(out), "--format", "pdf", "--out", str(pdf)]
    )
    assert rendered.exit_code == 0, rendered.output
    assert pdf.read_bytes().startswith(b"%PDF")
    # a wide terminal: the usage panel would cut a long temporary path (pytest-xdist's)
    missing = runner.invoke(
        app, ["statement", "render", str(case / "nope.json")], env={"COLUMNS": "1000"}
    )
    assert missing.exit_code == 2  # a path that does not exist: usage, the argument named
    assert "nope.json" in missing.output


def test_a_month_nobody_delivered_is_held_not_settled_at_the_full_fee(case: Path) -> None:
    march = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                                "--period", "2027-03", "--format", "json"])  # fmt: skip
    assert march.exit_code == 0, march.output  # a delivered month settles
    may = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                              "--period", "2027-05"])  # fmt: skip
    assert may.exit_code == 1
    assert "error[SET007]" in may.output
    assert "no data delivered for 2027-05" in may.output
    assert "invoice total" not in may.output


def test_a_stated_status_that_contradicts_the_figures_is_an_error(case: Path) -> None:
    # csat's sample of 12 is below its minimum: "missed" would count toward chronic breach
    results = json.loads(json.dumps(RESULTS))
    results["2027-03"]["csat"]["status"] = "missed"
    (case / "results.json").write_text(json.dumps(results))
    result = _settle(case)
    assert result.exit_code == 1
    assert "2027-03 csat: stated status 'missed' contradicts value 0.95, sample 12" in " ".join(
        result.output.split()
    )
    assert "that is 'not_measurable'" in result.output
    assert "error[SET002]" in result.output


def _settle_example_annex(case: Path, decisions: list[dict[str, object]] | None) -> CliRunner:
    """March on the example annex as signed (``notice_required: true``)."""
    shutil.copy(ANNEX, case / "signed.yaml")
    extra: list[str] = []
    if decisions is not None:
        (case / "decisions.json").write_text(json.dumps(decisions))
        extra = ["--decisions", str(case / "decisions.json")]
    return runner.invoke(  # type: ignore[return-value]
        app,
        [
            "settle", str(case / "signed.yaml"), "--data", str(case / "data"),
            "--period", "2027-03", "--results", str(case / "results.json"),
            "--format", "json", *extra,
        ],
    )  # fmt: skip


def _money(lines: list[dict[str, str]], kind: str, kpi_id: str, origin: str) -> list[str]:
    return [
        ln["amount"]
        for ln in lines
        if (ln["kind"], ln["kpi_id"], ln["origin"]) == (kind, kpi_id, origin)
    ]


def test_a_breach_notice_decides_whether_the_cure_suspends_the_credit(case: Path) -> None:
    # Automatic cure (above): March's abandon miss is suspended, 720. With notice_required and
    # no notice, the same miss is charged by the tiers; a notice dated within March suspends it.
    unnoticed = _settle_example_annex(case, [])
    assert unnoticed.exit_code == 0, unnoticed.output  # type: ignore[attr-defined]
    plain = json.loads(unnoticed.stdout)  # type: ignore[attr-defined]
    assert _money(plain["lines"], "credit", "abandon-voice", "2027-03") == ["720.00"]
    assert {e["kpi_id"]: e["state"] for e in plain["cure"]}["abandon-voice"] == "unnoticed"

    notice = {"kpi_id": "abandon-voice", "month": "2027-03", "decision": "notice",
              "decided_on": "2027-03-28"}  # fmt: skip
    noticed = _settle_example_annex(case, [notice])
    assert noticed.exit_code == 0, noticed.output  # type: ignore[attr-defined]
    cured = json.loads(noticed.stdout)  # type: ignore[attr-defined]
    assert _money(cured["lines"], "credit", "abandon-voice", "2027-03") == []
    assert _money(cured["lines"], "suspended", "abandon-voice", "2027-03") == ["720.00"]
    assert D(cured["invoice_total"]) - D(plain["invoice_total"]) == D("720.00")
    cure = {e["kpi_id"]: e for e in cured["cure"]}["abandon-voice"]
    assert (cure["state"], cure["cure_ends_on"]) == ("in_cure", "2027-04-26")  # 28 Mar + 29


def test_a_notice_for_a_month_the_kpi_met_is_an_error_naming_the_breach(case: Path) -> None:
    # bonus-earning March: the first-contact KPI met its target; a notice for it matches nothing
    met = next(k for k, v in RESULTS["2027-03"].items() if v.get("status") == "met")
    stray = {"kpi_id": met, "month": "2027-03", "decision": "grant", "decided_on": "2027-04-02"}
    result = _settle_example_annex(case, [stray])
    assert result.exit_code != 0
    assert "SET112" in result.output  # type: ignore[attr-defined]
    assert f"grant for {met} 2027-03 matches no breach: {met} was met" in " ".join(
        result.output.split()  # type: ignore[attr-defined]
    )


def test_history_settled_on_terms_since_edited_in_place_is_refused(case: Path) -> None:
    history = case / "statements"
    history.mkdir()
    for month in ("2027-01", "2027-02"):
        settled = runner.invoke(app, [
            "settle", str(case / "annex.yaml"), "--data", str(case / "data"), "--period", month,
            "--results", str(case / "results.json"), "--history", str(history),
            "--format", "json", "--out", str(history / f"{month}.json"),
        ])  # fmt: skip
        assert settled.exit_code == 0, settled.output
    assert _settle(case, "--history", str(history)).exit_code == 0  # type: ignore[attr-defined]
    # the at-risk pool raised in the base terms instead of by an amendment
    annex = case / "annex.yaml"
    text = annex.read_text("utf-8")
    annex.write_text(text.replace("share_of_fee: 0.12", "share_of_fee: 0.15", 1), "utf-8")
    refused = _settle(case, "--history", str(history))
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    output = refused.output  # type: ignore[attr-defined]
    assert "error[SET123]" in output
    assert "the statement for 2027-01 was settled on terms" in output
    assert "write the change as an amendment" in output
    assert "invoice total" not in output


def test_a_declared_outage_excludes_only_once_the_client_accepted_it(case: Path) -> None:
    # c1, answered in 10 s on 2 March at 09:00 in Chicago, falls inside the vendor's outage
    (case / "data" / "outages.csv").write_text(
        "outage_id,starts_at,ends_at,channels,queues,reason\n"
        "O-1,2027-03-02T08:55:00-06:00,2027-03-02T09:10:00-06:00,voice,,carrier down\n"
    )

    def settle(*extra: str) -> tuple[int, dict[str, Any], str]:
        out = case / "march.json"
        result = runner.invoke(app, [
            "settle", str(case / "annex.yaml"), "--data", str(case / "data"),
            "--period", "2027-03", "--format", "json", "--out", str(out), *extra,
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        return result.exit_code, json.loads(out.read_text()), result.output

    def excluded(statement: dict[str, Any]) -> int:
        return int(statement["results"]["kpis"]["sl-voice"]["excluded"])

    _, undecided, output = settle()
    assert excluded(undecided) == 0
    assert "SET011" in output  # declared, not decided: nothing excluded, and said so
    decisions = case / "outages.json"
    for accepted, expected in ((["O-1"], 1), ([], 0)):
        decisions.write_text(json.dumps(
            {"format": "callpact.outage-decisions/1", "contract_id": "northwind-harbor-2027",
             "accepted": accepted, "decisions": []}
        ))  # fmt: skip
        _, statement, output = settle("--outages", str(decisions))
        assert excluded(statement) == expected
        assert "SET011" not in output
        assert statement["inputs"]["outages"] == str(decisions)
        assert len(statement["fingerprints"]["inputs"]["outages"]) == 64
    bad = case / "bad.json"
    bad.write_text(json.dumps({"accepted": "O-1"}))
    refused = runner.invoke(app, ["settle", str(case / "annex.yaml"), "--data", str(case / "data"),
                                  "--period", "2027-03", "--outages", str(bad)])  # fmt: skip
    assert refused.exit_code == 1
    assert "SET131" in refused.output
