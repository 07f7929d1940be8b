"""The engine against the naive implementation on boundary-rich data (DuckDB backend)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from callpact.data import ingest
from callpact.data.ingest import ingest_path
from callpact.data.sources import open_source
from callpact.kpi.definitions import Exclusion, KpiDefinition, Program
from callpact.kpi.engine import ByOption, Computation, DuckDBBackend, KpiResult, compute

from .kpi_data import (
    AGENT_HOURS,
    MEMBER_LINE,
    ZONE,
    FolderSource,
    boundary_program,
    write_tables,
)
from .naive import (
    NaiveKpi,
    naive_adherence,
    naive_fidelity,
    naive_forecast_accuracy,
    naive_interval_service_level,
    naive_kpi,
    naive_occupancy,
)

VOICE = (("voice", ("members", "pharmacy", "providers")),)
VOICE_CHAT = (("voice", ("members", "pharmacy", "providers")), ("chat", ("members-chat",)))
ALL_EXCLUSIONS = (
    ("declared_outages", None),
    ("volume_above_forecast", 0.15),
    ("trainees_in_exemption", None),
)

CASES: list[tuple[str, str, dict[str, Any], Any, bool, tuple[tuple[str, float | None], ...]]] = [
    # id, metric, params, scope, with hours, exclusions
    ("sl", "service_level", {"threshold_s": 30}, VOICE, True, ALL_EXCLUSIONS),
    ("sl-all-day", "service_level", {"threshold_s": 30, "short_abandon_s": 5}, VOICE, False, ()),
    ("sl-ans", "service_level", {"threshold_s": 30, "abandons": "excluded"}, VOICE, False, ()),
    (
        "sl-neutral",
        "service_level",
        {"threshold_s": 30, "abandons": "neutral_within"},
        (),
        True,
        (),
    ),
    ("sl-met", "service_level", {"threshold_s": 30, "abandons": "met_within"}, VOICE, False, ()),
    (
        "sl-12.5",
        "service_level",
        {"threshold_s": 12.5, "short_abandon_s": 1},
        VOICE_CHAT,
        False,
        (),
    ),
    ("abandon", "abandon_rate", {}, VOICE, True, (("declared_outages", None),)),
    ("short", "short_abandon_rate", {"short_abandon_s": 5}, VOICE_CHAT, False, ()),
    ("asa", "asa", {}, VOICE, False, ()),
    ("aht", "aht", {}, VOICE, False, (("trainees_in_exemption", None),)),
    ("transfer", "transfer_rate", {}, (), False, ()),
    ("fcr", "fcr", {"window_days": 7}, VOICE_CHAT, False, ()),
    ("fcr-hours", "fcr", {"window_days": 3}, VOICE, True, (("declared_outages", None),)),
    ("fcr-queue", "fcr", {"window_days": 7, "same_queue": True}, VOICE_CHAT, False, ()),
    ("csat", "csat", {"top_box_from": 4}, VOICE_CHAT, False, ()),
    ("csat-mean", "csat", {"method": "mean"}, VOICE_CHAT, False, ()),
    ("nps", "nps", {}, (), False, ()),
    ("ces", "ces", {}, (), False, ()),
    ("qa", "qa_score", {}, (), False, ALL_EXCLUSIONS),
]
MONTHS = ("2027-03", "2027-10", "2027-11")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], FolderSource]:
    tables = boundary_program(seed=11)
    return tables, write_tables(tables, Path(tmp_path_factory.mktemp("boundary")))


def _definitions() -> list[KpiDefinition]:
    return [
        KpiDefinition(
            kpi_id=kid,
            metric=metric,
            params=params,
            scope=scope,
            hours=MEMBER_LINE if hours else None,
            exclusions=tuple(Exclusion(k, t) for k, t in exclusions),  # type: ignore[arg-type]
            trainee_exemption_days=14,
        )
        for kid, metric, params, scope, hours, exclusions in CASES
    ]


@pytest.mark.parametrize("month", MONTHS)
def test_engine_agrees_with_naive_rows(
    program: tuple[dict[str, Any], FolderSource], month: str
) -> None:
    tables, source = program
    backend = DuckDBBackend()
    card = compute(Program("America/Chicago"), _definitions(), source, month, backend=backend)
    got: dict[str, KpiResult] = {r.kpi_id: r for r in card.results}
    for kid, metric, params, scope, hours, exclusions in CASES:
        naive = NaiveKpi(metric, params, scope, MEMBER_LINE if hours else None, exclusions, 14)
        value, sample, excluded = naive_kpi(naive, tables, month, ZONE)
        result = got[kid]
        assert result.sample == sample, (kid, month)
        if value is None:
            assert result.value is None, kid
        else:
            assert result.value is not None
            assert math.isclose(result.value, value, rel_tol=1e-12, abs_tol=1e-15), (kid, month)
        assert result.excluded == excluded["total"], (kid, month)
        for kind, _ in exclusions:
            assert result.excluded_by[kind] == excluded[kind], (kid, month, kind)


def test_results_per_queue_agree_with_naive(
    program: tuple[dict[str, Any], FolderSource],
) -> None:
    """Per queue, each result measures that queue's contacts only (FCR's repeats still come from
    the whole scope), in November with the clocks falling back; FCR once with queues listed
    (groups numbered before the window) and once with any queue of a channel (named after)."""
    tables, source = program
    any_queue = (("voice", None), ("chat", None))
    cases = [*CASES, ("fcr-any", "fcr", {"window_days": 7}, any_queue, False, ())]
    definitions = [
        KpiDefinition(kid, metric, params, scope, MEMBER_LINE if hours else None)
        for kid, metric, params, scope, hours, _ in cases
    ]
    card = compute(Program("America/Chicago"), definitions, source, "2027-11", per_queue=True)
    got = {(r.kpi_id, r.queue): r for r in card.results}
    queues = sorted({c["queue"] for c in tables["contacts"] if c["queue"] is not None})
    checked = 0
    for kid, metric, params, scope, hours, _ in cases:
        for queue in queues:
            naive = NaiveKpi(metric, params, scope, MEMBER_LINE if hours else None, queue=queue)
            value, sample, _ = naive_kpi(naive, tables, "2027-11", ZONE)
            result = got.get((kid, queue))
            if sample == 0:
                assert result is None or result.sample == 0, (kid, queue)
                continue
            assert result is not None, (kid, queue)
            assert result.sample == sample, (kid, queue)
            assert result.value is not None
            assert value is not None
            assert math.isclose(result.value, value, rel_tol=1e-12), (kid, queue)
            checked += 1
    assert checked > 2 * len(cases)


@pytest.fixture(scope="module")
def clustered(
    program: tuple[dict[str, Any], FolderSource], tmp_path_factory: pytest.TempPathFactory
) -> FolderSource:
    """The same tables with the contacts laid out as a workspace partition: sorted by customer
    and time, here in row groups of 20 contacts."""
    _, source = program
    root = Path(tmp_path_factory.mktemp("clustered"))
    for path in source.root.glob("*.parquet"):
        table = pq.read_table(path)
        if path.stem == "contacts":
            table = table.sort_by([("customer_id", "ascending"), ("offered_at", "ascending")])
        pq.write_table(table, root / path.name, row_group_size=20)
    return FolderSource(root)


@pytest.mark.parametrize("layout", ["as-written", "clustered"])
@pytest.mark.parametrize("partitioned", [False, True], ids=["one-order", "per-customer"])
@pytest.mark.parametrize("month", ["2027-10", "2027-11"])
def test_fcr_in_passes_over_customer_parts_agrees_with_naive(
    program: tuple[dict[str, Any], FolderSource],
    clustered: FolderSource,
    month: str,
    partitioned: bool,
    layout: str,
) -> None:
    """With a window limit of 100 contacts FCR runs in several passes, each over a disjoint set
    of customers; the passes must add up to exactly the naive values. Both shapes of the LEAD
    (one order over all contacts, DuckDB's; a partition per customer, Spark's) agree. Contacts
    as written (in one row group) are split by a hash of the customer; clustered by customer,
    into ranges of customer ids read off the row groups' statistics."""
    tables, written = program
    source = clustered if layout == "clustered" else written
    backend = DuckDBBackend()
    backend.window_rows = 100
    backend.partitioned_windows = partitioned
    fcr = [d for d in _definitions() if d.metric == "fcr"]
    computation = Computation(Program("America/Chicago"), backend, source, month, definitions=fcr)
    parts = computation.fcr_parts(fcr[0])
    assert len(parts) > 2
    if layout == "clustered":
        assert all(p.buckets == 1 for p in parts)
        assert [p.hi for p in parts[:-1]] == [p.lo for p in parts[1:]]
        assert parts[0].lo is None
        assert parts[-1].hi is None
    else:
        assert [p.bucket for p in parts] == list(range(len(parts)))
    card = compute(Program("America/Chicago"), fcr, source, month, backend=backend)
    assert len(card.results) == len(fcr)
    for result, definition in zip(card.results, fcr, strict=True):
        case = next(c for c in CASES if c[0] == definition.kpi_id)
        _, metric, params, scope, hours, exclusions = case
        naive = NaiveKpi(metric, params, scope, MEMBER_LINE if hours else None, exclusions, 14)
        value, sample, _ = naive_kpi(naive, tables, month, ZONE)
        assert result.sample == sample, (definition.kpi_id, month)
        assert value is not None
        assert result.value is not None
        assert math.isclose(result.value, value, rel_tol=1e-12), (definition.kpi_id, month)


