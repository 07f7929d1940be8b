"""Ranges of customers for FCR's passes, read off the Parquet row groups' statistics.

A workspace partition is sorted by customer and time (see :mod:`callpact.data.ingest`), so each
of its row groups holds a narrow range of customer ids. When FCR's window has to take the
customers in several passes, ranges of ids chosen at row-group edges let each pass read only
the row groups of its own customers (DuckDB skips the others by their min/max statistics),
where hash buckets of the ids made every pass read every row. Data that is not clustered by
customer has row groups spanning nearly every id: no split fits, and the engine falls back to
hash buckets. Either way the parts are disjoint and cover every customer; the statistics only
decide how evenly the rows spread over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RowGroupSpan:
    """A row group's smallest and largest ``customer_id`` and its number of rows."""

    first: str
    last: str
    rows: int


def _us(value: object) -> int | None:
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def row_group_spans(files: Sequence[str], lo_us: int, hi_us: int) -> list[RowGroupSpan] | None:
    """The customer ranges of the row groups with contacts offered in ``[lo_us, hi_us)``;
    ``None`` when a row group lacks the statistics (a file from another writer, say)."""
    spans = []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(i).path for i in range(meta.num_columns)]
        if "customer_id" not in names or "offered_at" not in names:
            return None
        customer, offered = names.index("customer_id"), names.index("offered_at")
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            when, who = group.column(offered).statistics, group.column(customer).statistics
            if when is None or who is None or not (when.has_min_max or group.num_rows == 0):
                return None
            if group.num_rows == 0 or not who.has_min_max:
                continue  # no rows, or no customer on any row: nothing of FCR's
            first_us, last_us = _us(when.min), _us(when.max)
            if first_us is None or last_us is None:
                return None
            if last_us < lo_us or first_us >= hi_us:
                continue
            spans.append(RowGroupSpan(str(who.min), str(who.max), group.num_rows))
    return spans


def customer_ranges(
    spans: Sequence[RowGroupSpan], limit: int
) -> list[tuple[str | None, str | None]] | None:
    """Consecutive ranges ``[lo, hi)`` of customer ids, together every id, each meeting row
    groups of at most ``limit`` rows; ``None`` when the row groups overlap too much for that.

    Greedy from the smallest id: each range ends at the largest row-group start that keeps it
    within the limit (the rows a range meets only grow as it widens), and meets some rows.
    """
    starts = sorted({s.first for s in spans})
    ranges: list[tuple[str | None, str | None]] = []
    lo: str | None = None
    while True:
        # the row groups a range from ``lo`` can meet, by their first id
        live = sorted((s.first, s.rows) for s in spans if lo is None or s.last >= lo)
        if sum(rows for _, rows in live) <= limit:
            ranges.append((lo, None))
            return ranges
        hi, met, i = None, 0, 0
        for start in starts:
            if lo is not None and start <= lo:
                continue
            while i < len(live) and live[i][0] < start:
                met += live[i][1]
                i += 1
            if met > limit:
                break
            if met:  # a range below every row group would be an empty pass
                hi = start
        if hi is None:
            return None
        ranges.append((lo, hi))
        lo = hi
