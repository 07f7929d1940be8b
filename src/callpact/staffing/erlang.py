"""Erlang C (M/M/n) and Erlang A (M/M/n+M): how many agents a service-level target needs.

Every time is in seconds (floats). ``calls`` are the contacts offered in one interval of
``interval_s`` seconds, handled in ``aht_s`` seconds on average; the offered load in Erlangs is
``calls × aht_s ÷ interval_s``.

Numerics: no factorials anywhere. Erlang C goes through the Erlang-B recurrence
``B(k) = A·B(k−1) / (k + A·B(k−1))``, which stays in [0, 1] for any number of agents. Erlang A
builds the stationary distribution of the birth–death chain in log space, truncated where the
tail is below 1e-16 of the mass, and gets the wait distribution of a tagged arrival by
uniformization (a Poisson-weighted sum whose error is bounded and below 1e-13).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

ModelName = Literal["erlang_c", "erlang_a"]

# Log-mass below which a state of the chain is dropped (e^-40 ≈ 4e-18).
_LOG_TAIL = 40.0
# Stop the search for agents here: beyond this the inputs are not a staffing question.
_MAX_AGENTS = 1_000_000


class StaffingInputError(ValueError):
    """An input a staffing calculation cannot use; ``field`` names the offending argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """What ``agents`` agents deliver on one interval.

    ``service_level`` is the share of all offered contacts answered within the threshold (in
    Erlang A an abandoned contact is a miss); ``asa_s`` is the mean wait of answered contacts;
    ``occupancy`` is the share of staffed time spent handling contacts; ``p_wait`` the share of
    contacts that find every agent busy; ``p_abandon`` the share that hang up before an answer
    (always 0 in Erlang C, where nobody leaves).
    """

    agents: int
    service_level: float
    asa_s: float
    occupancy: float
    p_wait: float
    p_abandon: float
    model: ModelName

    def to_json(self) -> dict[str, object]:
        return {
            "agents": self.agents,
            "service_level": self.service_level,
            "asa_s": self.asa_s,
            "occupancy": self.occupancy,
            "p_wait": self.p_wait,
            "p_abandon": self.p_abandon,
            "model": self.model,
        }


# --------------------------------------------------------------------------- input checks