OTHERS: list[tuple[KpiDefinition, NaiveKpi | None]] = [
    (
        KpiDefinition("isl", "interval_service_level", {"threshold_s": 30}, VOICE, MEMBER_LINE),
        NaiveKpi("interval_service_level", {"threshold_s": 30}, VOICE, MEMBER_LINE),
    ),
    (
        KpiDefinition(
            "isl-15",
            "interval_service_level",
            {"threshold_s": 12.5, "interval_minutes": 15, "interval_target": 0.5},
            VOICE_CHAT,
            exclusions=(Exclusion("declared_outages"),),
        ),
        NaiveKpi(
            "interval_service_level",
            {"threshold_s": 12.5, "interval_minutes": 15, "interval_target": "0.5"},
            VOICE_CHAT,
            None,
            (("declared_outages", None),),
        ),
    ),
    (
        KpiDefinition("fa", "forecast_accuracy", {}, VOICE_CHAT),
        NaiveKpi("forecast_accuracy", {}, VOICE_CHAT),
    ),
    (KpiDefinition("occ", "occupancy"), NaiveKpi("occupancy", {})),
    (
        KpiDefinition("occ-hours", "occupancy", hours=AGENT_HOURS),
        NaiveKpi("occupancy", {}, (), AGENT_HOURS),
    ),
    (
        KpiDefinition("occ-member-line", "occupancy", hours=MEMBER_LINE),
        NaiveKpi("occupancy", {}, (), MEMBER_LINE),
    ),
    (KpiDefinition("adh", "schedule_adherence"), NaiveKpi("schedule_adherence", {})),
    (
        KpiDefinition("adh-hours", "schedule_adherence", hours=AGENT_HOURS),
        NaiveKpi("schedule_adherence", {}, (), AGENT_HOURS),
    ),
    (KpiDefinition("fid", "verbatim_fidelity"), None),
]


