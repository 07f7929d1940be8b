"""Ingest speed and memory: an N-row contacts CSV into a fresh workspace, against pandas.

Usage: ``python benchmarks/ingest.py --rows 1000000 [--keep DIR] [--no-pandas]``

The last line is ``ingest rows=N seconds=… rows_per_s=… peak_rss_mb=… cpu_s=… pandas_s=…
ratio=…``. Each side runs in its own child process so that peak RSS is that side's alone.
``cpu_s`` (user + system seconds, all threads) is printed because the development machine is
shared: wall seconds depend on the load average (printed before and after), CPU seconds much
less. On 2 idle cores wall seconds are at best about ``cpu_s / 2``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from peak_memory import own_peak_mb

BATCH = 500_000
EPOCH_2027 = 1_798_761_600  # 2027-01-01T00:00:00Z


def write_contacts_csv(path: Path, rows: int, seed: int = 7, months: int = 12) -> None:
    """Write ``rows`` valid contacts (the first ``months`` months of 2027, several queues) with
    numpy, in batches: 12 is a year's history, 1 a monthly delivery.

    Timestamps carry the America/Chicago offset, like a real US vendor export.
    """
    span = (365 if months >= 12 else 28 * months) * 86400
    rng = np.random.default_rng(seed)
    queues = np.array(["members", "pharmacy", "providers", "members-chat", "billing"])
    channels = np.array(["voice", "voice", "voice", "chat", "email"])
    dispositions = np.array(["resolved", "callback", "escalated", "info", ""])
    with pacsv.CSVWriter(
        str(path),
        pa.schema([(n, pa.string()) for n in _COLUMNS]),
        write_options=pacsv.WriteOptions(quoting_style="none"),
    ) as writer:
        for start in range(0, rows, BATCH):
            n = min(BATCH, rows - start)
            ids = np.arange(start, start + n)
            q = rng.integers(0, len(queues), n)
            offered = (EPOCH_2027 + rng.integers(0, span, n)) * 1_000_000
            answered = rng.random(n) < 0.9
            wait = rng.exponential(25, n)
            talk = np.round(rng.gamma(2.0, 150, n), 1)
            hold = np.round(np.where(rng.random(n) < 0.2, rng.exponential(30, n), 0.0), 1)
            acw = np.round(rng.exponential(40, n), 1)
            ans_us = offered + wait.astype(np.int64) * 1_000_000
            end_us = np.where(
                answered, ans_us + (talk + hold).astype(np.int64) * 1_000_000 + 1_000_000, ans_us
            )
            tz = pa.timestamp("s", tz="America/Chicago")

            def fmt(
                us: np.ndarray, mask: np.ndarray | None = None, tz: pa.DataType = tz
            ) -> pa.Array:
                arr = pa.array(us // 1_000_000, type=pa.int64()).cast(tz)
                text = pc.strftime(arr, format="%Y-%m-%dT%H:%M:%S%z")
                if mask is not None:
                    text = pc.if_else(pa.array(mask), text, pa.scalar(None, pa.string()))
                return text

            def num(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
                text = pc.cast(pa.array(values), pa.string())
                if mask is not None:
                    text = pc.if_else(pa.array(mask), text, pa.scalar(None, pa.string()))
                return text

            agent = pc.binary_join_element_wise(
                "A", pc.cast(pa.array(rng.integers(1000, 1400, n)), pa.string()), ""
            )
            batch = pa.record_batch(
                [
                    pc.binary_join_element_wise("C", pc.cast(pa.array(ids), pa.string()), ""),
                    pa.array(channels[q]),
                    pa.array(np.full(n, "inbound")),
                    pa.array(queues[q]),
                    fmt(offered),
                    fmt(ans_us, answered),
                    fmt(end_us),
                    num(talk, answered),
                    num(hold),
                    num(acw),
                    pc.if_else(pa.array(answered), agent, pa.scalar(None, pa.string())),
                    pc.binary_join_element_wise(
                        "K",
                        pc.cast(pa.array(rng.integers(0, max(rows // 3, 1), n)), pa.string()),
                        "",
                    ),
                    pa.array(np.where(rng.random(n) < 0.08, "true", "false")),
                    pa.array(dispositions[rng.integers(0, len(dispositions), n)]),
                ],
                names=list(_COLUMNS),
            )
            writer.write_batch(batch)


_COLUMNS = (
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
    "agent_id",
    "customer_id",
    "transferred",
    "disposition",
)


def _cpu_s() -> float:
    """CPU seconds of this process, all threads: on a shared machine the steadier figure."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "n/a"


