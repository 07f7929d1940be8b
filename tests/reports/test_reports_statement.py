# ruff: noqa: E501  (CLI argument lists read best on one line)
"""The approved documents: HTML and PDF from the same template, charts deterministic."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.reports.charts import kpi_chart_svg

ANNEX = Path("/work/shared/examples/annex.yaml")
if (Path(__file__).parents[2] / "examples" / "annex.yaml").exists():
    ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
runner = CliRunner()
_register()


def test_chart_svg_is_byte_identical() -> None:
    months = ["2027-01", "2027-02", "2027-03"]
    values = [Decimal("0.7612"), None, Decimal("0.81")]
    first = kpi_chart_svg("Service level", months, values, Decimal("0.80"))
    second = kpi_chart_svg("Service level", months, values, Decimal("0.80"))
    assert first == second
    assert first.startswith("<svg")
    assert "Service level" in first


def _statement(tmp_path: Path) -> dict[str, object]:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "settlement"))
    from test_settlement_cli import CONTACTS, INCIDENTS, RESULTS  # the same hand-worked case

    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    return {"data": data, "results": tmp_path / "results.json"}


def test_pdf_page_one_is_the_summary(tmp_path: Path) -> None:
    import pypdf

    paths = _statement(tmp_path)
    out = tmp_path / "statement.pdf"
    result = runner.invoke(app, ["settle", str(ANNEX),
                                 "--data", str(paths["data"]), "--period", "2027-03",
                                 "--results", str(paths["results"]), "--format", "pdf", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    first = reader.pages[0].extract_text()
    assert "Monthly statement — 2027-03" in first
    assert "Invoice total 57190.00" in first
    assert "Service credits − 2160.00" in first
    assert "Termination right: sl-voice" in first
    rest = "".join(page.extract_text() for page in reader.pages[1:])
    assert "never reported" in rest
    assert "page 1 of" in first