def _finite(field: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StaffingInputError(field, f"{field} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise StaffingInputError(field, f"{field} must be a finite number, got {value!r}")
    return number


def _positive(field: str, value: float) -> float:
    number = _finite(field, value)
    if number <= 0:
        raise StaffingInputError(field, f"{field} must be greater than 0, got {value!r}")
    return number


def _non_negative(field: str, value: float) -> float:
    number = _finite(field, value)
    if number < 0:
        raise StaffingInputError(field, f"{field} must not be negative, got {value!r}")
    return number


def _agents(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise StaffingInputError("agents", f"agents must be a whole number, got {value!r}")
    if value < 0:
        raise StaffingInputError("agents", f"agents must not be negative, got {value!r}")
    return int(value)


def offered_load(calls: float, interval_s: float, aht_s: float) -> float:
    """Offered load in Erlangs: the agents that would be busy if every contact were handled."""
    calls = _non_negative("calls", calls)
    interval_s = _positive("interval_s", interval_s)
    aht_s = _positive("aht_s", aht_s)
    return calls * aht_s / interval_s


# --------------------------------------------------------------------------- Erlang B / C


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n (Erlang B) with ``load`` Erlangs on ``agents`` lines."""
    agents = _agents(agents)
    load = _non_negative("load", load)
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def _erlang_c_from_b(agents: int, load: float, blocking: float) -> float:
    if agents <= load:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def erlang_c(agents: int, load: float) -> float:
    """P(wait) of M/M/n (Erlang C): the share of contacts that find every agent busy.

    1 when ``agents ≤ load``: the queue grows without bound and everybody waits.
    """
    agents = _agents(agents)
    load = _non_negative("load", load)
    if load == 0:
        return 0.0
    return _erlang_c_from_b(agents, load, erlang_b(agents, load))


def _erlang_c_figures(
    agents: int, load: float, blocking: float, aht_s: float, threshold_s: float
) -> StaffingResult:
    if load == 0:
        return StaffingResult(agents, 1.0, 0.0, 0.0, 0.0, 0.0, "erlang_c")
    if agents <= load:
        # Unstable queue: nobody is answered within any finite threshold in the long run.
        return StaffingResult(agents, 0.0, math.inf, 1.0 if agents else 0.0, 1.0, 0.0, "erlang_c")
    p_wait = _erlang_c_from_b(agents, load, blocking)
    spare = agents - load
    service_level = 1.0 - p_wait * math.exp(-spare * threshold_s / aht_s)
    asa_s = p_wait * aht_s / spare
    return StaffingResult(
        agents=agents,
        service_level=min(1.0, max(0.0, service_level)),
        asa_s=asa_s,
        occupancy=load / agents,
        p_wait=p_wait,
        p_abandon=0.0,
        model="erlang_c",
    )


def erlang_c_service_level(agents: int, load: float, aht_s: float, threshold_s: float) -> float:
    """Share of contacts answered within ``threshold_s``: 1 − C·exp(−(n − A)·T ÷ AHT)."""
    agents = _agents(agents)
    load = _non_negative("load", load)
    aht_s = _positive("aht_s", aht_s)
    threshold_s = _non_negative("threshold_s", threshold_s)
    return _erlang_c_figures(agents, load, erlang_b(agents, load), aht_s, threshold_s).service_level


def erlang_c_asa(agents: int, load: float, aht_s: float) -> float:
    """Average speed of answer: C·AHT ÷ (n − A); infinite when ``agents ≤ load``."""
    agents = _agents(agents)
    load = _non_negative("load", load)
    aht_s = _positive("aht_s", aht_s)
    return _erlang_c_figures(agents, load, erlang_b(agents, load), aht_s, 0.0).asa_s


def occupancy(agents: int, load: float) -> float:
    """Erlang C occupancy A ÷ n (capped at 1: agents cannot be busier than all the time)."""
    agents = _agents(agents)
    load = _non_negative("load", load)
    if agents == 0:
        return 0.0 if load == 0 else 1.0
    return min(1.0, load / agents)


# --------------------------------------------------------------------------- Erlang A


def _log_stationary(
    agents: int, arrival_rate: float, service_rate: float, abandon_rate: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Normalised stationary probabilities of M/M/n+M, split into (k < n) and (k = n + j).

    Returns ``(below, queue)`` where ``below[k]`` = π_k for k < n and ``queue[j]`` = π_{n+j}.
    """
    load = arrival_rate / service_rate
    # log π_k (unnormalised) for k = 0..n: k·log A − log k!, as a running sum.
    k = np.arange(1, agents + 1, dtype=np.float64)
    log_low = np.concatenate(([0.0], np.cumsum(math.log(load) - np.log(k))))
    # Beyond n the ratio π_{n+j} / π_{n+j−1} = λ / (nμ + jθ): it drops below 1 once jθ > λ − nμ,
    # then falls ever faster, so the tail is truncated where it no longer adds anything.
    busy_rate = agents * service_rate
    peak = max(0.0, (arrival_rate - busy_rate) / abandon_rate)
    length = int(peak) + 64
    while True:
        j = np.arange(1, length + 1, dtype=np.float64)
        log_ratio = math.log(arrival_rate) - np.log(busy_rate + j * abandon_rate)
        log_high = log_low[-1] + np.cumsum(log_ratio)
        top = max(float(log_low.max()), float(log_high.max()))
        if log_high[-1] < top - _LOG_TAIL and log_ratio[-1] < 0:
            break
        length *= 2
    log_all = np.concatenate((log_low, log_high))
    weights = np.exp(log_all - top)
    weights /= weights.sum()
    return weights[:agents], weights[agents:]


def _poisson_weights(mean: float) -> npt.NDArray[np.float64]:
    """P(N = m) for N ~ Poisson(mean), m = 0..M with the tail beyond M below 1e-14."""
    if mean == 0:
        return np.ones(1)
    last = int(mean + 12.0 * math.sqrt(mean) + 30.0)
    m = np.arange(last + 1, dtype=np.float64)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(m[1:]))))
    return np.exp(m * math.log(mean) - mean - log_fact)


