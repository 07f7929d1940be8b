"""Audit plan: sample sizes against hand-worked numbers, reproducible and fair selection."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callpact.verbatim.audit import wilson_interval
from callpact.verbatim.sampling import (
    achieved_margin,
    infinite_sample_size,
    plan_audit,
    sample_size,
    select_sample,
    z_value,
)


def test_sample_sizes_match_hand_worked_numbers() -> None:
    # z(95 %) = 1.959964; n0 = 1.959964² × 0.25 / 0.05² = 384.146
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert infinite_sample_size(0.05, 0.95) == pytest.approx(384.146, abs=1e-3)
    # FPC: n = n0 / (1 + (n0 − 1)/N)
    assert sample_size(100, 0.05, 0.95) == 80  # 384.146 / 4.83146 = 79.51
    assert sample_size(200, 0.05, 0.95) == 132  # 384.146 / 2.91573 = 131.75
    assert sample_size(1000, 0.05, 0.95) == 278  # 384.146 / 1.38315 = 277.73
    assert sample_size(10**9, 0.05, 0.95) == 385
    # 10 % at 90 %: z = 1.644854, n0 = 67.64; N = 50 → 67.64 / 2.33271 = 28.99
    assert sample_size(50, 0.10, 0.90) == 29
    assert sample_size(5, 0.05, 0.95) == 5
    assert sample_size(0, 0.05, 0.95) == 0


def test_achieved_margin_inverts_the_formula() -> None:
    n = sample_size(1000, 0.05, 0.95)
    assert achieved_margin(n, 1000, 0.95) <= 0.05
    assert achieved_margin(n - 5, 1000, 0.95) > 0.05
    assert achieved_margin(40, 40, 0.95) == 0.0


def test_plan_gives_every_operator_a_floor() -> None:
    plan = plan_audit(
        {"big": 1000, "small": 3, "mid": 12},
        "2027-01",
        margin=0.3,
        confidence=0.95,
        min_per_agent=10,
    )
    sizes = {a.agent_id: a.sample_size for a in plan.agents}
    # n0 = 10.67 at ±30 %: big gets 11, mid the floor (10), small all it has.
    assert sizes == {"big": 11, "mid": 10, "small": 3}
    fixed = plan_audit({"a": 7, "b": 30}, "2027-01", fixed_per_agent=20)
    assert {a.agent_id: a.sample_size for a in fixed.agents} == {"a": 7, "b": 20}


@settings(max_examples=40, deadline=None)
@given(
    counts=st.dictionaries(
        st.sampled_from(["A1", "A2", "A3", "A4"]), st.integers(1, 60), min_size=1
    ),
    seed=st.integers(0, 10**6),
    shuffle_seed=st.integers(0, 10**6),
)
def test_selection_is_stable_under_row_order_and_other_operators(
    counts: dict[str, int], seed: int, shuffle_seed: int
) -> None:
    rows = [(f"{agent}-{i}", agent) for agent, n in counts.items() for i in range(n)]
    plan = plan_audit(dict(counts), "2027-01", margin=0.2, min_per_agent=5)
    chosen = select_sample(rows, plan, seed)
    shuffled = rows[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    assert select_sample(shuffled, plan, seed) == chosen
    for line in plan.agents:  # each operator gets exactly the planned number
        assert sum(fid.startswith(line.agent_id + "-") for fid in chosen) == line.sample_size
    # Another operator's items joining the data never changes this operator's sample.
    extra = rows + [(f"Z-{i}", "Z") for i in range(30)]
    plan_extra = plan_audit({**counts, "Z": 30}, "2027-01", margin=0.2, min_per_agent=5)
    assert {f for f in select_sample(extra, plan_extra, seed) if not f.startswith("Z-")} == chosen


def test_different_seeds_draw_different_samples() -> None:
    rows = [(f"F{i}", "A") for i in range(200)]
    plan = plan_audit({"A": 200}, "2027-01", fixed_per_agent=20)
    assert select_sample(rows, plan, 1) != select_sample(rows, plan, 2)


def test_wilson_matches_reference_values() -> None:
    # Reference: the ecosystem notes' three implementations (26/100 → 0.184047–0.353710).
    low, high = wilson_interval(26, 100)
    assert (low, high) == (pytest.approx(0.184047, abs=1e-6), pytest.approx(0.353710, abs=1e-6))
    assert wilson_interval(0, 12)[0] == 0.0
    assert wilson_interval(12, 12)[1] == 1.0
    # Independent closed form for 801/1000.
    z, n, p = 1.959963984540054, 1000, 0.801
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(801, 1000) == (
        pytest.approx(centre - half),
        pytest.approx(centre + half),
    )