@pytest.mark.parametrize("month", MONTHS)
def test_interval_forecast_workforce_and_fidelity_agree_with_naive(
    program: tuple[dict[str, Any], FolderSource], month: str
) -> None:
    tables, source = program
    card = compute(
        Program("America/Chicago"), [d for d, _ in OTHERS], source, month, backend=DuckDBBackend()
    )
    got = {r.kpi_id: r for r in card.results}
    for definition, naive in OTHERS:
        if definition.metric == "interval_service_level":
            assert naive is not None
            value, sample = naive_interval_service_level(naive, tables, month, ZONE)
        elif definition.metric == "forecast_accuracy":
            assert naive is not None
            value, sample = naive_forecast_accuracy(naive, tables, month, ZONE)
        elif definition.metric == "occupancy":
            assert naive is not None
            value, sample = naive_occupancy(tables, month, ZONE, naive.hours)[None]
        elif definition.metric == "schedule_adherence":
            assert naive is not None
            value, sample = naive_adherence(tables, month, ZONE, naive.hours)[None]
        else:
            value, sample = naive_fidelity(tables["verbatim_judgements"], month)
        result = got[definition.kpi_id]
        assert result.sample == sample, (definition.kpi_id, month)
        assert sample > 0, (definition.kpi_id, month)
        assert value is not None
        assert result.value is not None
        assert math.isclose(result.value, value, rel_tol=1e-12), (definition.kpi_id, month)


AGENT_TIME = [d for d, _ in OTHERS if d.metric in ("occupancy", "schedule_adherence")]