def _answered_within(
    threshold_s: float, busy_rate: float, abandon_rate: float, stages: int
) -> npt.NDArray[np.float64]:
    """For an arrival that finds j others queued (j = 0..stages−1): P(answered within T).

    With j ahead, the wait to reach an agent passes j + 1 stages; in the stage with i others
    ahead the queue moves at rate nμ + iθ (a completion or an abandon ahead) while the arrival
    itself gives up at rate θ. Conditioned on not giving up, the stage lasts Exp(nμ + (i+1)θ),
    and the chance of never giving up telescopes to nμ ÷ (nμ + (j+1)θ). The chance of passing
    all stages within T is a pure-death chain solved for every j at once by uniformization.
    """
    rates = busy_rate + abandon_rate * np.arange(1, stages + 1, dtype=np.float64)
    survive = busy_rate / rates
    if threshold_s == 0:
        return np.zeros(stages)
    uniform_rate = float(rates[-1])
    weights = _poisson_weights(uniform_rate * threshold_s)
    step = rates / uniform_rate  # chance per uniformized step of moving one stage closer
    # done[m] = P(all of the first m+1 ... stages passed) for a start with m+1 stages to go,
    # after s uniformized steps; state 0 stages-to-go is absorbing.
    to_go = np.zeros(stages + 1)
    to_go[0] = 1.0
    cdf = weights[0] * to_go[1:]
    for weight in weights[1:]:
        moved = to_go.copy()
        moved[1:] = step * to_go[:-1] + (1.0 - step) * to_go[1:]
        to_go = moved
        cdf += weight * to_go[1:]
    answered: npt.NDArray[np.float64] = np.minimum(1.0, cdf) * survive
    return answered


@lru_cache(maxsize=65_536)
def _erlang_a_cached(
    agents: int, arrival_rate: float, aht_s: float, patience_s: float, threshold_s: float
) -> StaffingResult:
    service_rate = 1.0 / aht_s
    abandon_rate = 1.0 / patience_s
    if arrival_rate == 0:
        return StaffingResult(agents, 1.0, 0.0, 0.0, 0.0, 0.0, "erlang_a")
    if agents == 0:
        return StaffingResult(0, 0.0, math.inf, 0.0, 1.0, 1.0, "erlang_a")
    below, queue = _log_stationary(agents, arrival_rate, service_rate, abandon_rate)
    busy_rate = agents * service_rate
    stages = queue.size
    j_plus_1 = np.arange(1, stages + 1, dtype=np.float64)
    survive = busy_rate / (busy_rate + j_plus_1 * abandon_rate)
    p_wait = min(1.0, float(queue.sum()))
    p_answered_waiting = float((queue * survive).sum())
    p_abandon = min(p_wait, max(0.0, p_wait - p_answered_waiting))
    # Mean wait of an answered arrival with j ahead: Σ_i 1 ÷ (nμ + iθ), i = 1..j+1.
    mean_wait_if_answered = np.cumsum(1.0 / (busy_rate + j_plus_1 * abandon_rate))
    answered = 1.0 - p_abandon
    asa_s = float((queue * survive * mean_wait_if_answered).sum()) / answered
    within = _answered_within(threshold_s, busy_rate, abandon_rate, stages)
    service_level = float(below.sum()) + float((queue * within).sum())
    carried = arrival_rate * answered * aht_s
    return StaffingResult(
        agents=agents,
        service_level=min(1.0, max(0.0, service_level)),
        asa_s=asa_s,
        occupancy=min(1.0, carried / agents),
        p_wait=p_wait,
        p_abandon=p_abandon,
        model="erlang_a",
    )


def erlang_a(
    agents: int,
    calls: float,
    interval_s: float,
    aht_s: float,
    *,
    patience_s: float,
    threshold_s: float,
) -> StaffingResult:
    """Erlang A (M/M/n+M): Erlang C where each waiting customer hangs up after an exponential
    patience of mean ``patience_s``. The queue is always stable, so ``agents`` may be below the
    offered load. Service level counts every offered contact, abandons as misses.
    """
    agents = _agents(agents)
    calls = _non_negative("calls", calls)
    interval_s = _positive("interval_s", interval_s)
    aht_s = _positive("aht_s", aht_s)
    patience_s = _positive("patience_s", patience_s)
    threshold_s = _non_negative("threshold_s", threshold_s)
    return _erlang_a_cached(agents, calls / interval_s, aht_s, patience_s, threshold_s)


