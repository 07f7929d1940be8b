# ruff: noqa: E501  (CLI argument lists read best on one line)
"""``callpact backtest`` and the exposure simulation, worked by hand on the example annex
(fee 60,000, at-risk pool 12 % = 7,200, bonus pool 5 % = 3,000, cure 30 days with credits
suspended, chronic breach at 3 months in a row or 4 of 6).

History (the same months as the settle test): service level 0.7612, 0.74, 0.78; abandon 0.041,
0.045, 0.061; FCR 0.80 in March.

* January: SL tier 1 (15 % → 1,080) suspended; its cure period runs 1 Feb – 2 Mar. Net 0.
* February: SL tier 2 (30 % → 2,160) missed again during the cure period: charged. Net −2,160.
* March: SL tier 1 (1,080) charged, January's 1,080 released (not cured by 2 March); abandon
  0.061 opens a new episode (10 % → 720 suspended); FCR 0.80 earns 20 % × 3,000 = 600;
  three misses in a row → chronic breach, termination effective 1 May at the earliest.
  Net 600 − 2,160 = −1,560.
"""

from __future__ import annotations

import json
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from pathlib import Path

import pytest
from settlement_helpers import automatic_cure_annex, terms
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.settlement.backtest import DayResult, simulate
from callpact.settlement.terms import ChronicRule, Comparison, KpiTerms, Tier

ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
MONTHS = {
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
    },
}
runner = CliRunner()
_register()


def _days(sl: str, abandon: str) -> dict[str, dict[str, dict[str, object]]]:
    return {
        f"2027-{m:02d}-{d:02d}": {
            "sl-voice": {"value": sl, "sample": 200},
            "abandon-voice": {"value": abandon, "sample": 200},
        }
        for m in (1, 2, 3)
        for d in range(1, 21)
    }


@pytest.fixture
def case(tmp_path: Path) -> Path:
    automatic_cure_annex(tmp_path)
    (tmp_path / "results.json").write_text(
        json.dumps({"months": MONTHS, "days": _days("0.78", "0.04")})
    )
    return tmp_path


