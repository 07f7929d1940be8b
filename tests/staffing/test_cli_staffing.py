"""``callpact staffing``: JSON shape, forecast files, clear messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from callpact.cli import staffing as staffing_cli
from callpact.staffing import staff_interval


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def _group() -> None:
        """Test app."""

    staffing_cli.register(application)
    return application


def _run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["staffing", *args])
    return result.exit_code, result.output


def test_single_interval_json(app: typer.Typer) -> None:
    code, out = _run(
        app,
        *("--calls", "100", "--interval-s", "1800", "--aht-s", "180"),
        *("--target", "0.80", "--threshold-s", "20", "--format", "json"),
    )
    assert code == 0
    data = json.loads(out)
    assert {"agents", "service_level", "asa_s", "occupancy", "model"} <= data.keys()
    assert data["agents"] == 14
    assert data["model"] == "erlang_c"
    assert data["service_level"] == pytest.approx(0.8883500192, abs=1e-10)
    assert data["occupancy"] == pytest.approx(10 / 14)


def test_decimal_seconds_and_erlang_a(app: typer.Typer) -> None:
    code, out = _run(
        app,
        *("--calls", "100", "--interval-s", "1800.0", "--aht-s", "180.5"),
        *("--threshold-s", "19.5", "--patience-s", "300.25", "--format", "json"),
    )
    assert code == 0
    data = json.loads(out)
    assert data["model"] == "erlang_a"
    expected = staff_interval(100, 1800, 180.5, 0.8, 19.5, patience_s=300.25)
    assert data["agents"] == expected.agents
    assert data["service_level"] >= 0.8


def test_forecast_csv_gives_one_row_per_interval(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text(
        "queue,interval_start,interval_minutes,offered,aht_s\n"
        "members,2027-01-04T07:00:00-06:00,30,100,180\n"
        "members,2027-01-04T07:30:00-06:00,30,0,180\n"
        "pharmacy,2027-01-04T07:00:00-06:00,15,37.5,240.5\n",
        encoding="utf-8",
    )
    code, out = _run(app, "--forecast", str(path), "--format", "json", "--max-occupancy", "0.9")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["queue"] for r in rows] == ["members", "members", "pharmacy"]
    assert rows[0]["agents"] == 14
    assert rows[1]["agents"] == 0
    assert rows[2]["agents"] == staff_interval(37.5, 900, 240.5, 0.8, 20, max_occupancy=0.9).agents
    assert rows[0]["interval_start"] == "2027-01-04T07:00:00-06:00"


def test_forecast_parquet(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "forecast.parquet"
    table = pa.table(
        {
            "queue": ["members"],
            "interval_start": pa.array([0], pa.timestamp("us", tz="UTC")),
            "interval_minutes": [30],
            "offered": [100.0],
            "aht_s": [180.0],
        }
    )
    pq.write_table(table, path)
    code, out = _run(app, "--forecast", str(path), "--format", "json")
    assert code == 0, out
    assert json.loads(out)[0]["agents"] == 14


def test_forecast_bad_rows_are_all_reported_with_lines(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text(
        "queue,interval_start,interval_minutes,offered,aht_s\n"
        "members,2027-01-04T07:00:00-06:00,30,many,180\n"
        "members,2027-01-04T07:30:00-06:00,30,100,\n"
        "members,2027-01-04T08:00:00-06:00,0,100,180\n",
        encoding="utf-8",
    )
    code, out = _run(app, "--forecast", str(path), "--format", "json")
    assert code == 1
    problems = json.loads(out)
    assert [(p["line"], p["field"]) for p in problems] == [
        (2, "offered"),
        (3, "aht_s"),
        (4, "interval_minutes"),
    ]
    assert all(p["code"] == "STF004" and p["source"] == str(path) for p in problems)


def test_forecast_missing_column(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text("queue,interval_start,offered\nmembers,2027-01-04T07:00:00-06:00,3\n")
    code, out = _run(app, "--forecast", str(path))
    assert code == 1
    assert "error[STF003]: forecast has no column 'interval_minutes'" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--calls", "100", "--aht-s", "180", "--target", "80"], "--target must be a share"),
        (["--calls", "-3", "--aht-s", "180"], "--calls must not be negative"),
        (["--calls", "100", "--aht-s", "0"], "--aht-s must be greater than 0"),
        (["--calls", "100"], "missing --aht-s"),
        (["--calls", "1", "--aht-s", "1", "--max-occupancy", "2"], "--max-occupancy must be"),
    ],
)
def test_bad_arguments_give_clear_messages(app: typer.Typer, args: list[str], needle: str) -> None:
    code, out = _run(app, *args)
    assert code == 2  # usage: the arguments, not the data, are wrong
    assert "error[STF001]" in out
    assert needle in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--calls", "1", "--aht-s", "1", "--format", "xml"], "'--format'"),
        (["--calls", "nan", "--aht-s", "180"], "'--calls': 'nan' is not a finite number"),
        (["--calls", "100", "--aht-s", "inf"], "'--aht-s': 'inf' is not a finite number"),
        (["--forecast", "/no/such/forecast.csv"], "'--forecast'"),
    ],
)
def test_values_of_the_wrong_kind_are_refused_while_parsing(
    app: typer.Typer, args: list[str], needle: str
) -> None:
    code, out = _run(app, *args)
    assert code == 2
    assert needle in " ".join(out.split())  # the usage box wraps long lines


def test_table_output(app: typer.Typer) -> None:
    code, out = _run(app, "--calls", "100", "--aht-s", "180")
    assert code == 0
    assert "erlang_c" in out
    assert "14" in out


def test_a_month_of_intervals_runs_fast(app: typer.Typer, tmp_path: Path) -> None:
    # 31 days × 48 half hours × 2 queues with repeating volumes: memoised, so it stays quick.
    lines = ["queue,interval_start,interval_minutes,offered,aht_s"]
    for day in range(31):
        for slot in range(48):
            for queue, scale in (("members", 1.0), ("pharmacy", 0.4)):
                offered = round(scale * (50 + 40 * (slot % 24) / 24), 1)
                stamp = f"2027-01-{day + 1:02d}T{slot // 2:02d}:{30 * (slot % 2):02d}:00-06:00"
                lines.append(f"{queue},{stamp},30,{offered},300")
    path = tmp_path / "forecast.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out = _run(app, "--forecast", str(path), "--format", "json", "--patience-s", "120")
    assert code == 0
    assert len(json.loads(out)) == 31 * 48 * 2