def run_callpact(csv_path: Path, workspace: Path) -> dict[str, float]:
    from callpact.data.ingest import ingest_path

    cpu = _cpu_s()
    start = time.perf_counter()
    report = ingest_path(csv_path.parent, workspace)
    seconds = time.perf_counter() - start
    contacts = report.tables["contacts"]
    return {
        "seconds": seconds,
        "cpu_s": _cpu_s() - cpu,
        "accepted": contacts.accepted,
        "rejected": contacts.rejected,
        "duplicates": contacts.duplicates,
        "peak_rss_mb": own_peak_mb(),
    }


def run_pandas(csv_path: Path, out_dir: Path) -> dict[str, float]:
    """The same checks, written the obvious pandas way (the baseline we compare against)."""
    import pandas as pd

    cpu = _cpu_s()
    start = time.perf_counter()
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""])
    iso = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)$"
    bad = pd.Series(False, index=df.index)
    ts = {}
    for col in ("offered_at", "answered_at", "ended_at"):
        s = df[col]
        ok_format = s.isna() | s.str.match(iso, na=False)
        parsed = pd.to_datetime(s.where(ok_format), utc=True, errors="coerce", format="ISO8601")
        bad |= ~ok_format | (s.notna() & parsed.isna())
        ts[col] = parsed
    bad |= ts["offered_at"].isna() | ts["ended_at"].isna()
    for col in ("talk_s", "hold_s", "acw_s"):
        v = pd.to_numeric(df[col], errors="coerce")
        bad |= (df[col].notna() & v.isna()) | (v < 0)
        df[col] = v
    bad |= ~df["channel"].isin(["voice", "chat", "email", "sms", "social"])
    bad |= ~(df["direction"].isna() | df["direction"].isin(["inbound", "outbound"]))
    bad |= ~(df["transferred"].isna() | df["transferred"].isin(["true", "false"]))
    bad |= df["contact_id"].isna() | df["queue"].isna()
    answered = ts["answered_at"].notna()
    bad |= answered != df["agent_id"].notna()
    bad |= answered & (ts["answered_at"] < ts["offered_at"])
    bad |= ts["ended_at"] < ts["answered_at"].fillna(ts["offered_at"])
    for col, parsed in ts.items():
        df[col] = parsed
    good = df[~bad]
    dup = good.duplicated()
    conflict = good.duplicated("contact_id") & ~dup
    kept = good[~dup & ~conflict].copy()
    kept["month"] = kept["offered_at"].dt.strftime("%Y-%m")
    kept = kept.sort_values(["month", "customer_id", "offered_at"])
    kept.to_parquet(out_dir / "contacts.parquet", index=False)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_s": _cpu_s() - cpu,
        "accepted": len(kept),
        "peak_rss_mb": own_peak_mb(),
    }


def _child(kind: str, csv_path: Path, out: Path) -> None:
    result = run_callpact(csv_path, out) if kind == "callpact" else run_pandas(csv_path, out)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV in (reused if present)")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument(
        "--months", type=int, default=12, help="months the contacts span (12: a year; 1: a month)"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    with tempfile.TemporaryDirectory(prefix="callpact-bench-") as tmp:
        folder = args.keep or Path(tmp) / "delivery"
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "contacts.csv"
        suffix = "" if args.months == 12 else f"-months-{args.months}"
        marker = folder / f".rows-{args.rows}{suffix}"
        if not marker.exists():
            t0 = time.perf_counter()
            write_contacts_csv(csv_path, args.rows, months=args.months)
            marker.touch()
            size_mb = csv_path.stat().st_size / 1e6
            print(f"wrote {csv_path} ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        print(f"load average before: {_load()}", flush=True)

        def child(kind: str, out: Path) -> dict[str, float]:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(csv_path), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{kind}: {result}")
            return result

        ours = child("callpact", Path(tmp) / "workspace")
        print(f"load average after callpact: {_load()}", flush=True)
        line = (
            f"ingest rows={args.rows} seconds={ours['seconds']:.2f} "
            f"rows_per_s={args.rows / ours['seconds']:.0f} peak_rss_mb={ours['peak_rss_mb']:.0f}"
            f" cpu_s={ours['cpu_s']:.1f}"
        )
        if not args.no_pandas:
            pandas_out = Path(tmp) / "pandas"
            pandas_out.mkdir()
            theirs = child("pandas", pandas_out)
            print(f"load average after pandas: {_load()}", flush=True)
            line += (
                f" pandas_s={theirs['seconds']:.2f} pandas_peak_rss_mb={theirs['peak_rss_mb']:.0f}"
                f" pandas_cpu_s={theirs['cpu_s']:.1f}"
                f" ratio={theirs['seconds'] / ours['seconds']:.2f}"
            )
        print(line)


if __name__ == "__main__":
    main()
