"""The same KPI expressions on a local Spark session give DuckDB's results.

Counts and samples must be identical; means equal to 1e-12 relative. One session per module,
small data: the session start dominates the run time.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callpact.kpi.definitions import Exclusion, KpiDefinition, Program
from callpact.kpi.engine import DuckDBBackend, SparkBackend, compute

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kpi.kpi_data import AGENT_HOURS, MEMBER_LINE, boundary_program, write_tables

pytestmark = pytest.mark.spark

VOICE = (("voice", ("members", "pharmacy", "providers")),)
BOTH = (("voice", ("members", "pharmacy", "providers")), ("chat", ("members-chat",)))


def _definitions() -> list[KpiDefinition]:
    every = (
        Exclusion("declared_outages"),
        Exclusion("volume_above_forecast", 0.15),
        Exclusion("trainees_in_exemption"),
    )
    return [
        KpiDefinition(
            "sl",
            "service_level",
            {"threshold_s": 30},
            VOICE,
            MEMBER_LINE,
            exclusions=every,
            trainee_exemption_days=14,
        ),
        KpiDefinition("aht", "aht", {}, VOICE),
        # contact KPIs of one scope: one fused scan on either engine
        KpiDefinition("asa", "asa", {}, VOICE),
        KpiDefinition("abandon", "abandon_rate", {}, VOICE),
        KpiDefinition("short", "short_abandon_rate", {}, VOICE),
        KpiDefinition("transfer", "transfer_rate", {}, VOICE),
        KpiDefinition(
            "sl-ans", "service_level", {"threshold_s": 30, "abandons": "excluded"}, VOICE
        ),
        KpiDefinition("fcr", "fcr", {"window_days": 7}, BOTH, MEMBER_LINE),
        KpiDefinition("fcr-queue", "fcr", {"window_days": 7, "same_queue": True}, BOTH),
        # survey KPIs and QA of one scope: one join of the stacked responses
        KpiDefinition("csat", "csat", {"top_box_from": 4}, BOTH),
        KpiDefinition("nps", "nps", {}, BOTH),
        KpiDefinition("ces", "ces", {}, BOTH),
        KpiDefinition("qa", "qa_score", {}, BOTH),
        KpiDefinition("isl", "interval_service_level", {"threshold_s": 30}, VOICE),
        KpiDefinition("fa", "forecast_accuracy", {}, BOTH),
        KpiDefinition("occ", "occupancy"),
        KpiDefinition("adh", "schedule_adherence"),
        # agent time inside the hours: one range join with the pieces of the buckets and hours
        KpiDefinition("occ-hours", "occupancy", hours=AGENT_HOURS),
        KpiDefinition("adh-hours", "schedule_adherence", hours=AGENT_HOURS),
    ]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("callpact-kpi-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_gives_duckdbs_scorecard(spark: Any, tmp_path: Path) -> None:
    tables = boundary_program(seed=23, n_contacts=400)
    source = write_tables(tables, tmp_path / "data")
    program = Program("America/Chicago")
    definitions = _definitions()
    # the whole set by month, AHT, FCR and agent time by day (buckets computed the same way),
    # and the contact KPIs and FCR per queue (FCR's groups numbered before its window)
    by_day = [d for d in definitions if d.kpi_id in ("aht", "fcr", "occ-hours", "adh")]
    per_queue = [d for d in definitions if d.kpi_id in ("sl", "aht", "fcr", "fcr-queue")]
    runs = ((None, definitions, False), ("day", by_day, False), (None, per_queue, True))
    assert all(len(chosen) > 1 for _, chosen, _ in runs)
    for by, chosen, queues in runs:
        duck = compute(
            program, chosen, source, "2027-11", by=by, backend=DuckDBBackend(), per_queue=queues
        )
        on_spark = compute(
            program, chosen, source, "2027-11", by=by, backend=SparkBackend(spark), per_queue=queues
        )
        assert on_spark.backend == "pyspark"
        left = {(r.kpi_id, r.bucket, r.queue): r for r in duck.results}
        right = {(r.kpi_id, r.bucket, r.queue): r for r in on_spark.results}
        assert left.keys() == right.keys()
        for key, a in left.items():
            b = right[key]
            assert (a.sample, a.excluded, dict(a.excluded_by), a.status) == (
                b.sample,
                b.excluded,
                dict(b.excluded_by),
                b.status,
            ), key
            if a.value is None:
                assert b.value is None, key
            else:
                assert b.value is not None
                assert math.isclose(a.value, b.value, rel_tol=1e-12, abs_tol=1e-15), key
        assert sum(r.sample for r in duck.results) > 0
        assert any(r.excluded for r in duck.results) or by == "day"
        if queues:
            assert len({r.queue for r in duck.results}) > 1


@pytest.mark.parametrize(
    "absent",
    ["qa_evaluations", "surveys", "agents", "outages", "forecast", "agent_states", "schedules"],
)
def test_an_absent_optional_table_gives_duckdbs_scorecard(
    spark: Any, tmp_path: Path, absent: str
) -> None:
    """An adapter-only delivery lacks tables (QA, surveys…): Spark answers as DuckDB does."""
    tables = boundary_program(seed=31, n_contacts=200)
    assert tables.pop(absent)
    source = write_tables(tables, tmp_path / "data")
    program = Program("America/Chicago")
    definitions = _definitions()
    duck = compute(program, definitions, source, "2027-11", backend=DuckDBBackend())
    on_spark = compute(program, definitions, source, "2027-11", backend=SparkBackend(spark))
    left = {r.kpi_id: (r.sample, r.excluded, r.status, r.value) for r in duck.results}
    right = {r.kpi_id: (r.sample, r.excluded, r.status, r.value) for r in on_spark.results}
    assert left.keys() == right.keys()
    for key, (sample, excluded, status, value) in left.items():
        assert right[key][:3] == (sample, excluded, status), key
        other = right[key][3]
        assert (value is None) == (other is None), key
        if value is not None and other is not None:
            assert math.isclose(value, other, rel_tol=1e-12, abs_tol=1e-15), key
    assert sum(r.sample for r in duck.results) > 0


def test_settlement_volumes_on_spark_are_duckdbs(spark: Any, tmp_path: Path) -> None:
    """A fee's measured volumes run through the same expressions on Spark: the same handled
    contacts, handle time and productive time to the microsecond."""
    from callpact.settlement.inputs import measure_volumes

    source = write_tables(boundary_program(seed=29, n_contacts=300), tmp_path / "data")
    scope = [(channel, queues) for channel, queues in BOTH]
    duck = measure_volumes(source, "2027-11", "America/Chicago", scope=scope)
    on_spark = measure_volumes(
        source, "2027-11", "America/Chicago", scope=scope, engine=SparkBackend(spark)
    )
    assert on_spark == duck
    assert duck.handled_contacts > 0
    assert duck.handle_seconds > 0
    assert duck.productive_seconds > 0
