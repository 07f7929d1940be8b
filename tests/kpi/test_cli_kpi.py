"""``callpact kpi`` on a raw CSV folder: mixed offsets, a rejected row, JSON/CSV/explain."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.contracts import read_annex
from callpact.data.schema import arrow_schema

from .kpi_data import ZONE, boundary_program
from .naive import NaiveKpi, naive_kpi

ANNEX = Path(__file__).resolve().parents[2] / "examples" / "annex.yaml"
OFFSETS = (UTC, timezone(timedelta(hours=-6)), timezone(timedelta(hours=5, minutes=30)), ZONE)


def _write_csv(tables: dict[str, list[dict[str, Any]]], root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name in ("contacts", "surveys", "qa_evaluations"):
        schema = arrow_schema(name)
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(schema.names)
            for i, row in enumerate(tables[name]):
                cells = []
                for column in schema.names:
                    value = row.get(column)
                    if isinstance(value, datetime):
                        # the same instant written in different offsets
                        value = value.astimezone(OFFSETS[i % len(OFFSETS)]).isoformat()
                    elif isinstance(value, bool):
                        value = "true" if value else "false"
                    cells.append("" if value is None else value)
                writer.writerow(cells)
            if name == "contacts":
                bad = [
                    "BAD1",
                    "voice",
                    "inbound",
                    "members",
                    "2027-10-05T10:00:00",
                    "",
                    "2027-10-05T10:01:00",
                ]
                writer.writerow(bad + [""] * (len(schema.names) - len(bad)))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    tables = boundary_program(seed=5, n_contacts=500)
    root = Path(tmp_path_factory.mktemp("raw"))
    _write_csv(tables, root)
    return root, tables


def test_kpi_json_on_a_raw_folder_counts_rejects_and_matches_naive(
    folder: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, tables = folder
    _register()
    annex = ANNEX
    result = CliRunner().invoke(
        app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["rejected"] == {"contacts": 1}
    by_id = {r["kpi"]: r for r in out["results"]}
    assert set(by_id) >= {"sl-voice", "abandon-voice", "aht-voice", "fcr", "csat", "qa"}
    for r in out["results"]:
        assert set(r) >= {"kpi", "value", "sample", "ci", "target", "status", "excluded"}
        assert r["status"] in ("met", "missed", "not_measurable")
    contract = read_annex(annex).contract
    assert contract is not None
    version = contract.version_for_month("2027-10")
    scopes = {str(c.channel): tuple(c.queues) for c in version.scope.channels}
    hours = version.scope.hours["member-line"]
    voice = (("voice", scopes["voice"]),)
    both = (("voice", scopes["voice"]), ("chat", scopes["chat"]))
    checks = {
        "abandon-voice": NaiveKpi("abandon_rate", {"short_abandon_s": 5}, voice, hours),
        "aht-voice": NaiveKpi("aht", {}, voice),
        "fcr": NaiveKpi("fcr", {"window_days": 7}, both),
        "csat": NaiveKpi("csat", {"top_box_from": 4}, both),
        "qa": NaiveKpi("qa_score", {}, tuple(scopes.items())),
    }
    for kid, naive in checks.items():
        value, sample, _ = naive_kpi(naive, tables, "2027-10", ZONE)
        assert by_id[kid]["sample"] == sample, kid
        assert value is not None
        assert math.isclose(by_id[kid]["value"], value, rel_tol=1e-12), kid
        if sample < version.kpi(kid).min_sample:
            assert by_id[kid]["status"] == "not_measurable"


def test_kpi_csv_by_day_and_explain(folder: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    root, _ = folder
    _register()
    annex = ANNEX
    runner = CliRunner()
    month = runner.invoke(
        app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10", "--format", "json"]
    )
    daily = runner.invoke(
        app,
        [
            "kpi",
            str(annex),
            "--data",
            str(root),
            "--period",
            "2027-10",
            "--by",
            "day",
            "--format",
            "csv",
        ],
    )
    assert daily.exit_code == 0, daily.output
    rows = list(csv.DictReader(daily.output.splitlines()))
    assert {r["bucket"][:7] for r in rows if r["kpi"] == "aht-voice"} == {"2027-10"}
    monthly = {r["kpi"]: r for r in json.loads(month.output)["results"]}
    for kid in ("aht-voice", "abandon-voice", "fcr"):
        assert sum(int(r["sample"]) for r in rows if r["kpi"] == kid) == monthly[kid]["sample"]
    explained = runner.invoke(
        app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10", "--explain", "fcr"]
    )
    assert explained.exit_code == 0, explained.output
    assert "repeat" in explained.output
    assert "SELECT" in explained.output
    assert "OVER" in explained.output
    # a KPI computed in a fused query is told which of its columns are its own
    fused = runner.invoke(
        app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10", "--explain", "csat"]
    )
    assert fused.exit_code == 0, fused.output
    assert "-- csat: num_" in fused.output
    table = runner.invoke(app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10"])
    assert table.exit_code == 0, table.output
    assert "trainees_in_exemption" in table.output  # every exclusion kind is shown
    assert "rejected rows (left out of every KPI): contacts=1" in table.output
    wrong = runner.invoke(
        app, ["kpi", str(annex), "--data", str(root), "--period", "2027-10", "--explain", "nope"]
    )
    assert wrong.exit_code == 2