@pytest.mark.parametrize("by", ["day", "week", "interval"])
@pytest.mark.parametrize("month", MONTHS)
def test_agent_time_per_bucket_agrees_with_naive(
    program: tuple[dict[str, Any], FolderSource], month: str, by: ByOption
) -> None:
    """Occupancy and adherence per local day, ISO week and 30-minute interval, with and
    without hours: a state or block across a bucket boundary (local midnight, a DST change,
    the month's edge) adds to each bucket the time inside it, and the buckets add up to the
    month."""
    tables, source = program
    chicago = Program("America/Chicago")
    backend = DuckDBBackend()
    month_card = compute(chicago, AGENT_TIME, source, month, backend=backend)
    card = compute(chicago, AGENT_TIME, source, month, by=by, rollup=True, backend=backend)
    for definition in AGENT_TIME:
        naive = naive_occupancy if definition.metric == "occupancy" else naive_adherence
        expected = naive(tables, month, ZONE, definition.hours, by)
        results = [r for r in card.results if r.kpi_id == definition.kpi_id]
        got: dict[str | None, KpiResult] = {r.bucket: r for r in results if r.bucket}
        assert got.keys() == expected.keys(), (definition.kpi_id, month)
        assert expected, (definition.kpi_id, month)
        for bucket, (value, sample) in expected.items():
            result = got[bucket]
            assert result.sample == sample, (definition.kpi_id, month, bucket)
            assert value is not None
            assert result.value is not None
            assert math.isclose(result.value, value, rel_tol=1e-12, abs_tol=1e-15), (
                definition.kpi_id,
                month,
                bucket,
            )
        # the buckets add up to the month (checked against the naive rows above)
        (whole,) = [r for r in results if r.bucket is None]
        (alone,) = [r for r in month_card.results if r.kpi_id == definition.kpi_id]
        assert (whole.sample, whole.value) == (alone.sample, alone.value), definition.kpi_id


def test_boundary_data_really_has_boundaries(program: tuple[dict[str, Any], FolderSource]) -> None:
    """The oracle comparison only means something if the edge cases are present."""
    tables, _ = program
    contacts = tables["contacts"]
    waits = [
        ((c["answered_at"] or c["ended_at"]) - c["offered_at"]).total_seconds() for c in contacts
    ]
    assert waits.count(30.0) > 10
    assert waits.count(5.0) > 10
    fold_hours = [
        c
        for c in contacts
        if c["offered_at"].astimezone(ZONE).strftime("%Y-%m-%d %H") == "2027-11-07 01"
    ]
    assert len(fold_hours) >= 4
    naive = NaiveKpi("fcr", {"window_days": 7}, VOICE_CHAT)
    value, sample, _ = naive_kpi(naive, tables, "2027-10", ZONE)
    assert sample > 50
    assert value is not None
    assert 0 < value < 1


def test_fcr_passes_over_an_ingested_workspace_are_customer_ranges(
    program: tuple[dict[str, Any], FolderSource],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ingest stores each month sorted by customer and time, so FCR's passes over a workspace
    are ranges of customer ids (here with row groups of 16 rows), and they add up to what one
    pass over every customer gives."""
    monkeypatch.setattr(ingest, "WRITE_BATCH_ROWS", 16)
    _, written = program
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for name in ("contacts", "outages"):  # what FCR reads
        shutil.copy(written.root / f"{name}.parquet", delivery)
    ingest_path(delivery, tmp_path / "ws")
    source = open_source(tmp_path / "ws")
    fcr = [d for d in _definitions() if d.metric == "fcr"]
    in_passes = DuckDBBackend()
    in_passes.window_rows = 100
    computation = Computation(Program(ZONE.key), in_passes, source, "2027-11", definitions=fcr)
    parts = computation.fcr_parts(fcr[0])
    assert len(parts) > 2
    assert all(p.buckets == 1 for p in parts)
    one_pass = DuckDBBackend()
    one_pass.window_rows = None
    for by in ("period", "day"):
        split = compute(Program(ZONE.key), fcr, source, "2027-11", by=by, backend=in_passes)
        whole = compute(Program(ZONE.key), fcr, source, "2027-11", by=by, backend=one_pass)
        assert [(r.kpi_id, r.bucket, r.sample, r.value) for r in split.results] == [
            (r.kpi_id, r.bucket, r.sample, r.value) for r in whole.results
        ]
        assert sum(r.sample for r in whole.results) > 0
