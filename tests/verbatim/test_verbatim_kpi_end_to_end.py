"""From a generated month to the contract's KPI: ingest, audit every transcribed feedback item,
and the ``verbatim_fidelity`` KPI counts exactly the recorded verdicts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.data.generator import GeneratorConfig, generate_program, write_program
from callpact.data.ingest import ingest_path

ANNEX = Path(__file__).resolve().parents[2] / "examples" / "annex.yaml"


def _json(*args: str) -> dict[str, object]:
    _register()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_audited_verdicts_are_the_verbatim_fidelity_kpi(tmp_path: Path) -> None:
    tables = generate_program(
        GeneratorConfig(start_month="2027-01", end_month="2027-01", contacts_per_month=20_000)
    )
    write_program(tables, tmp_path / "delivery", file_format="parquet")
    ingest_path(tmp_path / "delivery", tmp_path / "ws")
    workspace = str(tmp_path / "ws")

    audit = _json(
        "verbatim", "audit", "--data", workspace, "--period", "2027-01",
        "--contract", str(ANNEX), "--sample", "all", "--format", "json",
    )  # fmt: skip
    items = audit["items"]
    assert isinstance(items, list)
    assert len(items) >= 50  # the annex's min_sample: the KPI is measurable

    card = _json("kpi", str(ANNEX), "--data", workspace, "--period", "2027-01", "--format", "json")
    results = card["results"]
    assert isinstance(results, list)
    [verbatim] = [r for r in results if r["kpi"] == "verbatim"]
    faithful = sum(item["judgement"] == "faithful" for item in items)
    assert verbatim["sample"] == len(items)
    assert verbatim["value"] == faithful / len(items)
    assert verbatim["status"] == ("met" if faithful / len(items) >= 0.95 else "missed")

    # The judge against the generator's own labels, on a real month of notes.
    truth = dict(
        zip(
            tables["_truth_feedback"]["feedback_id"].to_pylist(),
            tables["_truth_feedback"]["label"].to_pylist(),
            strict=True,
        )
    )
    agree = sum(
        (item["judgement"] == "faithful") == (truth[item["feedback_id"]] == "faithful")
        for item in items
    )
    assert agree / len(items) >= 0.9
