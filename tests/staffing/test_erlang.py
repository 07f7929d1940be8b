"""Erlang C and Erlang A against published figures, independent implementations and properties."""

from __future__ import annotations

import heapq
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from callpact.staffing.erlang import (
    StaffingInputError,
    agents_needed,
    erlang_a,
    erlang_b,
    erlang_b_many,
    erlang_c,
    erlang_c_agents_many,
    erlang_c_asa,
    erlang_c_many,
    erlang_c_service_level,
    occupancy,
    offered_load,
    staff_interval,
    staffing_figures,
)

# --------------------------------------------------------------------------- published oracles


def test_erlang_c_matches_pyworkforce_oracle() -> None:
    # 100 calls in 30 minutes, AHT 3 minutes, 20 s threshold, 14 agents (ecosystem notes §5).
    load = offered_load(100, 1800, 180)
    assert load == pytest.approx(10.0)
    assert erlang_c(14, load) == pytest.approx(0.1741319336, abs=1e-10)
    assert erlang_c_service_level(14, load, 180, 20) == pytest.approx(0.8883500192, abs=1e-10)
    assert agents_needed(100, 1800, 180, 0.80, 20) == 14


def test_erlang_a_matches_pyworkforce_oracle() -> None:
    result = erlang_a(14, 100, 1800, 180, patience_s=300, threshold_s=20)
    assert result.p_wait == pytest.approx(0.14526, abs=5e-6)
    assert result.p_abandon == pytest.approx(0.01398, abs=5e-6)
    assert result.service_level == pytest.approx(0.91679, abs=5e-6)


def test_hand_worked_small_case() -> None:
    # 1 agent, 0.5 Erlang: M/M/1, P(wait) = ρ = 0.5; ASA = ρ/(1−ρ)·AHT = AHT;
    # SL(T) = 1 − ρ·exp(−(1−ρ)·T/AHT).
    assert erlang_b(1, 0.5) == pytest.approx(1 / 3)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c_asa(1, 0.5, 100) == pytest.approx(100.0)
    assert erlang_c_service_level(1, 0.5, 100, 50) == pytest.approx(1 - 0.5 * math.exp(-0.25))
    # 2 agents, 1 Erlang: B = (1/2)/(1 + 1 + 1/2) = 0.2, C = 2·0.2/(2 − 1·0.8) = 1/3.
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert occupancy(2, 1.0) == pytest.approx(0.5)


def test_standard_worked_example_360_calls() -> None:
    # The textbook example: 360 calls / 30 min, AHT 240 s → 48 Erlangs, 80 % in 20 s.
    load = offered_load(360, 1800, 240)
    assert load == pytest.approx(48.0)
    needed = staff_interval(360, 1800, 240, 0.80, 20)
    assert needed.service_level >= 0.80
    assert erlang_c_service_level(needed.agents - 1, load, 240, 20) < 0.80
    # ... and with 55 agents, 15 s threshold (the same example's second part), the figures
    # follow from the closed forms: occupancy 48/55, SL = 1 − C·e^(−7·15/240).
    c55 = _fraction_erlang_c(55, Fraction(48))
    assert erlang_c(55, load) == pytest.approx(float(c55), rel=1e-12)
    assert occupancy(55, load) == pytest.approx(48 / 55)
    expected_sl = 1 - float(c55) * math.exp(-7 * 15 / 240)
    assert erlang_c_service_level(55, load, 240, 15) == pytest.approx(expected_sl, rel=1e-12)


# --------------------------------------------------------------------------- independent Erlang C