def _backtest(case: Path, *extra: str) -> dict[str, object]:
    result = runner.invoke(app, ["backtest", str(case / "annex.yaml"), "--from", "2027-01", "--to", "2027-03",
                                 "--results", str(case / "results.json"), "--format", "json", *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_backtest_month_by_month(case: Path) -> None:
    report = _backtest(case)
    months = report["months"]
    assert isinstance(months, list)
    assert [m["period"] for m in months] == ["2027-01", "2027-02", "2027-03"]
    assert [m["credits"] for m in months] == ["0.00", "2160.00", "2160.00"]
    assert [m["bonuses"] for m in months] == ["0.00", "0.00", "600.00"]
    assert [m["net_adjustment"] for m in months] == ["0.00", "-2160.00", "-1560.00"]
    assert report["total_net_adjustment"] == "-3720.00"
    sl = [next(k for k in m["kpis"] if k["kpi_id"] == "sl-voice") for m in months]
    assert [(k["value"], k["penalty_tier"]) for k in sl] == [
        ("0.7612", 1),
        ("0.74", 2),
        ("0.78", 1),
    ]
    fcr = next(k for k in months[2]["kpis"] if k["kpi_id"] == "fcr")
    assert (fcr["reward_tier"], fcr["assessed_bonus"]) == (1, "600.00")

    def events(m: dict[str, list[dict[str, str]]]) -> set[tuple[str, str | None]]:
        return {(e["kind"], e["amount"]) for e in m["events"]}

    assert events(months[0]) == {("breach_opened", None), ("credit_suspended", "1080.00")}
    assert events(months[1]) == set()
    assert events(months[2]) == {
        ("breach_opened", None),  # abandon
        ("credit_suspended", "720.00"),
        ("not_cured", None),
        ("credit_released", "1080.00"),
        ("chronic_breach", None),
    }
    chronic = next(e for e in months[2]["events"] if e["kind"] == "chronic_breach")
    assert "effective 2027-05-01" in chronic["text"]
    assert report["simulation"] is None


def test_simulation_of_identical_days_is_worked_by_hand(case: Path) -> None:
    # Every day SL 0.78 (tier 1, 1,080) and abandon 0.04 (met): every synthetic year is
    # month 1 suspended (0), month 2 charged (−1,080), month 3 charged plus month 1 released
    # (−2,160; the cure period of January 2000 ends 1 March), then −1,080 for nine months.
    # Mean −12,960 / 12 = −1,080; nearest-rank P5 of 60 values (5 × −2,160 first) = −2,160;
    # P95 (the 57th of 60, among the five zeros) = 0; a chronic breach in every year.
    report = _backtest(case, "--simulate", "5", "--seed", "7")
    simulation = report["simulation"]
    assert isinstance(simulation, dict)
    assert simulation["net_adjustment"] == {"mean": "-1080.00", "p5": "-2160.00", "p95": "0.00"}
    assert simulation["chronic_breach_probability"] == "1.000"
    assert simulation["days_per_month"] == 20  # 60 days of history over 3 months


def test_simulation_of_good_days_earns_the_top_bonus_every_month(case: Path) -> None:
    (case / "results.json").write_text(
        json.dumps({"months": MONTHS, "days": _days("0.91", "0.03")})
    )
    simulation = _backtest(case, "--simulate", "3")["simulation"]
    assert isinstance(simulation, dict)
    # 0.91 ≥ 0.90: reward tier 2, 60 % × 3,000 = 1,800 every month
    assert simulation["net_adjustment"] == {"mean": "1800.00", "p5": "1800.00", "p95": "1800.00"}
    assert simulation["chronic_breach_probability"] == "0.000"


def _mixed_days() -> list[dict[str, DayResult]]:
    good = {"k": DayResult(D("0.90"), 100)}
    bad = {"k": DayResult(D("0.60"), 100)}
    return [good, good, good, bad]


def _one_kpi() -> KpiTerms:
    return KpiTerms(
        kpi_id="k",
        label="K",
        target_comparison=Comparison.AT_LEAST,
        target=D("0.80"),
        penalties=(Tier(Comparison.BELOW, D("0.80"), share=D("0.5")),),
        rewards=(Tier(Comparison.AT_LEAST, D("0.85"), share=D("1")),),
    )


def test_simulation_is_reproducible_and_ordered() -> None:
    contract = terms(_one_kpi(), chronic=ChronicRule(consecutive_months=2))
    first = simulate(contract, _mixed_days(), runs=40, seed=3, days_per_month=4)
    again = simulate(contract, _mixed_days(), runs=40, seed=3, days_per_month=4)
    other = simulate(contract, _mixed_days(), runs=40, seed=4, days_per_month=4)
    assert first == again
    assert first.net != other.net
    assert first.p5 <= first.mean <= first.p95
    # a month of 4 days is met (≥ 0.80, value 0.825 or 0.90) unless two or more bad days are
    # drawn: P(≥ 2 of 4 bad) = 1 − 0.75⁴ − 4 × 0.25 × 0.75³ = 0.2617; possible nets are
    # +3,000 (0.90: all good), 0 (0.825: one bad), −3,600 (a miss: 50 % of 7,200)
    assert set(first.net) <= {D(3000), D(0), D(-3600)}
    misses = sum(1 for n in first.net if n < 0) / len(first.net)
    assert 0.15 < misses < 0.37
    assert 0 < first.chronic_probability < 1


def test_plot_png_is_a_non_blank_image_and_svg_is_svg(case: Path) -> None:
    import matplotlib.image

    png = case / "exposure.png"
    _backtest(case, "--simulate", "3", "--plot", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(str(png))
    assert pixels.shape[0] > 100
    assert pixels.shape[1] > 2 * pixels.shape[0]  # two panels side by side
    assert float(pixels[..., :3].std()) > 0.05  # not a blank canvas
    svg = case / "exposure.svg"
    _backtest(case, "--plot", str(svg))
    assert "<svg" in svg.read_text()


def test_simulation_without_days_is_a_diagnostic(case: Path) -> None:
    (case / "results.json").write_text(json.dumps({"months": MONTHS}))
    result = runner.invoke(app, ["backtest", str(case / "annex.yaml"), "--from", "2027-01", "--to", "2027-03",
                                 "--results", str(case / "results.json"), "--simulate", "5"])  # fmt: skip
    assert result.exit_code == 1
    assert "error[SET003]" in result.output


def test_months_given_only_by_days_are_aggregated(case: Path) -> None:
    (case / "results.json").write_text(json.dumps({"days": _days("0.91", "0.03")}))
    report = _backtest(case)
    months = report["months"]
    assert isinstance(months, list)
    sl = next(k for k in months[0]["kpis"] if k["kpi_id"] == "sl-voice")
    assert (sl["value"], sl["sample"], sl["reward_tier"]) == ("0.91", 4000, 2)
    assert [m["bonuses"] for m in months] == ["1800.00"] * 3


def test_backtest_table_output(case: Path) -> None:
    result = runner.invoke(app, ["backtest", str(case / "annex.yaml"), "--from", "2027-01", "--to", "2027-03",
                                 "--results", str(case / "results.json")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "total net adjustment: -3720.00" in result.stdout
    assert "chronic breach (sl-voice)" in result.stdout


def test_backtest_with_data_charges_each_incident_in_its_month(case: Path) -> None:
    from test_settlement_cli import CONTACTS, INCIDENTS

    data = case / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    report = _backtest(case, "--data", str(data))
    months = report["months"]
    assert isinstance(months, list)
    # i1 reported 1 h late (250) and i2 never reported (1,000), both due in March
    assert [m["liabilities"] for m in months] == ["0.00", "0.00", "1250.00"]
    assert months[2]["net_adjustment"] == "-2810.00"
    assert report["total_net_adjustment"] == "-4970.00"


def test_backtest_incidents_file_replaces_the_data_table(case: Path) -> None:
    from test_settlement_cli import CONTACTS, INCIDENTS

    data = case / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    # The governance store's view: only i2 (never reported, 1,000), detected in February.
    store = case / "store.json"
    store.write_text(
        json.dumps([
            {"incident_id": "g1", "category": "safety", "severity": "critical",
             "occurred_at": "2027-02-11T10:00:00-06:00", "detected_at": "2027-02-11T10:00:00-06:00",
             "reported_at": None},
        ])
    )  # fmt: skip
    months = _backtest(case, "--data", str(data), "--incidents", str(store))["months"]
    assert isinstance(months, list)
    assert [m["liabilities"] for m in months] == ["0.00", "1000.00", "0.00"]
