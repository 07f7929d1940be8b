"""The synthetic program generator: deterministic, valid by every row rule, plausible."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import typer
from generator_kpis import monthly_kpis
from typer.testing import CliRunner

from callpact.cli import generate as generate_cli
from callpact.data.generator import (
    DEMO_QUALITY,
    TABLE_NAMES,
    GeneratorConfig,
    generate_program,
    write_program,
)
from callpact.data.ingest import ingest_path

SMALL = GeneratorConfig(start_month="2027-02", end_month="2027-03", contacts_per_month=3000)


@pytest.fixture(scope="module")
def demo() -> dict[str, pa.Table]:
    return generate_program(GeneratorConfig(contacts_per_month=15_000, seed=11))


@pytest.fixture(scope="module")
def small() -> dict[str, pa.Table]:
    return generate_program(SMALL)


def _us(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.cast(pa.int64()).fill_null(-1).to_numpy(), dtype=np.int64)


def _valid(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_program(small: dict[str, pa.Table]) -> None:
    again = generate_program(SMALL)
    assert set(again) == set(small)
    for name, table in small.items():
        assert again[name].equals(table), name


def test_other_seed_other_program(small: dict[str, pa.Table]) -> None:
    other = generate_program(
        GeneratorConfig(start_month="2027-02", end_month="2027-03", contacts_per_month=3000, seed=2)
    )
    assert not other["contacts"].equals(small["contacts"])


# --------------------------------------------------------------------------- row rules


ENUMS = {
    ("contacts", "channel"): {"voice", "chat", "email", "sms", "social"},
    ("contacts", "direction"): {"inbound", "outbound"},
    ("agent_states", "state"): {
        "available", "busy", "hold", "acw", "break", "training", "meeting", "offline",
    },
    ("schedules", "activity"): {"work", "break", "lunch", "training", "meeting", "off"},
    ("incidents", "severity"): {"critical", "major", "minor"},
}  # fmt: skip
REQUIRED = {
    "contacts": ["contact_id", "channel", "queue", "offered_at", "ended_at"],
    "surveys": ["contact_id", "responded_at"],
    "qa_evaluations": ["evaluation_id", "contact_id", "agent_id", "evaluated_at", "score"],
    "agent_states": ["agent_id", "state", "started_at", "ended_at"],
    "schedules": ["agent_id", "activity", "starts_at", "ends_at"],
    "forecast": ["queue", "interval_start", "interval_minutes", "offered"],
    "feedback": ["feedback_id", "contact_id", "agent_id", "recorded_at", "recorded_text"],
    "agents": ["agent_id", "role"],
    "outages": ["outage_id", "starts_at", "ends_at"],
    "incidents": ["incident_id", "category", "severity", "occurred_at"],
}
KEYS = {
    "contacts": ["contact_id"],
    "surveys": ["contact_id"],
    "qa_evaluations": ["evaluation_id"],
    "agent_states": ["agent_id", "started_at"],
    "schedules": ["agent_id", "starts_at"],
    "forecast": ["queue", "interval_start"],
    "feedback": ["feedback_id"],
    "agents": ["agent_id"],
    "outages": ["outage_id"],
    "incidents": ["incident_id"],
}
ORDER = {
    "agent_states": [("started_at", "ended_at")],
    "schedules": [("starts_at", "ends_at")],
    "outages": [("starts_at", "ends_at")],
    "incidents": [("occurred_at", "detected_at"), ("occurred_at", "reported_at")],
}


def test_every_row_rule_holds(demo: dict[str, pa.Table]) -> None:
    assert set(TABLE_NAMES) <= set(demo)
    for name in TABLE_NAMES:
        table = demo[name]
        assert table.num_rows > 0, name
        for column in REQUIRED[name]:
            assert table[column].null_count == 0, (name, column)
        for (t, column), allowed in ENUMS.items():
            if t == name:
                assert set(table[column].unique().to_pylist()) <= allowed, (name, column)
        keyed = table.group_by(KEYS[name]).aggregate([([], "count_all")])
        assert keyed.num_rows == table.num_rows, f"{name}: duplicate keys"
        for earlier, later in ORDER.get(name, []):
            both = _valid(table[earlier]) & _valid(table[later])
            assert (_us(table[later])[both] >= _us(table[earlier])[both]).all(), (name, later)
    c = demo["contacts"]
    offered, answered_at, ended = _us(c["offered_at"]), _us(c["answered_at"]), _us(c["ended_at"])
    answered = _valid(c["answered_at"])
    assert (answered == _valid(c["agent_id"])).all()
    assert (answered == _valid(c["talk_s"])).all()
    assert (answered_at[answered] >= offered[answered]).all()
    assert (ended[answered] >= answered_at[answered]).all()
    assert (ended[~answered] >= offered[~answered]).all()
    for column in ("talk_s", "hold_s", "acw_s"):
        assert pc.min(c[column]).as_py() >= 0
    s = demo["surveys"]
    for column, low, high in (("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7)):
        assert pc.min(s[column]).as_py() >= low
        assert pc.max(s[column]).as_py() <= high
    qa = demo["qa_evaluations"]
    assert 0 <= pc.min(qa["score"]).as_py() <= pc.max(qa["score"]).as_py() <= 100
    # references: every survey, QA, feedback contact exists; every agent is on the roster
    contact_ids = set(c["contact_id"].to_pylist())
    roster = set(demo["agents"]["agent_id"].to_pylist())
    for name in ("surveys", "qa_evaluations", "feedback"):
        assert set(demo[name]["contact_id"].to_pylist()) <= contact_ids
    for name in ("contacts", "qa_evaluations", "agent_states", "schedules", "feedback"):
        assert set(demo[name]["agent_id"].drop_null().to_pylist()) <= roster


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_ingest_rejects_nothing(
    small: dict[str, pa.Table], tmp_path: Path, file_format: str
) -> None:
    folder = tmp_path / "delivery"
    write_program(small, folder, file_format=file_format)  # type: ignore[arg-type]
    report = ingest_path(folder, tmp_path / "workspace")
    assert set(report.tables) == set(TABLE_NAMES)
    for name, table_report in report.tables.items():
        assert table_report.rejected == 0, (name, report.diagnostics[:3])
        assert table_report.accepted == small[name].num_rows, name


def test_csv_timestamps_carry_the_local_offset(small: dict[str, pa.Table], tmp_path: Path) -> None:
    write_program({"contacts": small["contacts"]}, tmp_path)
    text = (tmp_path / "contacts.csv").read_text(encoding="utf-8")
    stamps = re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}([+-]\d{2}:\d{2})", text)
    # February is CST (−06:00); from 14 March 2027 Chicago is on CDT (−05:00).
    assert set(stamps) == {"-06:00", "-05:00"}
    first = next(iter(csv.DictReader(io.StringIO(text))))["offered_at"]
    assert first.startswith("2027-02-01T07:")
    assert first.endswith("-06:00")


# --------------------------------------------------------------------------- plausibility


def test_demo_months_miss_recover_and_earn_a_bonus(demo: dict[str, pa.Table]) -> None:
    kpis = monthly_kpis(demo)
    january, february, march = kpis[202701], kpis[202702], kpis[202703]
    # January misses the annex: SL 80/30, abandon ≤ 5 %, FCR 0.72, CSAT 0.85, QA 0.90.
    assert january["service_level"] < 0.80
    assert january["abandon_rate"] > 0.05
    assert january["fcr"] < 0.72
    assert january["csat"] < 0.85
    assert january["qa"] < 0.90
    # February recovers: every target met.
    assert february["service_level"] >= 0.80
    assert february["abandon_rate"] <= 0.05
    assert february["fcr"] >= 0.72
    assert february["csat"] >= 0.85
    assert february["qa"] >= 0.90
    # March earns bonuses (SL ≥ 0.85, FCR ≥ 0.78, CSAT ≥ 0.90).
    assert march["service_level"] >= 0.85
    assert march["fcr"] >= 0.78
    assert march["csat"] >= 0.90
    for month in kpis.values():
        assert 0.005 < month["abandon_rate"] < 0.15
        assert 0.65 < month["fcr"] < 0.85
        assert 360 < month["aht"] < 480
        assert month["short_abandons"] > 0


def test_repeats_cross_month_ends_and_dst(demo: dict[str, pa.Table]) -> None:
    c = demo["contacts"].filter(pc.is_valid(demo["contacts"]["customer_id"]))
    offered = _us(c["offered_at"])
    customer = np.asarray(c["customer_id"].to_numpy(zero_copy_only=False), dtype=object)
    order = np.lexsort((offered, customer))
    same = customer[order][1:] == customer[order][:-1]
    first, then = offered[order][:-1][same], offered[order][1:][same]
    gap_days = (then - first) / 86_400e6
    assert 0.2 < same.mean() < 0.5  # a fair share of contacts are repeats
    feb_1 = 1_801_461_600_000_000  # 2027-02-01T00:00-06:00
    dst = 1_804_924_800_000_000  # 2027-03-14T08:00Z, clocks go forward in Chicago
    assert ((first < feb_1) & (then >= feb_1) & (gap_days <= 7)).sum() > 10
    assert ((first < dst) & (then >= dst) & (gap_days <= 7)).sum() > 10
    assert ((gap_days > 7) & (gap_days < 12)).sum() > 10  # comebacks outside the FCR window


def test_forecast_errors_outage_incidents_trainees(demo: dict[str, pa.Table]) -> None:
    forecast = demo["forecast"]
    c = demo["contacts"]
    interval = (_us(c["offered_at"]) // 1_800_000_000) * 1_800_000_000
    actual: dict[tuple[str, int], int] = {}
    for queue, start in zip(c["queue"].to_pylist(), interval.tolist(), strict=True):
        actual[queue, start] = actual.get((queue, start), 0) + 1
    above = [
        actual.get((q, s), 0) > 1.15 * f and f >= 20
        for q, s, f in zip(
            forecast["queue"].to_pylist(),
            _us(forecast["interval_start"]).tolist(),
            forecast["offered"].to_pylist(),
            strict=True,
        )
    ]
    assert 5 <= sum(above) < 0.1 * len(above)
    assert demo["outages"].num_rows == 1
    incidents = demo["incidents"]
    assert incidents["reported_at"].null_count == 1
    delay_h = (_us(incidents["reported_at"]) - _us(incidents["detected_at"])) / 3.6e9
    deadline = np.array(
        [{"critical": 1, "major": 4, "minor": 48}[s] for s in incidents["severity"].to_pylist()]
    )
    reported = _valid(incidents["reported_at"])
    assert (delay_h[reported] > deadline[reported]).sum() >= 2
    agents = demo["agents"]
    trained = agents["training_completed_on"].cast(pa.timestamp("us", tz="UTC"))
    new = pc.greater_equal(trained, pa.scalar(1_798_761_600_000_000, pa.timestamp("us", tz="UTC")))
    trainees = set(agents.filter(new)["agent_id"].to_pylist())
    assert trainees
    assert trainees & set(c["agent_id"].drop_null().to_pylist())


def test_feedback_mixes_faithful_and_distorted_notes(demo: dict[str, pa.Table]) -> None:
    truth = demo["_truth_feedback"]
    labels = truth["label"].to_pylist()
    assert set(labels) == {"faithful", "paraphrased", "distorted", "missing"}
    feedback = demo["feedback"]
    # The demo's operators learn to write verbatim over the quarter: each month's faithful
    # share is the scenario's, within four binomial standard errors.
    offered = dict(
        zip(
            demo["contacts"]["contact_id"].to_pylist(),
            demo["contacts"]["offered_at"].to_pylist(),
            strict=True,
        )
    )
    chicago = ZoneInfo("America/Chicago")
    by_month: dict[int, list[str]] = {}
    for contact_id, label in zip(feedback["contact_id"].to_pylist(), labels, strict=True):
        by_month.setdefault(offered[contact_id].astimezone(chicago).month, []).append(label)
    for index, month in enumerate(sorted(by_month)):
        expected = DEMO_QUALITY[index].faithful
        got = by_month[month].count("faithful") / len(by_month[month])
        assert abs(got - expected) < 4 * (expected * (1 - expected) / len(by_month[month])) ** 0.5
    recorded_texts = feedback["recorded_text"].to_pylist()
    rows = zip(recorded_texts, feedback["transcript_text"].to_pylist(), labels, strict=True)
    for recorded, transcript, label in rows:
        assert recorded  # never empty: an empty field would be a null, which is rejected
        if label == "faithful" and transcript is not None:
            assert recorded.lower().rstrip(".") == transcript.lower().rstrip(".")
        if label == "distorted" and transcript is not None:
            assert recorded != transcript
    assert feedback["transcript_text"].null_count > 0


def test_agent_states_match_handled_work(demo: dict[str, pa.Table]) -> None:
    states = demo["agent_states"]
    seconds = (_us(states["ended_at"]) - _us(states["started_at"])) / 1e6
    names = np.asarray(states["state"].to_numpy(zero_copy_only=False), dtype=object)
    busy = seconds[np.isin(names, ["busy", "hold", "acw"])].sum()
    logged = seconds[np.isin(names, ["busy", "hold", "acw", "available"])].sum()
    # occupancy: low for a program this small (Erlang C pooling), never above what is possible
    assert 0.25 < busy / logged < 0.97
    c = demo["contacts"]
    handled = sum(pc.sum(c[k]).as_py() for k in ("talk_s", "hold_s", "acw_s"))
    assert busy == pytest.approx(handled, rel=0.05)


# --------------------------------------------------------------------------- command


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def _group() -> None:
        """Test app."""

    generate_cli.register(application)
    return application


def test_generate_command_writes_a_folder(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "program"
    args = ["generate", "--from", "2027-01", "--to", "2027-01", "--contacts-per-month", "800"]
    args += ["--seed", "4", "--out", str(out), "--format", "parquet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLE_NAMES)


def test_generate_command_reads_the_annex(app: typer.Typer, tmp_path: Path) -> None:
    annex = tmp_path / "annex.yaml"
    annex.write_text(
        "contract: {id: east, client: C, vendor: V, currency: USD, time_zone: America/New_York,"
        " term: {start: 2027-01-01, end: 2027-12-31}, fee: {model: fixed_monthly, amount: 1000}}\n"
        "scope:\n  hours:\n    line:\n      calendar: ['mon-fri 08:00-17:00']\n"
        "  channels: [{channel: voice, queues: [q], hours: line}]\n"
        "kpis: [{id: sl, metric: service_level, params: {threshold_s: 20}, target: 0.8}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "program"
    result = CliRunner().invoke(
        app,
        ["generate", "--from", "2027-01", "--to", "2027-01", "--contacts-per-month", "500",
         "--contract", str(annex), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (out / "contacts.csv").open(encoding="utf-8", newline="") as handle:
        stamps = [row["offered_at"] for row in csv.DictReader(handle)]
    hours = {int(stamp.split("T")[1][:2]) for stamp in stamps}
    assert min(hours) >= 8
    assert max(hours) <= 16
    assert all(stamp.endswith("-05:00") for stamp in stamps)


def test_generate_command_refuses_an_annex_with_errors(app: typer.Typer, tmp_path: Path) -> None:
    annex = tmp_path / "annex.yaml"
    annex.write_text("contract:\n  time_zone: Mars/Olympus\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["generate", "--contract", str(annex), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code != 0
    assert f"{annex}:" in result.output  # the loader's located diagnostics
    assert not (tmp_path / "out").exists()


def test_generate_command_rejects_months_that_do_not_fit_together(
    app: typer.Typer, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--from", "2027-03", "--to", "2027-01", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "error[GEN001]" in result.output
    assert "is before" in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--from", "2027-13"], "Invalid value for '--from': '2027-13' is not a month"),
        (["--format", "xlsx"], "Invalid value for '--format'"),
        (["--time-zone", "Mars/Olympus"], "'Mars/Olympus' is not a time zone"),
        (["--contacts-per-month", "-1"], "Invalid value for '--contacts-per-month'"),
    ],
)
def test_generate_command_refuses_bad_values_before_running(
    app: typer.Typer, tmp_path: Path, args: list[str], needle: str
) -> None:
    result = CliRunner().invoke(app, ["generate", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert needle in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "x").exists()