def _fraction_erlang_c(agents: int, load: Fraction) -> Fraction:
    """Textbook formula with exact fractions and factorials: fine for small n, a slow oracle."""
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    bottom = sum(load**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


@given(
    agents=st.integers(min_value=1, max_value=40),
    load_tenths=st.integers(min_value=1, max_value=399),
)
@settings(max_examples=60, deadline=None)
def test_erlang_c_equals_exact_fraction_formula(agents: int, load_tenths: int) -> None:
    load = Fraction(load_tenths, 10)
    if load >= agents:
        assert erlang_c(agents, float(load)) == 1.0
        return
    assert erlang_c(agents, float(load)) == pytest.approx(
        float(_fraction_erlang_c(agents, load)), rel=1e-11, abs=1e-15
    )


def test_erlang_c_stable_for_thousands_of_agents() -> None:
    value = erlang_c(5000, 4900.0)
    assert 0.0 < value < 1.0
    result = staff_interval(150_000, 1800, 300, 0.8, 20)
    assert result.agents > 150_000 * 300 / 1800
    assert result.service_level >= 0.8
    assert (
        staffing_figures(result.agents - 1, 150_000, 1800, 300, threshold_s=20).service_level < 0.8
    )


# --------------------------------------------------------------------------- independent Erlang A


def _erlang_a_by_linear_solve(
    agents: int, arrival_rate: float, aht_s: float, patience_s: float, threshold_s: float
) -> tuple[float, float, float]:
    """Truncated generator of M/M/n+M solved directly; SL from a matrix exponential per state."""
    mu, theta = 1 / aht_s, 1 / patience_s
    size = agents + 200
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = arrival_rate
        if k > 0:
            q[k, k - 1] = min(k, agents) * mu + max(k - agents, 0) * theta
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    p_wait = pi[agents:].sum()
    queue = np.arange(size) - agents
    p_abandon = theta * (pi * np.maximum(queue, 0)).sum() / arrival_rate
    # Tagged arrival with j ahead: states "i ahead" (i = j..0) + served + gave up.
    service_level = pi[:agents].sum()
    depth = size - agents
    gen = np.zeros((depth + 2, depth + 2))
    served, gave_up = depth, depth + 1
    for i in range(depth):
        gen[i, i - 1 if i > 0 else served] += agents * mu + i * theta
        gen[i, gave_up] += theta
        gen[i, i] = -(agents * mu + (i + 1) * theta)
    transition = expm(gen * threshold_s)
    service_level += sum(pi[agents + j] * transition[j, served] for j in range(depth))
    return p_wait, p_abandon, service_level


@pytest.mark.parametrize(
    ("agents", "calls", "aht_s", "patience_s", "threshold_s"),
    [(14, 100, 180, 300, 20), (8, 100, 180, 60, 30), (3, 20, 300, 45, 10), (25, 300, 150, 200, 60)],
)
def test_erlang_a_equals_direct_linear_solve(
    agents: int, calls: int, aht_s: float, patience_s: float, threshold_s: float
) -> None:
    p_wait, p_abandon, service_level = _erlang_a_by_linear_solve(
        agents, calls / 1800, aht_s, patience_s, threshold_s
    )
    result = erlang_a(agents, calls, 1800, aht_s, patience_s=patience_s, threshold_s=threshold_s)
    assert result.p_wait == pytest.approx(p_wait, abs=1e-9)
    assert result.p_abandon == pytest.approx(p_abandon, abs=1e-9)
    assert result.service_level == pytest.approx(service_level, abs=1e-8)


def _simulate_erlang_a(
    agents: int, arrival_rate: float, aht_s: float, patience_s: float, *, threshold_s: float, n: int
) -> tuple[float, float, float]:
    """First-come-first-served M/M/n+M by events: (SL, abandon share, ASA of answered)."""
    rng = random.Random(7)
    free_at: list[float] = [0.0] * agents  # min-heap of agent free times
    clock = 0.0
    waiting: list[tuple[float, float]] = []  # (arrival, deadline) of callers in queue, FCFS
    within = abandoned = answered = 0
    total_wait = 0.0
    # FCFS with exponential patience: process arrivals in order; an arrival is served at the
    # earliest agent-free time if it has not given up by then. Because service is FCFS and
    # patience does not depend on others, this "virtual wait" recursion is exact.
    del waiting
    for _ in range(n):
        clock += rng.expovariate(arrival_rate)
        deadline = clock + rng.expovariate(1 / patience_s)
        start = max(clock, free_at[0])
        if start > deadline:
            abandoned += 1
            continue
        heapq.heapreplace(free_at, start + rng.expovariate(1 / aht_s))
        answered += 1
        total_wait += start - clock
        within += start - clock <= threshold_s
    return within / n, abandoned / n, total_wait / answered


def test_erlang_a_agrees_with_simulation() -> None:
    sl, abandon, asa = _simulate_erlang_a(9, 100 / 1800, 180, 120, threshold_s=20, n=200_000)
    result = erlang_a(9, 100, 1800, 180, patience_s=120, threshold_s=20)
    assert result.service_level == pytest.approx(sl, abs=0.01)
    assert result.p_abandon == pytest.approx(abandon, abs=0.005)
    assert result.asa_s == pytest.approx(asa, rel=0.05)


# --------------------------------------------------------------------------- properties

loads = st.floats(min_value=0.05, max_value=200.0)


@given(load=loads, extra=st.integers(min_value=0, max_value=50), aht=st.floats(30, 900))
@settings(max_examples=80, deadline=None)
def test_erlang_c_properties(load: float, extra: int, aht: float) -> None:
    agents = math.floor(load) + 1 + extra
    calls = load * 1800 / aht
    now = staffing_figures(agents, calls, 1800, aht, threshold_s=20)
    more = staffing_figures(agents + 1, calls, 1800, aht, threshold_s=20)
    assert 0.0 <= now.p_wait <= 1.0
    assert 0.0 <= now.service_level <= 1.0
    assert more.service_level >= now.service_level
    assert more.asa_s <= now.asa_s
    assert now.occupancy == pytest.approx(load / agents)


@given(
    load=st.floats(min_value=0.1, max_value=60.0),
    agents=st.integers(min_value=1, max_value=70),
    patience=st.floats(min_value=5.0, max_value=1200.0),
)
@settings(max_examples=60, deadline=None)
def test_erlang_a_properties(load: float, agents: int, patience: float) -> None:
    calls = load * 1800 / 240
    now = erlang_a(agents, calls, 1800, 240, patience_s=patience, threshold_s=20)
    more = erlang_a(agents + 1, calls, 1800, 240, patience_s=patience, threshold_s=20)
    for figures in (now, more):
        assert 0.0 <= figures.p_wait <= 1.0
        assert 0.0 <= figures.p_abandon <= figures.p_wait + 1e-12
        assert 0.0 <= figures.service_level <= 1.0
        assert 0.0 <= figures.occupancy <= 1.0
    assert more.service_level >= now.service_level - 1e-12
    assert more.p_abandon <= now.p_abandon + 1e-12


@given(load=st.floats(min_value=0.5, max_value=50.0), extra=st.integers(min_value=1, max_value=10))
@settings(max_examples=40, deadline=None)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(load: float, extra: int) -> None:
    agents = math.floor(load + 0.5) + extra  # n − A ≥ 0.5: away from the critical point
    calls = load * 1800 / 200
    c = staffing_figures(agents, calls, 1800, 200, threshold_s=20)
    a = erlang_a(agents, calls, 1800, 200, patience_s=1e12, threshold_s=20)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4, abs=1e-6)
    assert a.p_abandon < 1e-5


