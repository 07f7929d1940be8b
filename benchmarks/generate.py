"""Generator throughput: ``python benchmarks/generate.py --rows 10000000 [--write parquet]``.

Generates a three-month program of about ROWS contacts (all tables, in memory), optionally
writes it, and prints ``generate rows=N seconds=S rows_per_s=R`` as its last line. The pandas
baseline builds the same contacts columns row by row through a DataFrame of Python objects, on a
small slice, and the ratio is printed against it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from callpact.data.generator import GeneratorConfig, generate_program, write_program


def pandas_baseline(rows: int, seed: int = 1) -> float:
    """Rows per second of a straightforward per-contact pandas build of the contacts columns."""
    rng = np.random.default_rng(seed)
    began = time.perf_counter()
    records = []
    start = pd.Timestamp("2027-01-04T07:00:00", tz="America/Chicago")
    for i in range(rows):
        offered = start + pd.Timedelta(seconds=float(rng.uniform(0, 43_200)))
        wait = float(rng.exponential(20.0))
        answered = wait < float(rng.exponential(600.0))
        talk = float(rng.lognormal(5.7, 0.5))
        records.append(
            {
                "contact_id": f"C{i:09d}",
                "offered_at": offered,
                "answered_at": offered + pd.Timedelta(seconds=wait) if answered else None,
                "ended_at": offered + pd.Timedelta(seconds=wait + (talk if answered else 0)),
                "talk_s": talk if answered else None,
            }
        )
    pd.DataFrame.from_records(records)
    return rows / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="contacts, about")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", choices=["csv", "parquet"], default=None)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    config = GeneratorConfig(
        start_month="2027-01",
        end_month="2027-03",
        contacts_per_month=args.rows // 3,
        seed=args.seed,
    )
    baseline = pandas_baseline(args.baseline_rows)
    began = time.perf_counter()
    tables = generate_program(config)
    seconds = time.perf_counter() - began
    rows = tables["contacts"].num_rows
    others = {n: t.num_rows for n, t in tables.items() if n != "contacts" and not n.startswith("_")}
    print(f"tables: {others}", file=sys.stderr)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory {peak_gib:.2f} GiB", file=sys.stderr)
    if args.write:
        with tempfile.TemporaryDirectory() as folder:
            wrote = time.perf_counter()
            write_program(tables, Path(folder), file_format=args.write)
            print(f"write {args.write} seconds={time.perf_counter() - wrote:.2f}", file=sys.stderr)
    rate = rows / seconds
    print(
        f"pandas per-row baseline {baseline:,.0f} rows/s (contacts columns only); "
        f"generator {rate / baseline:.0f}x faster with every table",
        file=sys.stderr,
        flush=True,
    )
    print(f"generate rows={rows} seconds={seconds:.2f} rows_per_s={rate:.0f}", flush=True)


if __name__ == "__main__":
    main()
