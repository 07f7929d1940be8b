"""`callpact contract check | render | diff` through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from annex_text import CLEAN, position, replace
from typer.testing import CliRunner

from callpact.cli.main import _register, app

_register()
runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_valid_files_exit_zero_with_warnings(tmp_path: Path) -> None:
    text = replace("    min_sample: 300\n    exclusions", "    exclusions")
    warned = write(tmp_path, "warned.yaml", text)
    other = str(EXAMPLES / "techsupport-per-minute.yaml")
    result = runner.invoke(app, ["contract", "check", str(warned), other])
    assert result.exit_code == 0, result.output
    line, column = position(text, "sl\n")
    assert f"{warned}:{line}:{column}: warning[CP102]:" in result.output


def test_check_no_lint_hides_warnings(tmp_path: Path) -> None:
    warned = write(
        tmp_path, "warned.yaml", replace("    min_sample: 300\n    exclusions", "    exclusions")
    )
    result = runner.invoke(app, ["contract", "check", "--no-lint", str(warned)])
    assert result.exit_code == 0
    assert "CP102" not in result.output


def test_check_errors_exit_one_and_print_file_line_column(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", replace("America/Chicago", "America/Chicgo"))
    good = write(tmp_path, "good.yaml", CLEAN)
    result = runner.invoke(app, ["contract", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:7:14: error[CP007]: contract.time_zone: unknown time zone" in result.output


def test_check_json(tmp_path: Path) -> None:
    text = replace("metric: aht", "metric: ahtt")
    bad = write(tmp_path, "bad.yaml", text)
    result = runner.invoke(app, ["contract", "check", "--format", "json", str(bad)])
    assert result.exit_code == 1
    (item,) = json.loads(result.stdout)
    line, column = position(text, "ahtt")
    assert (item["code"], item["line"], item["column"], item["severity"]) == (
        "CP008",
        line,
        column,
        "error",
    )
    assert item["source"] == str(bad)
    assert item["field"] == "kpis[1].metric"


def test_check_the_examples() -> None:
    result = runner.invoke(
        app,
        [
            "contract",
            "check",
            str(EXAMPLES / "annex.yaml"),
            str(EXAMPLES / "techsupport-per-minute.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "error[" not in result.output


def test_render_markdown_and_html(tmp_path: Path) -> None:
    annex = write(tmp_path, "annex.yaml", CLEAN)
    result = runner.invoke(app, ["contract", "render", str(annex)])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Service level annex acme-2027")
    out = tmp_path / "annex.html"
    result = runner.invoke(
        app, ["contract", "render", str(annex), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_render_refuses_an_invalid_annex(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", replace("metric: aht", "metric: ahtt"))
    result = runner.invoke(app, ["contract", "render", str(bad)])
    assert result.exit_code == 1
    assert "error[CP008]" in result.output


def test_diff_text_and_json(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", CLEAN)
    new = write(tmp_path, "new.yaml", replace("period_days: 30", "period_days: 15"))
    result = runner.invoke(app, ["contract", "diff", str(old), str(new)])
    assert result.exit_code == 0
    assert result.stdout == "cure period 30 → 15 days\n"
    result = runner.invoke(app, ["contract", "diff", str(old), str(new), "--format", "json"])
    assert json.loads(result.stdout)[0]["old"] == 30
    same = runner.invoke(app, ["contract", "diff", str(old), str(old)])
    assert same.stdout == "no changes in contract terms\n"


def test_render_the_version_in_force_on_a_date() -> None:
    annex = str(EXAMPLES / "annex.yaml")
    july = runner.invoke(app, ["contract", "render", annex, "--on", "2027-07-01"])
    assert july.exit_code == 0
    assert "This version is in force from 2027-07-01." in july.stdout
    assert "| 1 | sl-voice below 0.82 | 0.15 of the at-risk pool |" in july.stdout
    signed = runner.invoke(app, ["contract", "render", annex])
    assert "| 1 | sl-voice below 0.80 | 0.15 of the at-risk pool |" in signed.stdout
    assert "- sl-voice target 0.80 → 0.82" in signed.stdout
    early = runner.invoke(app, ["contract", "render", annex, "--on", "2026-12-31"])
    assert early.exit_code == 2
    assert "before contract northwind-harbor-2027 takes effect" in early.output


def test_diff_one_file_lists_what_each_amendment_changed() -> None:
    result = runner.invoke(app, ["contract", "diff", str(EXAMPLES / "annex.yaml")])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "effective 2027-07-01:"
    assert "  sl-voice target 0.80 → 0.82" in lines
    assert "  AHT measure callback-offer added" in lines
    as_json = runner.invoke(
        app, ["contract", "diff", str(EXAMPLES / "annex.yaml"), "--format", "json"]
    )
    assert {item["amendment"] for item in json.loads(as_json.stdout)} == {"effective 2027-07-01"}


def _staffing_folder(folder: Path, agents: int) -> Path:
    """One forecast interval (Monday 10:00 in Chicago, 100 calls, AHT 180 s: 10 erlangs) and
    ``agents`` agents scheduled to work through it."""
    folder.mkdir()
    (folder / "forecast.csv").write_text(
        "queue,interval_start,interval_minutes,offered,aht_s\n"
        "members,2027-01-04T10:00:00-06:00,30,100,180\n"
    )
    rows = "".join(
        f"A{n},work,2027-01-04T08:00:00-06:00,2027-01-04T16:00:00-06:00\n" for n in range(agents)
    )
    (folder / "schedules.csv").write_text("agent_id,activity,starts_at,ends_at\n" + rows)
    return folder


def test_check_with_data_warns_when_the_staffing_cannot_meet_a_target(tmp_path: Path) -> None:
    # 10 erlangs of load on 8 agents: Erlang C has no steady state, the service level is ~0.
    short = _staffing_folder(tmp_path / "short", agents=8)
    result = runner.invoke(
        app,
        ["contract", "check", str(EXAMPLES / "annex.yaml"), "--data", str(short),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # warnings never fail the check
    found = [d for d in json.loads(result.stdout) if d["code"] == "FEA001"]
    assert [d["field"] for d in found] == ["kpis[sl-voice]"]
    assert found[0]["severity"] == "warning"
    assert found[0]["line"] == position((EXAMPLES / "annex.yaml").read_text(), "- id: sl-voice")[0]
    # 16 agents (Erlang C needs 13 for 80 % within 30 s): nothing to say.
    enough = _staffing_folder(tmp_path / "enough", agents=16)
    result = runner.invoke(
        app,
        ["contract", "check", str(EXAMPLES / "annex.yaml"), "--data", str(enough),
         "--format", "json"],
    )  # fmt: skip
    staffing = {"FEA001", "FEA002"}
    assert not [d for d in json.loads(result.stdout) if d["code"] in staffing]
