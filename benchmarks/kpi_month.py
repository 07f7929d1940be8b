"""A month's KPI scorecard at scale: callpact (Ibis on DuckDB) against a vectorised pandas one.

Usage: ``python benchmarks/kpi_month.py --rows 10000000 [--data DIR] [--no-pandas] [--exclusions]
[--engine duckdb|spark]``

Builds N contacts of January 2027 (plus the first days of February for the FCR look-ahead),
surveys for 14 % and QA evaluations for 2 % of them, written as Parquet the way a workspace lays
contacts out (sorted by customer and time), or reuses them from ``--data``. Then computes the
annex's default KPIs (service level 30 s, abandon rate, AHT, FCR 7 days, CSAT top box, QA) per
queue per local day and per queue for the month, once with callpact and once with pandas; checks
that samples agree exactly and values to 1e-9; and prints as its last line::

    kpi_month rows=N callpact_s=… pandas_s=… ratio=… peak_rss_mb=…

Each side runs in its own child process, so peak RSS is that side's alone (callpact's is
printed). Hours are left out on both sides. With ``--exclusions`` every KPI also declares
``volume_above_forecast: 0.15`` against a 30-minute forecast written beside the data (each
queue's mean volume × U(0.8, 1.1), so roughly a fifth of the intervals run over), and the pandas
side leaves out the same intervals' contacts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from peak_memory import own_peak_mb

ZONE = "America/Chicago"
MONTH = "2027-01"
JAN_START_US = 1_798_783_200_000_000  # 2027-01-01T00:00 local (06:00Z)
FEB_START_US = JAN_START_US + 31 * 86_400_000_000
LOOK_AHEAD_US = 9 * 86_400_000_000
QUEUES = np.array(["members", "pharmacy", "providers", "members-chat"])
CHANNELS = np.array(["voice", "voice", "voice", "chat"])


#: Above this many contacts the data is built and written in blocks of customers, so that the
#: build fits in memory (50M contacts at once need more than 24 GB).
BLOCK_ROWS = 10_000_000


def build(rows: int, root: Path, seed: int = 7) -> None:
    """N contacts in January (local) and a proportional slice of early February, written in
    blocks of at most ``BLOCK_ROWS`` contacts, each with customers of its own and sorted by
    customer and time (one block: exactly a workspace partition's order)."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    blocks = max(1, -(-rows // BLOCK_ROWS))
    writers: dict[str, pq.ParquetWriter] = {}
    numbers = {"contacts": 0, "evaluations": 0, "customers": 0}
    try:
        for block in range(blocks):
            size = rows // blocks + (1 if block < rows % blocks else 0)
            for name, table in _block(rng, size, numbers, trim=blocks == 1).items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(root / f"{name}.parquet", table.schema)
                writers[name].write_table(table, row_group_size=1_000_000)
    finally:
        for writer in writers.values():
            writer.close()


def _block(
    rng: np.random.Generator, rows: int, numbers: dict[str, int], *, trim: bool
) -> dict[str, pa.Table]:
    total = int(rows * (1 + LOOK_AHEAD_US / (FEB_START_US - JAN_START_US)))
    offered = np.sort(rng.integers(JAN_START_US, FEB_START_US + LOOK_AHEAD_US, total))
    in_month = int(np.searchsorted(offered, FEB_START_US))
    offered = offered[:rows] if trim and in_month >= rows else offered
    n = offered.size
    q = rng.choice(4, n, p=[0.5, 0.2, 0.1, 0.2])
    answered = rng.random(n) < 0.9
    wait = (rng.lognormal(2.5, 1.0, n) * 1_000_000).astype(np.int64)
    talk = np.where(answered, np.round(rng.lognormal(5.5, 0.5, n), 3), np.nan)
    customers = numbers["customers"] + rng.integers(0, max(1, n // 3), n)
    numbers["customers"] += max(1, n // 3)
    customer_ids = np.char.add("K", customers.astype(str))
    answered_at = np.where(answered, offered + wait, 0)
    ended = offered + wait + np.where(answered, (np.nan_to_num(talk) * 1e6).astype(np.int64), 0)
    first = numbers["contacts"]
    numbers["contacts"] += n
    table = pa.table(
        {
            "contact_id": pa.array(np.char.add("C", np.arange(first, first + n).astype(str))),
            "channel": pa.array(CHANNELS[q]),
            "direction": pa.array(np.full(n, "inbound")),
            "queue": pa.array(QUEUES[q]),
            "offered_at": pa.array(offered, pa.timestamp("us", tz="UTC")),
            "answered_at": pa.array(answered_at, pa.timestamp("us", tz="UTC"), mask=~answered),
            "ended_at": pa.array(ended, pa.timestamp("us", tz="UTC")),
            "talk_s": pa.array(talk, pa.float64(), mask=~answered),
            "hold_s": pa.array(np.where(answered, rng.choice([0.0, 15.0], n), 0.0)),
            "acw_s": pa.array(np.where(answered, np.round(rng.uniform(0, 60, n), 2), 0.0)),
            "agent_id": pa.array(
                np.char.add("A", rng.integers(0, 500, n).astype(str)), mask=~answered
            ),
            "customer_id": pa.array(customer_ids),
            "transferred": pa.array(answered & (rng.random(n) < 0.1)),
            "disposition": pa.nulls(n, pa.string()),
        }
    )
    # the workspace's layout: sorted by customer and time, so FCR needs no global shuffle
    table = table.sort_by([("customer_id", "ascending"), ("offered_at", "ascending")])
    surveyed = rng.random(n) < 0.14
    surveys = pa.table(
        {
            "contact_id": table["contact_id"].filter(pa.array(surveyed)),
            "responded_at": table["ended_at"].filter(pa.array(surveyed)),
            "csat": pa.array(rng.integers(1, 6, int(surveyed.sum()))),
            "nps": pa.nulls(int(surveyed.sum()), pa.int64()),
            "ces": pa.nulls(int(surveyed.sum()), pa.int64()),
        }
    )
    evaluated = pa.array(rng.random(n) < 0.02)
    k = int(np.asarray(evaluated).sum())
    first = numbers["evaluations"]
    numbers["evaluations"] += k
    qa = pa.table(
        {
            "evaluation_id": pa.array(np.char.add("E", np.arange(first, first + k).astype(str))),
            "contact_id": table["contact_id"].filter(evaluated),
            "agent_id": pa.array(np.full(k, "A1")),
            "evaluated_at": table["ended_at"].filter(evaluated),
            "score": pa.array(np.round(rng.uniform(40, 100, k), 1)),
            "auto_fail": pa.array(rng.random(k) < 0.03),
        }
    )
    return {"contacts": table, "surveys": surveys, "qa_evaluations": qa}


class _Source:
    def __init__(self, root: Path, forecast: bool = False) -> None:
        self.root = root
        self.forecast = forecast
        self.rejected: dict[str, int] = {}

    def has_table(self, name: str) -> bool:
        # the forecast is there for --exclusions only; without, it is not the benchmark's
        return (self.root / f"{name}.parquet").exists() and (name != "forecast" or self.forecast)

    def parquet_files(self, name: str) -> list[str]:
        path = self.root / f"{name}.parquet"
        return [str(path)] if self.has_table(name) else []


SLOT_US = 1_800_000_000  # the forecast's 30-minute intervals
TOLERANCE = 0.15


def _definitions(exclusions: bool = False) -> Any:
    from callpact.kpi.definitions import Exclusion, KpiDefinition

    voice = (("voice", ("members", "pharmacy", "providers")),)
    both = (*voice, ("chat", ("members-chat",)))
    ex = (Exclusion("volume_above_forecast", TOLERANCE),) if exclusions else ()
    return [
        KpiDefinition("sl", "service_level", {"threshold_s": 30}, voice, exclusions=ex),
        KpiDefinition("abandon", "abandon_rate", {}, voice, exclusions=ex),
        KpiDefinition("aht", "aht", {}, voice, exclusions=ex),
        KpiDefinition("fcr", "fcr", {"window_days": 7}, both, exclusions=ex),
        KpiDefinition("csat", "csat", {"top_box_from": 4}, both, exclusions=ex),
        KpiDefinition("qa", "qa_score", {}, both, exclusions=ex),
    ]


def write_forecast(root: Path, seed: int = 11) -> None:
    """30-minute intervals of January (local) per queue: the queue's mean volume × U(0.8, 1.1)."""
    from callpact.data.schema import arrow_schema

    offered = pq.read_table(root / "contacts.parquet", columns=["queue", "offered_at"])
    off = offered["offered_at"].cast(pa.int64()).to_numpy()
    queue = offered["queue"].to_numpy(zero_copy_only=False)
    in_month = (off >= JAN_START_US) & (off < FEB_START_US)
    slots = np.arange(JAN_START_US, FEB_START_US, SLOT_US)
    rng = np.random.default_rng(seed)
    columns: dict[str, list[Any]] = {"queue": [], "interval_start": [], "offered": []}
    for name in QUEUES:
        mean = float((in_month & (queue == name)).sum()) / len(slots)
        columns["queue"] += [str(name)] * len(slots)
        columns["interval_start"] += slots.tolist()
        columns["offered"] += (mean * rng.uniform(0.8, 1.1, len(slots))).tolist()
    n = len(columns["queue"])
    table = pa.table(
        {
            "queue": pa.array(columns["queue"]),
            "interval_start": pa.array(columns["interval_start"], pa.timestamp("us", tz="UTC")),
            "interval_minutes": pa.array([SLOT_US // 60_000_000] * n, pa.int64()),
            "offered": pa.array(columns["offered"], pa.float64()),
            "aht_s": pa.nulls(n, pa.float64()),
        }
    )
    schema = pa.schema([f.with_nullable(True) for f in arrow_schema("forecast")])
    pq.write_table(table.cast(schema), root / "forecast.parquet")


def run_callpact(root: Path, exclusions: bool = False, engine: str = "duckdb") -> dict[str, Any]:
    from callpact.kpi.definitions import Program
    from callpact.kpi.engine import Backend, DuckDBBackend, SparkBackend, compute

    # a Spark session starts before the clock, as libraries are imported before it: the
    # figure is the scorecard's, not the JVM's start
    spark: Backend | None = SparkBackend() if engine == "spark" else None
    began = time.perf_counter()
    backend = spark or DuckDBBackend()
    out: dict[str, Any] = {}
    # per queue per local day, and the month rolled up from the days (no second pass)
    card = compute(
        Program(ZONE),
        _definitions(exclusions),
        _Source(root, forecast=exclusions),
        MONTH,
        by="day",
        backend=backend,
        per_queue=True,
        rollup=True,
    )
    for r in card.results:
        out[f"{r.kpi_id}|{r.bucket or MONTH}|{r.queue}"] = [r.value, r.sample]
    return {"seconds": time.perf_counter() - began, "results": out}


def run_pandas(root: Path, exclusions: bool = False) -> dict[str, Any]:
    import pandas as pd

    began = time.perf_counter()
    c = pd.read_parquet(
        root / "contacts.parquet",
        columns=[
            "contact_id",
            "channel",
            "direction",
            "queue",
            "offered_at",
            "answered_at",
            "ended_at",
            "talk_s",
            "hold_s",
            "acw_s",
            "customer_id",
            "transferred",
        ],
    )
    local = c["offered_at"].dt.tz_convert(ZONE).dt.tz_localize(None)
    c["local"] = local
    c["day"] = local.dt.strftime("%Y-%m-%d")
    wait = c["answered_at"].fillna(c["ended_at"]) - c["offered_at"]
    c["answered"] = c["answered_at"].notna()
    c["short"] = ~c["answered"] & (wait < pd.Timedelta(seconds=5))
    c["within"] = c["answered"] & (wait <= pd.Timedelta(seconds=30))
    c["handle"] = c["talk_s"] + c["hold_s"] + c["acw_s"]
    c = c[c["direction"] == "inbound"]
    month = (local >= pd.Timestamp("2027-01-01")) & (local < pd.Timestamp("2027-02-01"))
    c["excluded"] = False
    if exclusions:
        # volume above forecast: a 30-minute interval of a queue whose offered contacts of the
        # month (short abandons out) exceed the forecast by more than the tolerance
        offered_us = c["offered_at"].dt.as_unit("us").astype("int64")
        c["slot"] = offered_us - offered_us % SLOT_US
        counted = c[month[c.index] & ~c["short"]].groupby(["queue", "slot"]).size()
        wanted = ["queue", "interval_start", "offered"]
        f = pd.read_parquet(root / "forecast.parquet", columns=wanted)
        f["slot"] = f["interval_start"].dt.as_unit("us").astype("int64")
        f = f.set_index(["queue", "slot"])["offered"]
        actual = counted.reindex(f.index, fill_value=0)
        over = set(f.index[actual > f * (1 + TOLERANCE)])
        keys = pd.MultiIndex.from_arrays([c["queue"], c["slot"]])
        c["excluded"] = month[c.index] & keys.isin(over)
    # FCR: next non-short contact of the same customer (instants), local ≤ local + 7 days
    f = c[~c["short"] & c["customer_id"].notna()].sort_values(["customer_id", "offered_at"])
    next_local = f.groupby("customer_id")["local"].shift(-1)
    f_repeat = next_local.notna() & (next_local <= f["local"] + pd.Timedelta(days=7))
    c["repeat"] = False
    c.loc[f.index, "repeat"] = f_repeat
    m = c[month[c.index]]
    kept = m[~m["excluded"]]
    voice = kept[kept["channel"] == "voice"]
    offered = voice[~voice["short"]]
    answered = offered[offered["answered"]]
    fcr_base = kept[kept["answered"] & kept["customer_id"].notna()]
    s = pd.read_parquet(root / "surveys.parquet", columns=["contact_id", "csat"])
    s = s.merge(kept.loc[~kept["short"], ["contact_id", "queue", "day"]], on="contact_id")
    s = s[s["csat"].notna()]
    e = pd.read_parquet(
        root / "qa_evaluations.parquet", columns=["contact_id", "score", "auto_fail"]
    )
    e = e.merge(kept.loc[~kept["short"], ["contact_id", "queue", "day"]], on="contact_id")
    e["value"] = np.where(e["auto_fail"], 0.0, e["score"] / 100)
    out: dict[str, Any] = {}
    for grain in ("month", "day"):
        keys = ["queue"] if grain == "month" else ["day", "queue"]

        def put(kpi: str, num: pd.Series, den: pd.Series, grain: str = grain) -> None:
            for key, d in den.items():
                day, queue = (MONTH, key) if grain == "month" else key
                out[f"{kpi}|{day}|{queue}"] = [float(num.get(key, 0)) / d, int(d)]

        off_n = offered.groupby(keys).size()
        put("sl", answered[answered["within"]].groupby(keys).size(), off_n)
        put("abandon", offered[~offered["answered"]].groupby(keys).size(), off_n)
        handled = answered[answered["handle"].notna()]
        put("aht", handled.groupby(keys)["handle"].sum(), handled.groupby(keys).size())
        put(
            "fcr", fcr_base[~fcr_base["repeat"]].groupby(keys).size(), fcr_base.groupby(keys).size()
        )
        put("csat", s[s["csat"] >= 4].groupby(keys).size(), s.groupby(keys).size())
        put("qa", e.groupby(keys)["value"].sum(), e.groupby(keys).size())
    return {"seconds": time.perf_counter() - began, "results": out}


def _child(
    part: str, root: Path, exclusions: bool, engine: str = "duckdb"
) -> tuple[dict[str, Any], float]:
    done = subprocess.run(
        [sys.executable, __file__, "--part", part, "--data", str(root), "--engine", engine]
        + (["--exclusions"] if exclusions else []),
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result, float(result["peak_rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="reuse or keep data here")
    parser.add_argument("--part", choices=("callpact", "pandas"), default=None)
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="callpact's backend (spark: a local session; its JVM is not in peak_rss_mb)",
    )
    parser.add_argument(
        "--exclusions", action="store_true", help="every KPI declares volume_above_forecast"
    )
    args = parser.parse_args()
    if args.part is not None:
        if args.part == "callpact":
            result = run_callpact(args.data, args.exclusions, args.engine)
        else:
            result = run_pandas(args.data, args.exclusions)
        result["peak_rss_mb"] = own_peak_mb()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="kpi-month-") as tmp:
        root = args.data or Path(tmp) / "data"
        if not (root / "contacts.parquet").exists():
            began = time.perf_counter()
            build(args.rows, root)
            print(
                f"built {args.rows} contacts in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
            )
        if args.exclusions and not (root / "forecast.parquet").exists():
            write_forecast(root)
        ours, peak_mb = _child("callpact", root, args.exclusions, args.engine)
        pandas_s = float("nan")
        if not args.no_pandas:
            theirs, _ = _child("pandas", root, args.exclusions)
            pandas_s = theirs["seconds"]
            mismatched = [
                key
                for key, (value, sample) in theirs["results"].items()
                if key not in ours["results"]
                or ours["results"][key][1] != sample
                or abs((ours["results"][key][0] or 0) - value) > 1e-9 * max(1.0, abs(value))
            ]
            if mismatched:
                print(f"MISMATCH {len(mismatched)} results, e.g. {mismatched[:3]}", file=sys.stderr)
                for key in mismatched[:3]:
                    print(key, ours["results"].get(key), theirs["results"][key], file=sys.stderr)
                sys.exit(1)
            print(f"agreed on {len(theirs['results'])} results", file=sys.stderr)
        callpact_s = ours["seconds"]
        print(
            f"kpi_month rows={args.rows} callpact_s={callpact_s:.2f} pandas_s={pandas_s:.2f} "
            f"ratio={pandas_s / callpact_s:.2f} peak_rss_mb={peak_mb:.0f}"
        )


if __name__ == "__main__":
    main()