@given(
    calls=st.floats(min_value=1, max_value=3000),
    aht=st.floats(min_value=30, max_value=900),
    target=st.floats(min_value=0.5, max_value=0.95),
    patience=st.none() | st.floats(min_value=10, max_value=900),
)
@settings(max_examples=40, deadline=None)
def test_agents_needed_is_the_smallest_that_meets_target(
    calls: float, aht: float, target: float, patience: float | None
) -> None:
    result = staff_interval(calls, 1800, aht, target, 20, patience_s=patience)
    assert result.service_level >= target
    if result.model == "erlang_c":
        assert result.agents > calls * aht / 1800
    fewer = staffing_figures(
        result.agents - 1, calls, 1800, aht, threshold_s=20, patience_s=patience
    )
    assert fewer.service_level < target or (
        result.model == "erlang_c" and result.agents - 1 <= calls * aht / 1800
    )


def test_occupancy_cap_adds_agents() -> None:
    plain = staff_interval(1000, 1800, 300, 0.5, 60)
    capped = staff_interval(1000, 1800, 300, 0.5, 60, max_occupancy=0.85)
    assert plain.occupancy > 0.85
    assert capped.occupancy <= 0.85
    assert capped.agents == math.ceil(1000 * 300 / 1800 / 0.85)


def test_no_calls_needs_no_agents() -> None:
    assert agents_needed(0, 1800, 300, 0.8, 20) == 0
    assert staff_interval(0, 1800, 300, 0.8, 20, patience_s=60).agents == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calls": -1}, "calls"),
        ({"interval_s": 0}, "interval_s"),
        ({"aht_s": float("nan")}, "aht_s"),
        ({"target_sl": 1.0}, "target_sl"),
        ({"threshold_s": -5}, "threshold_s"),
        ({"patience_s": 0}, "patience_s"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
    ],
)
def test_bad_inputs_name_the_field(kwargs: dict[str, float], field: str) -> None:
    args: dict[str, float] = {
        "calls": 100,
        "interval_s": 1800,
        "aht_s": 180,
        "target_sl": 0.8,
        "threshold_s": 20,
    }
    args.update(kwargs)
    with pytest.raises(StaffingInputError) as caught:
        staff_interval(**args)
    assert caught.value.field == field


def test_vectorised_forms_agree_with_scalar_ones() -> None:
    rng = np.random.default_rng(3)
    loads = rng.uniform(0, 300, 200)
    loads[:5] = 0
    aht = rng.uniform(60, 900, 200)
    needed = erlang_c_agents_many(loads, aht, 0.8, 30)
    for load, handle, n in zip(loads, aht, needed, strict=True):
        assert n == agents_needed(load * 1800 / handle, 1800, handle, 0.8, 30)
    agents = rng.integers(0, 320, 200)
    p_wait = erlang_c_many(agents, loads)
    for n, load, value in zip(agents, loads, p_wait, strict=True):
        assert value == pytest.approx(erlang_c(int(n), float(load)), rel=1e-12, abs=1e-300)
    blocking = erlang_b_many(agents, loads)
    assert blocking[agents == 0] == pytest.approx(1.0)