# --------------------------------------------------------------------------- staffing


def staffing_figures(
    agents: int,
    calls: float,
    interval_s: float,
    aht_s: float,
    *,
    threshold_s: float,
    patience_s: float | None = None,
) -> StaffingResult:
    """Service level, ASA, occupancy of ``agents`` agents: Erlang A with a patience, else C."""
    if patience_s is not None:
        return erlang_a(
            agents, calls, interval_s, aht_s, patience_s=patience_s, threshold_s=threshold_s
        )
    agents = _agents(agents)
    load = offered_load(calls, interval_s, aht_s)
    threshold_s = _non_negative("threshold_s", threshold_s)
    return _erlang_c_figures(agents, load, erlang_b(agents, load), aht_s, threshold_s)


def _check_targets(target_sl: float, max_occupancy: float | None) -> None:
    target = _finite("target_sl", target_sl)
    if not 0 < target < 1:
        raise StaffingInputError(
            "target_sl", f"target_sl must be a share strictly between 0 and 1, got {target_sl!r}"
        )
    if max_occupancy is not None:
        cap = _finite("max_occupancy", max_occupancy)
        if not 0 < cap <= 1:
            raise StaffingInputError(
                "max_occupancy", f"max_occupancy must be in (0, 1], got {max_occupancy!r}"
            )


def _meets(result: StaffingResult, target_sl: float, max_occupancy: float | None) -> bool:
    if result.service_level < target_sl:
        return False
    return max_occupancy is None or result.occupancy <= max_occupancy


@lru_cache(maxsize=65_536)
def _staff_erlang_c(
    load: float, aht_s: float, target_sl: float, threshold_s: float, max_occupancy: float | None
) -> StaffingResult:
    # Walk the Erlang-B recurrence once, from 1 agent upward: each step is O(1), so the whole
    # search is O(n) even for thousands of agents.
    blocking = 1.0
    floor_load = math.floor(load)
    for k in range(1, floor_load + 1):
        blocking = load * blocking / (k + load * blocking)
    agents = floor_load
    while agents < _MAX_AGENTS:
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
        result = _erlang_c_figures(agents, load, blocking, aht_s, threshold_s)
        if _meets(result, target_sl, max_occupancy):
            return result
    raise StaffingInputError("calls", "no staffing below a million agents meets the target")


@lru_cache(maxsize=65_536)
def _staff_erlang_a(
    arrival_rate: float,
    aht_s: float,
    patience_s: float,
    *,
    target_sl: float,
    threshold_s: float,
    max_occupancy: float | None,
) -> StaffingResult:
    def figures(n: int) -> StaffingResult:
        return _erlang_a_cached(n, arrival_rate, aht_s, patience_s, threshold_s)

    # Both service level and (lower) occupancy improve with every added agent, so the smallest
    # n is found by doubling then bisecting, each step one Erlang A evaluation.
    load = arrival_rate * aht_s
    high = max(1, math.ceil(load))
    while not _meets(figures(high), target_sl, max_occupancy):
        if high >= _MAX_AGENTS:
            raise StaffingInputError("calls", "no staffing below a million agents meets the target")
        high *= 2
    low = 0  # invariant: low fails (0 agents answer nobody), high meets
    while high - low > 1:
        middle = (low + high) // 2
        if _meets(figures(middle), target_sl, max_occupancy):
            high = middle
        else:
            low = middle
    return figures(high)


