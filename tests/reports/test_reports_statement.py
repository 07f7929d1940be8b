"""The approved documents: HTML and PDF from the same template, charts deterministic."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.reports.charts import kpi_chart_svg

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


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The settle test's hand-worked March, settled once as JSON and once as PDF (each CLI run
    validates the data folder, the slow part)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "settlement"))
    from settlement_helpers import automatic_cure_annex
    from test_settlement_cli import CONTACTS, INCIDENTS, RESULTS  # the same hand-worked case

    tmp_path = tmp_path_factory.mktemp("statement")
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    args = [
        "settle",
        str(automatic_cure_annex(tmp_path)),
        "--data",
        str(data),
        "--period",
        "2027-03",
        "--results",
        str(tmp_path / "results.json"),
    ]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    pdf = tmp_path / "statement.pdf"
    as_pdf = runner.invoke(app, [*args, "--format", "pdf", "--out", str(pdf)])
    assert as_pdf.exit_code == 0, as_pdf.output
    return {"statement": json.loads(as_json.stdout), "pdf": pdf, "dir": tmp_path}


def test_pdf_page_one_is_the_summary(rendered: dict[str, Any]) -> None:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(rendered["pdf"].read_bytes()))
    first = reader.pages[0].extract_text()
    assert "Monthly statement — 2027-03" in first
    assert "Invoice total USD 57,190.00" in first
    assert "Service credits charged −USD 2,160.00" in first
    assert "Client Northwind Health Plan" in first
    assert "30 days from issue" in first
    assert "Termination right: sl-voice" in first
    rest = "".join(page.extract_text() for page in reader.pages[1:])
    assert "never reported" in " ".join(rest.split())
    assert "page 1 of" in first


def _rasterise(pdf: Path, page: int, out: Path) -> Path:
    """One page of the PDF as a PNG, by poppler's pdftoppm (Debian package poppler-utils)."""
    import shutil
    import subprocess

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm not installed: apt-get install poppler-utils (.ci/run does)")
    prefix = out / f"page{page}"
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(prefix)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return prefix.with_suffix(".png")


def _near(pixels: Any, rgb: tuple[int, int, int]) -> int:
    import numpy as np

    colour = np.array(rgb, dtype=float) / 255
    distance = np.abs(pixels[..., :3] - colour).max(axis=-1)
    return int((distance < 0.08).sum())


def test_pdf_pages_render_to_non_blank_images(rendered: dict[str, Any]) -> None:
    import matplotlib.image

    pdf, tmp_path = rendered["pdf"], rendered["dir"]
    first = matplotlib.image.imread(str(_rasterise(pdf, 1, tmp_path)))
    height, width = first.shape[:2]
    assert 1.3 < height / width < 1.5  # A4 portrait
    ink = float((first[..., :3].mean(axis=-1) < 0.6).mean())
    assert 0.005 < ink < 0.5, ink  # text on white: neither blank nor a solid block
    # Page 1 is the summary: the red of "missed" and the termination alert, but no chart yet;
    # page 2 carries the charts, drawn in the KPI line's blue (#1f4e79).
    assert _near(first, (0xA9, 0x32, 0x26)) > 20
    assert _near(first, (0x1F, 0x4E, 0x79)) == 0
    second = matplotlib.image.imread(str(_rasterise(pdf, 2, tmp_path)))
    assert _near(second, (0x1F, 0x4E, 0x79)) > 50


def test_html_has_summary_then_one_chart_per_kpi(rendered: dict[str, Any]) -> None:
    from callpact.reports.statement import render_html

    html = render_html(rendered["statement"])
    summary, charts, lines = (
        html.index(t) for t in ("Invoice total", "KPIs over recent months", "<h2>Lines")
    )
    assert summary < charts < lines
    kpis = html[charts:lines].count('<div class="chart">')
    assert kpis == 7  # the example annex has seven KPIs
    assert html[charts:lines].count("<svg") == kpis


def test_values_are_shown_at_reading_precision() -> None:
    from callpact.reports.statement import reading

    assert reading("0.947553456644") == "0.9476"
    assert reading("0.80005") == "0.8001"  # half-up, on the shown digits only
    assert reading("412.705975312", "seconds") == "412.7"


def test_page_one_says_draft_until_the_record_is_approved(rendered: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    from callpact.reports.record import StatementRecordInfo, Transition
    from callpact.reports.statement import render_html

    bare = render_html(rendered["statement"])
    assert "draft — not approved" in bare
    issued = datetime(2027, 4, 3, 9, 0, tzinfo=UTC)
    draft = StatementRecordInfo("ST-2027-03", 2, "issued", issued, supersedes="ST-2027-03 v1")
    html = render_html(rendered["statement"], draft)
    assert "Statement ST-2027-03 version 2 (supersedes ST-2027-03 v1)" in html
    assert "issued 2027-04-03" in html
    assert "issued — not approved" in html
    approved = StatementRecordInfo(
        "ST-2027-03",
        2,
        "approved",
        issued,
        transitions=(
            Transition("issued", "vendor.am", issued),
            Transition("approved", "client.finance", datetime(2027, 4, 9, 14, 30, tzinfo=UTC)),
        ),
    )
    html = render_html(rendered["statement"], approved)
    assert "approved by client.finance on 2027-04-09 14:30 UTC" in html
    assert "not approved" not in html


def test_suspended_credits_are_shown_apart_from_the_charged(rendered: dict[str, Any]) -> None:
    from callpact.reports.statement import render_html

    statement = json.loads(json.dumps(rendered["statement"]))
    statement["lines"] = [line for line in statement["lines"] if line["kind"] != "suspended"]
    assert "Contingent, not charged" not in render_html(statement)
    statement["lines"].append(
        {"kind": "suspended", "kpi_id": "aht", "reason": "cure", "amount": "4320.00"}
    )
    html = render_html(statement)
    assert "Contingent, not charged: USD 4,320.00 of service credits suspended" in html


def _pdftotext(pdf: Path) -> str:
    import shutil
    import subprocess

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext not installed: apt-get install poppler-utils")
    done = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode()


def test_pdf_signed_column_sums_to_the_net(rendered: dict[str, Any]) -> None:
    """Read the PDF as a person would: the signed amounts under "Lines" add up to the net."""
    import re

    text = _pdftotext(rendered["pdf"])
    lines = text[text.index("counts (USD)") : text.index("Net adjustment (sum")]
    signed = [Decimal(m.replace(",", "").replace("−", "-")) for m in
              re.findall(r"(?<!\S)([+−][\d,]+\.\d\d)(?!\S)", lines)]  # fmt: skip
    assert sum(signed) == Decimal(rendered["statement"]["net_adjustment"]) == Decimal("-2810.00")
    assert "Net adjustment (sum of the signed column)" in text
    assert "Sign-off: draft — not approved" in text
    pages = len(re.findall(r"page \d+ of \d+", text))
    assert pages >= 2
    assert "page 1 of" in text


def test_kpi_value_shows_the_digit_that_decides() -> None:
    from callpact.reports.statement import deciding_reading

    assert deciding_reading("420.03", "seconds", ["420"]) == "420.03"
    assert deciding_reading("412.705975312", "seconds", ["420"]) == "412.7"
    assert deciding_reading("0.79996", "ratio", ["0.80"]) == "0.79996"
    assert deciding_reading("0.7612", "ratio", ["0.80", "0.75"]) == "0.7612"
