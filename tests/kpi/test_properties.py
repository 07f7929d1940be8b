"""Hypothesis properties: the engine agrees with the naive rows on arbitrary small months, daily
results add up to the month, and the Wilson interval always contains the value."""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callpact.kpi.definitions import KpiDefinition, Program
from callpact.kpi.engine import DuckDBBackend, compute
from callpact.kpi.stats import t_interval, wilson_interval

from .kpi_data import ZONE, write_tables
from .naive import NaiveKpi, naive_kpi

BOTH = (("voice", ("members", "pharmacy")), ("chat", ("members-chat",)))
# 2027-11: the fall-back change (7 Nov) is inside; contacts reach from late October on
START = datetime(2027, 10, 25, tzinfo=UTC)
SPAN_US = 45 * 86_400 * 1_000_000

contact = st.fixed_dictionaries(
    {
        "at_us": st.one_of(
            st.integers(0, SPAN_US),
            # local midnight edges of November and December, and the repeated hour
            st.sampled_from([622_800_000_000, 3_218_400_000_000, 1_150_200_000_000]).flatmap(
                lambda base: st.integers(base - 2, base + 2)
            ),
        ),
        "wait_us": st.sampled_from([0, 4_999_999, 5_000_000, 29_999_999, 30_000_000, 30_000_001])
        | st.integers(0, 120_000_000),
        "answered": st.booleans(),
        "customer": st.sampled_from(["K1", "K2", "K3", None]),
        "where": st.sampled_from(
            [("voice", "members"), ("voice", "pharmacy"), ("chat", "members-chat"), ("email", "x")]
        ),
        "talk": st.floats(0, 2000, allow_nan=False),
    }
)


def _rows(drawn: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for i, d in enumerate(drawn):
        offered = START + timedelta(microseconds=d["at_us"])
        wait = timedelta(microseconds=d["wait_us"])
        answered = d["answered"]
        rows.append(
            {
                "contact_id": f"h{i}",
                "channel": d["where"][0],
                "direction": "inbound",
                "queue": d["where"][1],
                "offered_at": offered,
                "answered_at": offered + wait if answered else None,
                "ended_at": offered + wait + timedelta(seconds=d["talk"]),
                "talk_s": d["talk"] if answered else None,
                "hold_s": 0.0,
                "acw_s": 1.5,
                "agent_id": "A1" if answered else None,
                "customer_id": d["customer"],
                "transferred": False,
                "disposition": None,
            }
        )
    return {"contacts": rows}


DEFINITIONS = (
    KpiDefinition("sl", "service_level", {"threshold_s": 30}, BOTH),
    KpiDefinition("ab", "abandon_rate", {}, BOTH),
    KpiDefinition("asa", "asa", {}, BOTH),
    KpiDefinition("fcr", "fcr", {"window_days": 7}, BOTH),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contact, min_size=1, max_size=40))
def test_engine_equals_naive_rows_on_any_month(drawn: list[dict[str, Any]]) -> None:
    tables = _rows(drawn)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_tables(tables, Path(tmp))
        month = compute(
            Program("America/Chicago"), DEFINITIONS, source, "2027-11", backend=DuckDBBackend()
        )
        days = compute(
            Program("America/Chicago"),
            DEFINITIONS,
            source,
            "2027-11",
            by="day",
            backend=DuckDBBackend(),
        )
    for result in month.results:
        d = next(x for x in DEFINITIONS if x.kpi_id == result.kpi_id)
        value, sample, _ = naive_kpi(
            NaiveKpi(d.metric, dict(d.params), d.scope), tables, "2027-11", ZONE
        )
        assert result.sample == sample, d.kpi_id
        if value is None:
            assert result.value is None
        else:
            assert result.value is not None
            assert math.isclose(result.value, value, rel_tol=1e-12, abs_tol=1e-12), d.kpi_id
        daily = [r for r in days.results if r.kpi_id == result.kpi_id]
        assert sum(r.sample for r in daily) == result.sample
        if result.value is not None and d.metric != "asa":
            hits = sum(round((r.value or 0) * r.sample) for r in daily)
            assert hits == round(result.value * result.sample)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_share(pair: tuple[int, int]) -> None:
    k, n = pair
    ci = wilson_interval(k, n)
    if n == 0:
        assert ci is None
        return
    assert ci is not None
    low, high = ci
    assert 0 <= low <= k / n <= high <= 1
    assert (low == 0) == (k == 0)
    assert (high == 1) == (k == n)


def test_wilson_and_t_by_hand() -> None:
    # 8 of 10 at 95 %: the textbook Wilson interval is (0.4902, 0.9433)
    low, high = wilson_interval(8, 10) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    # mean 10, s = 2, n = 5: t(0.975, 4) = 2.7764; half-width 2.7764·2/√5 = 2.4833
    low, high = t_interval(10.0, 2.0, 5) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (7.5167, 12.4833)
    assert t_interval(10.0, None, 1) is None