def staff_interval(
    calls: float,
    interval_s: float,
    aht_s: float,
    target_sl: float,
    threshold_s: float,
    *,
    patience_s: float | None = None,
    max_occupancy: float | None = None,
) -> StaffingResult:
    """The smallest staffing that answers ``target_sl`` of contacts within ``threshold_s`` (and
    keeps occupancy at or below ``max_occupancy``), with what it delivers.

    Erlang C when ``patience_s`` is None (the answer is always above the offered load), Erlang A
    otherwise. An interval with no calls needs no agents.
    """
    load = offered_load(calls, interval_s, aht_s)
    threshold_s = _non_negative("threshold_s", threshold_s)
    _check_targets(target_sl, max_occupancy)
    if patience_s is not None:
        patience_s = _positive("patience_s", patience_s)
    if load == 0:
        model: ModelName = "erlang_c" if patience_s is None else "erlang_a"
        return StaffingResult(0, 1.0, 0.0, 0.0, 0.0, 0.0, model)
    if patience_s is None:
        return _staff_erlang_c(load, aht_s, float(target_sl), threshold_s, max_occupancy)
    return _staff_erlang_a(
        calls / interval_s,
        aht_s,
        patience_s,
        target_sl=float(target_sl),
        threshold_s=threshold_s,
        max_occupancy=max_occupancy,
    )


def agents_needed(
    calls: float,
    interval_s: float,
    aht_s: float,
    target_sl: float,
    threshold_s: float,
    *,
    patience_s: float | None = None,
    max_occupancy: float | None = None,
) -> int:
    """The smallest number of agents meeting the service-level target (and occupancy cap)."""
    return staff_interval(
        calls,
        interval_s,
        aht_s,
        target_sl,
        threshold_s,
        patience_s=patience_s,
        max_occupancy=max_occupancy,
    ).agents


# --------------------------------------------------------------------------- many intervals


def erlang_b_many(agents: npt.ArrayLike, loads: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Erlang B for many (agents, load) pairs at once: one recurrence pass up to the largest n."""
    n = np.asarray(agents, dtype=np.int64)
    load = np.asarray(loads, dtype=np.float64)
    n, load = np.broadcast_arrays(n, load)
    if n.size and (n.min() < 0 or load.min() < 0 or not np.isfinite(load).all()):
        raise StaffingInputError("agents", "agents and loads must be finite and not negative")
    blocking = np.ones(n.shape)
    out = np.ones(n.shape)
    for k in range(1, int(n.max(initial=0)) + 1):
        blocking = load * blocking / (k + load * blocking)
        hit = n == k
        out[hit] = blocking[hit]
    return out


def erlang_c_many(agents: npt.ArrayLike, loads: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Erlang C P(wait) for many (agents, load) pairs (1 where agents ≤ load, 0 for no load)."""
    n = np.asarray(agents, dtype=np.float64)
    load = np.asarray(loads, dtype=np.float64)
    blocking = erlang_b_many(agents, loads)
    stable = n > load
    safe = np.where(stable, n - load * (1.0 - blocking), 1.0)
    p_wait = np.where(stable, n * blocking / safe, 1.0)
    result: npt.NDArray[np.float64] = np.where(load == 0, 0.0, p_wait)
    return result


def erlang_c_agents_many(
    loads: npt.ArrayLike, aht_s: npt.ArrayLike, target_sl: float, threshold_s: float
) -> npt.NDArray[np.int64]:
    """Erlang C agents needed for many intervals at once (0 where the load is 0).

    The same answer as :func:`agents_needed` per interval, from one vectorised pass of the
    Erlang-B recurrence: the cost is the largest staffing times a few array operations.
    """
    load, aht = np.broadcast_arrays(
        np.asarray(loads, dtype=np.float64), np.asarray(aht_s, dtype=np.float64)
    )
    if load.size and (load.min() < 0 or not np.isfinite(load).all() or aht.min() <= 0):
        raise StaffingInputError("loads", "loads must be finite and not negative, AHT positive")
    _check_targets(target_sl, None)
    needed = np.zeros(load.shape, dtype=np.int64)
    done = load == 0
    blocking = np.ones(load.shape)
    k = 0
    while not done.all():
        k += 1
        if k > _MAX_AGENTS:
            raise StaffingInputError("loads", "no staffing below a million agents meets the target")
        blocking = load * blocking / (k + load * blocking)
        stable = k > load
        spare = np.where(stable, k - load, 1.0)
        p_wait = k * blocking / np.where(stable, k - load * (1.0 - blocking), 1.0)
        service_level = 1.0 - p_wait * np.exp(-spare * threshold_s / aht)
        newly = ~done & stable & (service_level >= target_sl)
        needed[newly] = k
        done |= newly
    return needed
