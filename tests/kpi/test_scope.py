"""The scope filter (channel and queue pairs) against the naive rows' rule, on every pair of
channels and queues there is, including a chat in a voice queue and a contact with no queue."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from callpact.kpi.expressions import _scope_filter

from .naive import NaiveKpi, _in_channels

CHANNELS = ("voice", "chat", "email")
QUEUES = ("members", "pharmacy", "members-chat", None)
PAIRS = [(channel, queue) for channel in CHANNELS for queue in QUEUES]

scopes = st.lists(
    st.tuples(
        st.sampled_from(CHANNELS),
        st.none() | st.lists(st.sampled_from(QUEUES[:-1]), max_size=3).map(tuple),
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(scope=scopes)
def test_scope_filter_keeps_exactly_the_naive_pairs(
    scope: list[tuple[str, tuple[str, ...] | None]],
) -> None:
    table = pa.table(
        {
            "i": list(range(len(PAIRS))),
            "channel": [c for c, _ in PAIRS],
            "queue": pa.array([q for _, q in PAIRS], pa.string()),
        }
    )
    t = ibis.memtable(table)
    kept = set(ibis.duckdb.connect().to_pyarrow(t.filter(_scope_filter(t, scope)))["i"].to_pylist())
    kpi = NaiveKpi("service_level", {}, scope)
    expected = {
        i for i, (c, q) in enumerate(PAIRS) if _in_channels({"channel": c, "queue": q}, kpi)
    }
    assert kept == expected, scope
