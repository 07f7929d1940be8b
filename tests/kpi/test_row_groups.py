"""Customer ranges for FCR's passes, from row-group statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from callpact.kpi.row_groups import RowGroupSpan, customer_ranges, row_group_spans


def _rows_met(spans: list[RowGroupSpan], lo: str | None, hi: str | None) -> int:
    return sum(
        s.rows for s in spans if (lo is None or s.last >= lo) and (hi is None or s.first < hi)
    )


def test_sorted_row_groups_split_at_their_edges() -> None:
    # three row groups of a file sorted by customer, 10 rows each
    spans = [RowGroupSpan("A", "B", 10), RowGroupSpan("C", "D", 10), RowGroupSpan("E", "F", 10)]
    # [None, "E") meets the first two groups (20 rows), ["E", None) the last (10)
    assert customer_ranges(spans, 20) == [(None, "E"), ("E", None)]
    # one group per pass
    assert customer_ranges(spans, 10) == [(None, "C"), ("C", "E"), ("E", None)]
    # everything fits: one pass over every customer
    assert customer_ranges(spans, 30) == [(None, None)]


def test_two_months_each_sorted_overlap_at_most_a_group() -> None:
    # January (A–H in four groups) and the look-ahead's February (A–H in one group): every pass
    # also reads February's group
    jan = [RowGroupSpan(a, b, 10) for a, b in (("A", "B"), ("C", "D"), ("E", "F"), ("G", "H"))]
    feb = [RowGroupSpan("A", "H", 5)]
    assert customer_ranges(jan + feb, 25) == [(None, "E"), ("E", None)]


def test_unclustered_row_groups_cannot_be_split() -> None:
    # every group spans nearly every id: no range holds fewer rows than the limit
    spans = [RowGroupSpan("A", "Z", 10), RowGroupSpan("A", "Y", 10), RowGroupSpan("B", "Z", 10)]
    assert customer_ranges(spans, 15) is None


@given(
    st.lists(
        st.tuples(st.text("ABCDEFG", min_size=1, max_size=3), st.text("ABCDEFG", max_size=3)),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 40),
    st.integers(1, 15),
)
def test_ranges_cover_every_id_and_keep_each_pass_within_the_limit(
    bounds: list[tuple[str, str]], limit: int, rows: int
) -> None:
    spans = [RowGroupSpan(a, a + b, rows) for a, b in bounds]
    ranges = customer_ranges(spans, limit)
    if ranges is None:
        return
    assert ranges[0][0] is None
    assert ranges[-1][1] is None
    assert [hi for _, hi in ranges[:-1]] == [lo for lo, _ in ranges[1:]]
    for lo, hi in ranges:
        assert lo is None or hi is None or lo < hi
        assert _rows_met(spans, lo, hi) <= limit


def test_spans_come_from_the_statistics_of_row_groups_in_the_span(tmp_path: Path) -> None:
    jan = datetime(2027, 1, 10, tzinfo=UTC)
    mar = datetime(2027, 3, 10, tzinfo=UTC)
    table = pa.table(
        {
            "customer_id": ["K1", "K2", "K3", None, "K5", "K6"],
            "offered_at": pa.array([jan, jan, jan, jan, mar, mar], pa.timestamp("us", tz="UTC")),
        }
    )
    path = tmp_path / "contacts.parquet"
    pq.write_table(table, path, row_group_size=2)
    lo = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    hi = int(datetime(2027, 2, 1, tzinfo=UTC).timestamp() * 1_000_000)
    # the March group is outside the span; K3 and a contact with no customer share a group
    assert row_group_spans([str(path)], lo, hi) == [
        RowGroupSpan("K1", "K2", 2),
        RowGroupSpan("K3", "K3", 2),
    ]
    pq.write_table(table, path, row_group_size=2, write_statistics=False)
    assert row_group_spans([str(path)], lo, hi) is None
