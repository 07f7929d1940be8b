"""A month delivered as Genesys Cloud exports (conversations, user status details, quality
evaluations, web surveys, WFM schedules and forecast) fills every table the KPIs read, and the
KPIs computed from them match values worked by hand from the sample files."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from callpact.data.ingest import ingest_path
from callpact.data.sources import open_source
from callpact.kpi.definitions import KpiDefinition, Program
from callpact.kpi.engine import compute

SAMPLES = Path(__file__).parent / "samples"
VOICE = (("voice", ("members",)),)
BOTH = (("voice", ("members",)), ("chat", ("members-chat",)))


def test_a_month_of_genesys_exports_computes_every_kpi(tmp_path: Path) -> None:
    delivery = tmp_path / "january"
    shutil.copytree(SAMPLES / "genesys_quality", delivery)
    for name in ("schedules.json", "forecast.json", "activity-codes.json", "planning-groups.json"):
        shutil.copy(SAMPLES / "genesys_wfm" / name, delivery)
    report = ingest_path(delivery, tmp_path / "ws", source_format="genesys")
    accepted = {table: t.accepted for table, t in report.tables.items()}
    assert accepted == {
        "contacts": 2,
        "agent_states": 6,
        "qa_evaluations": 2,
        "surveys": 1,
        "schedules": 3,
        "forecast": 2,
    }
    definitions = [
        KpiDefinition("occupancy", "occupancy", {}, ()),
        KpiDefinition("adherence", "schedule_adherence", {}, ()),
        KpiDefinition("qa", "qa_score", {}, BOTH),
        KpiDefinition("csat", "csat", {}, VOICE),
        KpiDefinition("aht", "aht", {}, VOICE),
    ]
    with open_source(tmp_path / "ws") as source:
        card = compute(Program("America/Chicago"), definitions, source, "2027-01")
    got = {r.kpi_id: (r.value, r.sample) for r in card.results}
    expected = {
        # busy 15:00:50–15:07:30 (400 s) of staffed time 50 + 400 + 1350 + 900 s
        "occupancy": (400 / 2700, 2700),
        # work 15:00–15:30 all staffed, 15:45–16:15 staffed until 16:00: 2700 of 3600 s
        "adherence": (2700 / 3600, 3600),
        # ev-1 92.5, ev-2 an automatic fail counts 0
        "qa": ((0.925 + 0) / 2, 2),  # scores 0–100 are read as shares
        # the one Finished survey: totalScore 75 % → CSAT 4, top box from 4
        "csat": (1.0, 1),
        # conversation 1: talk 124.5 + 120, hold 60, wrap-up 90
        "aht": (394.5, 1),
    }
    assert set(got) == set(expected)
    for kpi, (value, sample) in expected.items():
        assert got[kpi][1] == sample, kpi
        assert got[kpi][0] is not None
        assert math.isclose(got[kpi][0], value, rel_tol=1e-12), (kpi, got[kpi][0], value)


@pytest.mark.parametrize("table", ["schedules", "forecast"])
def test_wfm_rows_without_their_reference_data_are_rejected(tmp_path: Path, table: str) -> None:
    delivery = tmp_path / "wfm"
    delivery.mkdir()
    shutil.copy(SAMPLES / "genesys_wfm" / f"{table}.json", delivery)
    report = ingest_path(delivery, tmp_path / "ws", source_format="genesys")
    t_ = report.tables[table]
    assert (t_.accepted, t_.rejected) == (0, 4 if table == "schedules" else 2)
    assert {d.code for d in report.diagnostics} == {"R401"}
