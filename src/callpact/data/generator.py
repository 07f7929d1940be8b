"""Synthetic contact-center programs in the interchange format, for demos, tests and benchmarks.

A program is a dict of Arrow tables (``contacts``, ``surveys``, ``qa_evaluations``, ``agents``,
``agent_states``, ``schedules``, ``forecast``, ``feedback``, ``outages``, ``incidents``) whose
rows pass the interchange row rules. The story behind the numbers:

* arrivals follow a double-humped day (peaks near 10:00 and 14:00 local), a week that is busiest
  on Monday, and the contract's hours of operation (closed on US federal holidays);
* the client's forecast misses by a few percent, and in about 1 % of intervals volume surges
  more than 15 % above it;
* the vendor staffs each interval from Erlang C (80 % in 30 s on the forecast), with shifts
  covering the day, then misses that plan by a month's "quality" factor and interval noise;
  waits follow from the staffing actually on shift (Erlang C probability of waiting, wait
  exponential), and customers with exponential patience hang up (some within 5 s);
* resolution drives repeat contacts (FCR), surveys (CSAT/NPS/CES, worse with long waits and
  unresolved issues) and QA scores; one declared outage cripples voice for 90 minutes;
* feedback carries transcripts with notes recorded faithfully, paraphrased, distorted or not at
  all; incidents are reported on time, late or never.

Everything is vectorised numpy and deterministic for a given seed. Times are int64 microseconds
UTC inside, ``timestamp[us, tz=UTC]`` in the tables; the CSV writer prints them as ISO 8601 with
the contract time zone's offset.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from callpact.data.synth.calendar import (
    DEFAULT_CALENDAR,
    INTERVAL_MINUTES,
    INTERVAL_US,
    IntervalGrid,
    build_grid,
    parse_calendar,
    us_federal_holidays,
    utc_offsets_us,
)
from callpact.data.synth.texts import FIDELITY_MIX, feedback_texts
from callpact.staffing import erlang_c_agents_many, erlang_c_many

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
TS = pa.timestamp("us", tz="UTC")

TABLE_NAMES = (
    "contacts",
    "surveys",
    "qa_evaluations",
    "agents",
    "agent_states",
    "schedules",
    "forecast",
    "feedback",
    "outages",
    "incidents",
)


@dataclass(frozen=True, slots=True)
class QueueProfile:
    """One queue of the program: its channel, share of volume, handle time and patience."""

    name: str
    channel: str
    share: float
    aht_s: float
    patience_s: float
    peak_shift_minutes: int = 0  # chat peaks later in the day than voice
    dispositions: tuple[str, ...] = ("billing", "eligibility", "claims", "other")


DEFAULT_QUEUES = (
    QueueProfile(
        "members",
        "voice",
        0.50,
        430.0,
        720.0,
        dispositions=("eligibility", "claims", "billing", "id_card", "benefits", "other"),
    ),
    QueueProfile(
        "pharmacy",
        "voice",
        0.18,
        470.0,
        630.0,
        dispositions=("refill", "prior_auth", "mail_order", "coverage", "other"),
    ),
    QueueProfile(
        "providers",
        "voice",
        0.17,
        520.0,
        900.0,
        dispositions=("claim_status", "eligibility", "prior_auth", "credentialing", "other"),
    ),
    QueueProfile(
        "members-chat",
        "chat",
        0.15,
        900.0,
        1080.0,
        peak_shift_minutes=60,
        dispositions=("password", "id_card", "claims", "benefits", "other"),
    ),
)

Scenario = Literal["demo", "steady"]


@dataclass(frozen=True, slots=True)
class MonthQuality:
    """How well the vendor ran one month: drives service level, FCR, CSAT and QA."""

    planned_service_level: float  # the Erlang C service level (in 30 s) staffing aims at
    unresolved: float  # share of answered contacts not resolved first time
    csat_shift: float  # added to the survey latent score
    qa_mean: float  # mean QA score (0-100)
    faithful: float = FIDELITY_MIX["faithful"]  # share of feedback notes recorded verbatim


# Against the example annex (SL 80/30, abandon ≤ 5 %, FCR 0.72, CSAT 0.85, QA 0.90): a missed
# month, a recovery, then a month that earns bonuses.
DEMO_QUALITY = (
    MonthQuality(0.52, unresolved=0.44, csat_shift=0.15, qa_mean=88.0, faithful=0.80),
    MonthQuality(0.77, unresolved=0.33, csat_shift=0.40, qa_mean=92.5, faithful=0.93),
    MonthQuality(0.88, unresolved=0.24, csat_shift=0.65, qa_mean=94.5, faithful=0.99),
)
STEADY_QUALITY = MonthQuality(
    planned_service_level=0.75, unresolved=0.30, csat_shift=0.45, qa_mean=92.5
)


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """What to generate. Months are ``YYYY-MM``, both inclusive."""

    start_month: str = "2027-01"
    end_month: str = "2027-03"
    contacts_per_month: int = 20_000
    seed: int = 1
    time_zone: str = "America/Chicago"
    calendar: tuple[str, ...] = DEFAULT_CALENDAR
    holidays: Literal["us-federal", "none"] = "us-federal"
    queues: tuple[QueueProfile, ...] = DEFAULT_QUEUES
    scenario: Scenario = "demo"
    quality: tuple[MonthQuality, ...] = field(default=())  # overrides the scenario per month
    short_abandon_share: float = 0.012
    survey_share: float = 0.14
    qa_share: float = 0.02
    feedback_share: float = 0.01

    def months(self) -> list[tuple[int, int]]:
        first = _parse_month(self.start_month, "start_month")
        last = _parse_month(self.end_month, "end_month")
        if last < first:
            raise ValueError(f"end_month {self.end_month} is before start_month {self.start_month}")
        out = []
        year, month = first
        while (year, month) <= last:
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def month_quality(self, index: int) -> MonthQuality:
        if self.quality:
            return self.quality[index % len(self.quality)]
        if self.scenario == "demo":
            return DEMO_QUALITY[index] if index < len(DEMO_QUALITY) else STEADY_QUALITY
        return STEADY_QUALITY


def _parse_month(text: str, name: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in text.split("-"))
    except ValueError:
        raise ValueError(f"{name} must look like 2027-01, got {text!r}") from None
    if not 1 <= month <= 12 or not 1900 < year < 3000:
        raise ValueError(f"{name} must look like 2027-01, got {text!r}")
    return year, month


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, part: int) -> np.random.Generator:
    # One stream per part of the story, so changing one part leaves the others' draws alone.
    return np.random.default_rng([seed, part])


def _ids(prefix: str, numbers: Int64Array, width: int) -> pa.Array:
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def _only(values: pa.Array, valid: BoolArray) -> pa.Array:
    """``values`` where ``valid``, null elsewhere."""
    return pc.if_else(pa.array(valid, pa.bool_()), values, pa.scalar(None, values.type))


def _ts(values: Int64Array, valid: BoolArray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.int64(), mask=mask).cast(TS)


def _lognormal(rng: np.random.Generator, mean: FloatArray, cv: float, size: int) -> FloatArray:
    sigma2 = math.log1p(cv * cv)
    mu = np.log(mean) - sigma2 / 2
    result: FloatArray = rng.lognormal(mu, math.sqrt(sigma2), size)
    return result


def _intraday_weight(local_minute: Int64Array, weekday: Int64Array, shift: int) -> FloatArray:
    m = local_minute.astype(np.float64) + INTERVAL_MINUTES / 2 - shift
    day_shape = (
        0.45 + 1.0 * np.exp(-(((m - 600) / 115) ** 2)) + 0.8 * np.exp(-(((m - 840) / 125) ** 2))
    )
    week = np.array([1.25, 1.10, 1.02, 0.98, 0.92, 0.80, 0.7])[weekday]
    result: FloatArray = day_shape * week
    return result


# --------------------------------------------------------------------------- the program


@dataclass(slots=True)
class _Staffing:
    on_shift: Int64Array  # per (queue, interval): agents handling contacts
    shift_agent: Int64Array  # per shift: global agent number
    shift_queue: Int64Array
    shift_day: Int64Array
    shift_first: Int64Array  # first interval (global index)
    shift_last: Int64Array  # last interval (inclusive)
    shift_lunch: Int64Array  # lunch interval, −1 = none
    agent_queue: Int64Array  # per agent
    agent_start_day: Int64Array  # per agent: first day it may work (new hires later)


def _staff(
    config: GeneratorConfig,
    grid: IntervalGrid,
    plan: Int64Array,
    rng: np.random.Generator,
) -> _Staffing:
    """Shifts that cover ``plan`` (queues × intervals) day by day; one shift per agent per day."""
    queues = len(config.queues)
    days = len(grid.day_dates)
    day_first = np.searchsorted(grid.day, np.arange(days))
    day_end = np.searchsorted(grid.day, np.arange(days), side="right")
    shifts: list[tuple[int, int, int, int, int]] = []  # queue, day, first, last, lunch
    for q in range(queues):
        for d in range(days):
            first, end = int(day_first[d]), int(day_end[d])
            length = end - first
            cover = np.zeros(length, dtype=np.int64)
            need = plan[q, first:end]
            for t in range(length):
                deficit = int(need[t] - cover[t])
                for k in range(deficit):
                    # Full-time (8.5 h with lunch) where demand lasts, part-time (4-6 h) where
                    # it is a peak: the shift runs while the k-th extra agent is still needed.
                    short = need[t:] - cover[t:] <= 0
                    run = int(np.argmax(short)) if short.any() else length - t
                    shift_len = min(length, 17 if run >= 14 else max(8, min(run, 12)))
                    start = min(t, length - shift_len)
                    stop = start + shift_len
                    cover[start:stop] += 1
                    lunch = start + 8 + (k % 3) - 1 if shift_len >= 14 else -1
                    shifts.append(
                        (q, d, first + start, first + stop - 1, -1 if lunch < 0 else first + lunch)
                    )
    table = np.asarray(shifts, dtype=np.int64).reshape(-1, 5)
    shift_queue, shift_day, shift_first, shift_last, shift_lunch = table.T
    # Rosters: per queue, enough agents that each works about 5 days in 6 open days, plus new
    # hires who join during the program (trainees).
    shift_agent = np.empty(shift_queue.size, dtype=np.int64)
    agent_queue_parts: list[Int64Array] = []
    agent_start_parts: list[Int64Array] = []
    next_agent = 0
    for q in range(queues):
        mine = np.flatnonzero(shift_queue == q)
        per_day = np.bincount(shift_day[mine], minlength=days)
        peak = int(per_day.max(initial=0))
        veterans = math.ceil(peak * 1.12) + 1
        hires = max(1, math.ceil(peak * 0.08))
        roster = veterans + hires
        start_day = np.zeros(roster, dtype=np.int64)
        start_day[veterans:] = rng.integers(max(1, days // 6), max(2, days - 5), hires)
        for d in range(days):
            todays = mine[shift_day[mine] == d]
            eligible = np.flatnonzero(start_day <= d)
            order = rng.permutation(eligible)
            if todays.size > order.size:  # more shifts than eligible agents: rare, reuse nobody
                todays = todays[: order.size]
            shift_agent[todays] = next_agent + order[: todays.size]
        agent_queue_parts.append(np.full(roster, q, dtype=np.int64))
        agent_start_parts.append(start_day)
        next_agent += roster
    on_shift = np.zeros((queues, grid.size), dtype=np.int64)
    for q in range(queues):
        mine = shift_queue == q
        np.add.at(on_shift[q], shift_first[mine], 1)
        ends = shift_last[mine] + 1
        np.add.at(on_shift[q], ends[ends < grid.size], -1)
        on_shift[q] = np.cumsum(on_shift[q])
        lunches = shift_lunch[mine]
        np.add.at(on_shift[q], lunches[lunches >= 0], -1)
    return _Staffing(
        on_shift=on_shift,
        shift_agent=shift_agent,
        shift_queue=shift_queue,
        shift_day=shift_day,
        shift_first=shift_first,
        shift_last=shift_last,
        shift_lunch=shift_lunch,
        agent_queue=np.concatenate(agent_queue_parts),
        agent_start_day=np.concatenate(agent_start_parts),
    )


def generate_program(config: GeneratorConfig | None = None) -> dict[str, pa.Table]:
    """Generate a whole program: one Arrow table per interchange table (see module docs).

    The returned dict also holds ``_truth_feedback`` (feedback_id, label): the fidelity each
    feedback item was generated with, for testing the verbatim judge; writers skip it.
    """
    config = config or GeneratorConfig()
    if config.contacts_per_month < 0:
        raise ValueError("contacts_per_month must not be negative")
    months = config.months()
    hours = parse_calendar(config.calendar)
    years = {y for y, _ in months} | {months[-1][0] + 1}
    holidays = us_federal_holidays(years) if config.holidays == "us-federal" else frozenset()
    grid = build_grid(months, config.time_zone, hours, holidays)
    if grid.size == 0:
        raise ValueError("the hours of operation leave no open interval in these months")
    queues = config.queues
    nq = len(queues)
    seed = config.seed
    quality = [config.month_quality(m) for m in range(len(months))]

    # ---- volume and forecast ---------------------------------------------------------------
    rng = _rng(seed, 1)
    expected = np.zeros((nq, grid.size))
    for q, profile in enumerate(queues):
        weight = _intraday_weight(grid.local_minute, grid.weekday, profile.peak_shift_minutes)
        month_total = np.bincount(grid.month, weights=weight, minlength=len(months))
        expected[q] = config.contacts_per_month * profile.share * weight / month_total[grid.month]
    forecast = expected * np.exp(rng.normal(0.0, 0.05, expected.shape))
    actual_mean = expected * np.exp(rng.normal(0.0, 0.04, expected.shape))
    surge = rng.random(expected.shape) < 0.01
    actual_mean[surge] *= rng.uniform(1.3, 1.7, int(surge.sum()))
    counts = rng.poisson(actual_mean)
    aht_trend = np.array([1.0 - 0.02 * m for m in range(len(months))])
    forecast_aht = np.array([p.aht_s for p in queues])[:, None] * aht_trend[grid.month][None, :]

    # ---- staffing plan and shifts -----------------------------------------------------------
    interval_s = INTERVAL_MINUTES * 60.0
    plan_agents = np.zeros((nq, grid.size), dtype=np.int64)
    plan_load = forecast * forecast_aht / interval_s
    for m, month_quality in enumerate(quality):
        cols = grid.month == m
        plan_agents[:, cols] = erlang_c_agents_many(
            plan_load[:, cols], forecast_aht[:, cols], month_quality.planned_service_level, 30.0
        )
    noise = np.exp(rng.normal(0.0, 0.05, plan_agents.shape))
    # Lunches take about 1 in 16 intervals away from the phones, so plan a little above.
    staffed_target = np.ceil(plan_agents * noise * 1.03).astype(np.int64)
    staffing = _staff(config, grid, staffed_target, _rng(seed, 2))

    # ---- declared outage: voice down to a third of its agents for 90 minutes -------------------
    middle_month = len(months) // 2
    candidates = np.flatnonzero(
        (grid.month == middle_month) & (grid.weekday == 2) & (grid.local_minute == 600)
    )
    outage_first = int(candidates[0]) if candidates.size else int(grid.size // 2)
    outage_slots = np.arange(outage_first, min(outage_first + 3, grid.size))
    effective = staffing.on_shift.astype(np.float64).copy()
    for q, profile in enumerate(queues):
        if profile.channel == "voice":
            effective[q, outage_slots] = np.floor(effective[q, outage_slots] * 0.3)

    # ---- contacts ---------------------------------------------------------------------------
    rng = _rng(seed, 3)
    flat_counts = counts.reshape(-1)
    total = int(flat_counts.sum())
    cell = np.repeat(np.arange(flat_counts.size), flat_counts)
    queue_of = (cell // grid.size).astype(np.int64)
    interval_of = (cell % grid.size).astype(np.int64)
    offered = grid.start_us[interval_of] + rng.integers(0, INTERVAL_US, total)
    order = np.argsort(offered, kind="stable")
    offered, queue_of, interval_of = offered[order], queue_of[order], interval_of[order]
    month_of = grid.month[interval_of]

    aht = forecast_aht[queue_of, interval_of] * np.exp(rng.normal(0, 0.03, total))
    load = counts * forecast_aht / interval_s
    p_wait = erlang_c_many(effective.reshape(-1).astype(np.int64), load.reshape(-1)).reshape(
        nq, grid.size
    )
    spare = effective - load
    # Conditional wait given a wait: Erlang C's AHT ÷ (n − A), floored at a Halfin–Whitt style
    # margin so overloaded intervals give long waits and many abandons rather than infinities.
    margin = np.maximum(spare, 0.35 * np.sqrt(np.maximum(load, 1.0)))
    mean_wait_s = forecast_aht / np.maximum(margin, 1e-9)
    mean_wait_s = np.minimum(mean_wait_s, 3600.0)
    patience_s = np.array([p.patience_s for p in queues])[queue_of]
    waits = rng.random(total) < p_wait[queue_of, interval_of]
    ring_us = (rng.uniform(1.0, 6.0, total) * SECOND).astype(np.int64)
    queue_wait_us = (
        rng.exponential(1.0, total) * mean_wait_s[queue_of, interval_of] * SECOND
    ).astype(np.int64)
    wait_us = ring_us + np.where(waits, queue_wait_us, 0)
    patience_us = (rng.exponential(1.0, total) * patience_s * SECOND).astype(np.int64)
    answered = wait_us <= patience_us
    ghost = rng.random(total) < config.short_abandon_share  # hang up while it still rings
    answered &= ~ghost
    wait_us = np.where(ghost, (rng.uniform(0.3, 4.9, total) * SECOND).astype(np.int64), wait_us)
    wait_us = np.where(answered | ghost, wait_us, patience_us)
    wait_us = np.maximum(wait_us, 1)

    channel_is_chat = np.array([p.channel == "chat" for p in queues])[queue_of]
    talk = _lognormal(rng, aht * 0.74, 0.55, total)
    has_hold = (rng.random(total) < 0.33) & ~channel_is_chat
    hold = np.where(has_hold, _lognormal(rng, aht * 0.12, 0.8, total), 0.0)
    acw = _lognormal(rng, aht * 0.16, 0.5, total)
    talk = np.round(talk, 3).astype(np.float64)
    hold = np.round(hold, 3).astype(np.float64)
    acw = np.round(acw, 3).astype(np.float64)
    answered_at = offered + wait_us
    ended_at = np.where(
        answered, answered_at + ((talk + hold) * SECOND).astype(np.int64), offered + wait_us
    )
    unresolved_rate = np.array([qm.unresolved for qm in quality])[month_of]
    transferred = answered & (rng.random(total) < 0.05 + 0.2 * unresolved_rate)
    resolved = (
        answered
        & (rng.random(total) >= unresolved_rate)
        & ~(transferred & (rng.random(total) < 0.5))
    )

    # ---- agents per answered contact: round robin over the agents on shift in its interval ----
    agent_of = _assign_agents(staffing, grid, queue_of, interval_of, answered, _rng(seed, 4))
    answered &= agent_of >= 0
    wait_us = np.where(answered | ghost, wait_us, np.minimum(wait_us, patience_us))
    answered_at = np.where(answered, offered + wait_us, 0)
    ended_at = np.where(
        answered, answered_at + ((talk + hold) * SECOND).astype(np.int64), offered + wait_us
    )

    # ---- customers and repeat contacts (FCR) --------------------------------------------------
    customer = _customers(offered, answered, resolved, ghost, _rng(seed, 5))

    # ---- build the contacts table -------------------------------------------------------------
    contact_number = np.arange(total, dtype=np.int64)
    contact_ids = _ids("C", contact_number, 9)
    disposition_names: list[str] = []
    disposition_offset = []
    for profile in queues:
        disposition_offset.append(len(disposition_names))
        disposition_names.extend(profile.dispositions)
    disp_count = np.array([len(p.dispositions) for p in queues])[queue_of]
    disposition = np.asarray(disposition_offset)[queue_of] + (
        rng.random(total) * disp_count
    ).astype(np.int64)
    channel_names = pa.array([p.channel for p in queues])
    queue_names = pa.array([p.name for p in queues])
    null_customer = rng.random(total) < 0.02
    contacts = pa.table(
        {
            "contact_id": contact_ids,
            "channel": channel_names.take(pa.array(queue_of)),
            "direction": pa.array(np.full(total, "inbound")),
            "queue": queue_names.take(pa.array(queue_of)),
            "offered_at": _ts(offered),
            "answered_at": _ts(answered_at, answered),
            "ended_at": _ts(ended_at),
            "talk_s": pa.array(talk, mask=~answered),
            "hold_s": pa.array(np.where(answered, hold, 0.0)),
            "acw_s": pa.array(np.where(answered, acw, 0.0)),
            "agent_id": _only(_ids("A", np.maximum(agent_of, 0), 5), answered),
            "customer_id": _only(_ids("M", customer, 8), ~null_customer),
            "transferred": pa.array(transferred),
            "disposition": pa.array(disposition_names).take(pa.array(disposition)),
        }
    )

    tables: dict[str, pa.Table] = {"contacts": contacts}
    wait_s = wait_us / SECOND
    tables["surveys"] = _surveys(
        offered, ended_at, answered, resolved, transferred, wait_s, month_of, quality,
        contact_ids, config.survey_share, channel_is_chat, _rng(seed, 6),
    )  # fmt: skip
    tables["qa_evaluations"] = _qa(
        ended_at, answered, agent_of, month_of, quality, contact_ids, config.qa_share,
        _rng(seed, 7),
    )  # fmt: skip
    tables["agents"] = _agents_table(staffing, grid, _rng(seed, 8))
    tables["schedules"] = _schedules(staffing, grid)
    tables["agent_states"] = _agent_states(
        staffing, grid, agent_of, interval_of, answered, talk, hold, acw, _rng(seed, 9)
    )
    tables["forecast"] = _forecast_table(queues, grid, forecast, forecast_aht)
    feedback, truth = _feedback(
        ended_at, answered, agent_of, contact_ids, channel_is_chat, config.feedback_share,
        month_of, [q.faithful for q in quality], _rng(seed, 10),
    )  # fmt: skip
    tables["feedback"] = feedback
    tables["outages"] = pa.table(
        {
            "outage_id": ["OUT-1"],
            "starts_at": _ts(np.array([grid.start_us[outage_slots[0]]])),
            "ends_at": _ts(np.array([grid.start_us[outage_slots[-1]] + INTERVAL_US])),
            "channels": ["voice"],
            "queues": pa.array([None], pa.string()),
            "reason": ["telephony carrier outage declared by the vendor"],
        }
    )
    tables["incidents"] = _incidents(grid, len(months), _rng(seed, 11))
    tables["_truth_feedback"] = truth
    return tables


def _assign_agents(  # noqa: PLR0917 (private: the contact columns it reads)
    staffing: _Staffing,
    grid: IntervalGrid,
    queue_of: Int64Array,
    interval_of: Int64Array,
    answered: BoolArray,
    rng: np.random.Generator,
) -> Int64Array:
    """Agent number per contact (−1 when unanswered or nobody was on shift)."""
    nq = staffing.on_shift.shape[0]
    # (queue, interval, agent) for every working half hour of every shift, lunches left out.
    lengths = staffing.shift_last - staffing.shift_first + 1
    shift_index = np.repeat(np.arange(lengths.size), lengths)
    within = np.arange(shift_index.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    slot = staffing.shift_first[shift_index] + within
    working = slot != staffing.shift_lunch[shift_index]
    shift_index, slot = shift_index[working], slot[working]
    cell = staffing.shift_queue[shift_index] * grid.size + slot
    order = np.argsort(cell, kind="stable")
    cell_sorted = cell[order]
    agents_sorted = staffing.shift_agent[shift_index[order]]
    starts = np.searchsorted(cell_sorted, np.arange(nq * grid.size))
    ends = np.searchsorted(cell_sorted, np.arange(nq * grid.size), side="right")
    available = ends - starts
    contact_cell = queue_of * grid.size + interval_of
    # Rank of each answered contact in its cell, in time order (contacts are sorted by time).
    idx = np.flatnonzero(answered)
    cells = contact_cell[idx]
    by_cell = np.argsort(cells, kind="stable")
    sorted_cells = cells[by_cell]
    first_of_cell = np.searchsorted(sorted_cells, sorted_cells)
    rank = np.empty(idx.size, dtype=np.int64)
    rank[by_cell] = np.arange(idx.size) - first_of_cell
    agent = np.full(queue_of.size, -1, dtype=np.int64)
    count = available[cells]
    ok = count > 0
    offset = rng.integers(0, 1 << 30, nq * grid.size)[cells]
    pick = starts[cells] + (rank + offset) % np.maximum(count, 1)
    agent[idx[ok]] = agents_sorted[pick[ok]]
    return agent


def _customers(
    offered: Int64Array,
    answered: BoolArray,
    resolved: BoolArray,
    ghost: BoolArray,
    rng: np.random.Generator,
) -> Int64Array:
    """Customer number per contact; unresolved contacts and abandons come back (repeats)."""
    total = offered.size
    p_repeat = np.where(answered, np.where(resolved, 0.05, 0.80), np.where(ghost, 0.3, 0.55))
    repeats = rng.random(total) < p_repeat
    gap_days = rng.exponential(1.4, total) + 0.01
    late = rng.random(total) < 0.06  # comes back after the FCR window: not a repeat
    gap_days = np.where(late, rng.uniform(7.2, 12.0, total), gap_days)
    # Step forward in contacts, not in clock time: a repeat then lands in open hours with the
    # day's arrival pattern (a clock step would pile nights and weekends onto the next opening).
    span_days = max(1.0, (offered[-1] - offered[0]) / DAY * 5 / 7) if total else 1.0
    per_day = total / span_days
    target = np.arange(total) + np.maximum(1, (gap_days * per_day).astype(np.int64))
    src = np.flatnonzero(repeats & (target < total))
    dst = target[src]
    # Each contact is the repeat of at most one earlier contact: keep the first claim.
    dst_unique, first = np.unique(dst, return_index=True)
    src = src[first]
    prev = np.full(total, -1, dtype=np.int64)
    prev[dst_unique] = src
    label = np.arange(total, dtype=np.int64)
    # Chains are paths going forward in time; pointer jumping labels each with its first contact.
    has_prev = prev >= 0
    while True:
        parent = np.where(has_prev, label[np.maximum(prev, 0)], label)
        if np.array_equal(parent, label):
            break
        label = parent
    # Customer numbers look random rather than sequential.
    unique, inverse = np.unique(label, return_inverse=True)
    numbers = rng.permutation(np.arange(unique.size, dtype=np.int64) * 7 + 10_000_000)
    return numbers[inverse] % 100_000_000


def _surveys(  # noqa: PLR0917 (private: the contact columns it reads)
    offered: Int64Array,
    ended_at: Int64Array,
    answered: BoolArray,
    resolved: BoolArray,
    transferred: BoolArray,
    wait_s: FloatArray,
    month_of: Int64Array,
    quality: list[MonthQuality],
    contact_ids: pa.Array,
    share: float,
    chat: BoolArray,
    rng: np.random.Generator,
) -> pa.Table:
    total = offered.size
    responds = answered & (rng.random(total) < np.where(chat, share * 1.4, share))
    idx = np.flatnonzero(responds)
    shift = np.array([qm.csat_shift for qm in quality])[month_of[idx]]
    latent = (
        1.55
        + shift
        + 1.0 * resolved[idx]
        - 0.6 * transferred[idx]
        - 0.012 * np.minimum(wait_s[idx], 300)
        + rng.normal(0, 0.85, idx.size)
    )
    csat = np.clip(np.digitize(latent, [-0.6, 0.3, 1.0, 1.9]) + 1, 1, 5)
    nps = np.clip(np.round(6.3 + 1.6 * latent + rng.normal(0, 1.0, idx.size)), 0, 10)
    ces = np.clip(np.round(5.6 - 1.1 * latent + rng.normal(0, 0.8, idx.size)), 1, 7)
    asked = rng.random((3, idx.size))
    responded_at = ended_at[idx] + (rng.exponential(2.0, idx.size) * HOUR).astype(np.int64) + 1
    return pa.table(
        {
            "contact_id": contact_ids.take(pa.array(idx)),
            "responded_at": _ts(responded_at),
            "csat": pa.array(csat.astype(np.int64), mask=asked[0] < 0.03),
            "nps": pa.array(nps.astype(np.int64), mask=asked[1] < 0.25),
            "ces": pa.array(ces.astype(np.int64), mask=asked[2] < 0.4),
        }
    )


def _qa(  # noqa: PLR0917 (private: the contact columns it reads)
    ended_at: Int64Array,
    answered: BoolArray,
    agent_of: Int64Array,
    month_of: Int64Array,
    quality: list[MonthQuality],
    contact_ids: pa.Array,
    share: float,
    rng: np.random.Generator,
) -> pa.Table:
    idx = np.flatnonzero(answered & (rng.random(answered.size) < share))
    mean = np.array([qm.qa_mean for qm in quality])[month_of[idx]]
    score = np.clip(np.round(rng.normal(mean, 6.0, idx.size), 1), 0, 100)
    auto_fail = rng.random(idx.size) < 0.008
    evaluated = ended_at[idx] + (rng.uniform(1, 96, idx.size) * HOUR).astype(np.int64)
    return pa.table(
        {
            "evaluation_id": _ids("QA", np.arange(idx.size, dtype=np.int64), 8),
            "contact_id": contact_ids.take(pa.array(idx)),
            "agent_id": _ids("A", agent_of[idx], 5),
            "evaluated_at": _ts(evaluated),
            "score": pa.array(score),
            "auto_fail": pa.array(auto_fail),
        }
    )


def _agents_table(staffing: _Staffing, grid: IntervalGrid, rng: np.random.Generator) -> pa.Table:
    count = staffing.agent_queue.size
    first_day = grid.day_dates[0]
    starts = [grid.day_dates[int(d)] for d in staffing.agent_start_day]
    new_hire = staffing.agent_start_day > 0
    trained: list[date] = []
    hired: list[date] = []
    admitted: list[date] = []
    tenure = rng.integers(60, 1500, count)
    for i in range(count):
        if new_hire[i]:
            # Finished training the day before the first shift: inside the exemption window.
            done = starts[i] - timedelta(days=1)
            hired.append(done - timedelta(days=28))
        else:
            done = first_day - timedelta(days=int(tenure[i]))
            hired.append(done - timedelta(days=21))
        trained.append(done)
        admitted.append(done - timedelta(days=2))
    supervisors = max(1, count // 15)
    sup_hired = [first_day - timedelta(days=int(d)) for d in rng.integers(400, 3000, supervisors)]
    return pa.table(
        {
            "agent_id": pa.concat_arrays(
                [
                    _ids("A", np.arange(count, dtype=np.int64), 5),
                    _ids("S", np.arange(supervisors, dtype=np.int64), 4),
                ]
            ),
            "role": ["operator"] * count + ["supervisor"] * supervisors,
            "hired_on": pa.array(hired + sup_hired, pa.date32()),
            "training_completed_on": pa.array(trained + [None] * supervisors, pa.date32()),
            "admitted_on": pa.array(admitted + sup_hired, pa.date32()),
            # Operators are split evenly across the supervisors' teams.
            "team": pa.concat_arrays(
                [
                    _ids("S", np.arange(count, dtype=np.int64) % supervisors, 4),
                    _ids("S", np.arange(supervisors, dtype=np.int64), 4),
                ]
            ),
        }
    )


def _schedules(staffing: _Staffing, grid: IntervalGrid) -> pa.Table:
    start = grid.start_us[staffing.shift_first]
    end = grid.start_us[staffing.shift_last] + INTERVAL_US
    has_lunch = staffing.shift_lunch >= 0
    lunch_start = grid.start_us[np.maximum(staffing.shift_lunch, 0)]
    lunch_end = lunch_start + INTERVAL_US
    agents = np.concatenate(
        [staffing.shift_agent, staffing.shift_agent[has_lunch], staffing.shift_agent[has_lunch]]
    )
    starts = np.concatenate([start, lunch_start[has_lunch], lunch_end[has_lunch]])
    ends = np.concatenate([np.where(has_lunch, lunch_start, end), lunch_end[has_lunch],
                           end[has_lunch]])  # fmt: skip
    activity = np.concatenate(
        [np.zeros(start.size, np.int64), np.ones(int(has_lunch.sum()), np.int64),
         np.zeros(int(has_lunch.sum()), np.int64)]
    )  # fmt: skip
    order = np.lexsort((starts, agents))
    return pa.table(
        {
            "agent_id": _ids("A", agents[order], 5),
            "activity": pa.array(["work", "lunch"]).take(pa.array(activity[order])),
            "starts_at": _ts(starts[order]),
            "ends_at": _ts(ends[order]),
        }
    )


def _agent_states(  # noqa: PLR0917 (private: the contact columns it reads)
    staffing: _Staffing,
    grid: IntervalGrid,
    agent_of: Int64Array,
    interval_of: Int64Array,
    answered: BoolArray,
    talk: FloatArray,
    hold: FloatArray,
    acw: FloatArray,
    rng: np.random.Generator,
) -> pa.Table:
    """Per agent and scheduled half hour: busy, hold, after-call work, then available; lunch as
    a break; a few late log-ins as offline. Totals match the contacts each agent handled."""
    lengths = staffing.shift_last - staffing.shift_first + 1
    shift_index = np.repeat(np.arange(lengths.size), lengths)
    within = np.arange(shift_index.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    slot = staffing.shift_first[shift_index] + within
    agent = staffing.shift_agent[shift_index]
    is_lunch = slot == staffing.shift_lunch[shift_index]
    key = agent * grid.size + slot
    handled = np.flatnonzero(answered)
    handled_key = agent_of[handled] * grid.size + interval_of[handled]
    order = np.argsort(key)
    pos = order[np.searchsorted(key[order], handled_key)]
    sums = np.zeros((3, key.size))
    for row, values in enumerate((talk, hold, acw)):
        np.add.at(sums[row], pos, values[handled])
    capacity = INTERVAL_MINUTES * 60.0 * 0.98
    scale = np.minimum(1.0, capacity / np.maximum(sums.sum(axis=0), 1e-9))
    sums *= scale
    # Late log-in at the start of 6 % of shifts: offline for 2-12 minutes.
    first_of_shift = within == 0
    late_s = np.where(first_of_shift & (rng.random(key.size) < 0.06),
                      rng.uniform(120, 720, key.size), 0.0)  # fmt: skip
    late_s = np.minimum(late_s, capacity - sums.sum(axis=0))
    start = grid.start_us[slot]
    bounds = np.cumsum(
        np.vstack([np.zeros(key.size), late_s, sums[0], sums[1], sums[2]]) * SECOND, axis=0
    ).astype(np.int64)
    end_of_slot = start + INTERVAL_US
    states = ["offline", "busy", "hold", "acw"]
    parts_agent, parts_state, parts_start, parts_end = [], [], [], []
    for k, _name in enumerate(states):
        s = start + bounds[k]
        e = start + bounds[k + 1]
        keep = (e > s) & ~is_lunch
        parts_agent.append(agent[keep])
        parts_state.append(np.full(int(keep.sum()), k))
        parts_start.append(s[keep])
        parts_end.append(e[keep])
    available_start = start + bounds[4]
    keep = (end_of_slot > available_start) & ~is_lunch
    parts_agent.append(agent[keep])
    parts_state.append(np.full(int(keep.sum()), 4))
    parts_start.append(available_start[keep])
    parts_end.append(end_of_slot[keep])
    parts_agent.append(agent[is_lunch])
    parts_state.append(np.full(int(is_lunch.sum()), 5))
    parts_start.append(start[is_lunch])
    parts_end.append(end_of_slot[is_lunch])
    all_agent = np.concatenate(parts_agent)
    all_state = np.concatenate(parts_state)
    all_start = np.concatenate(parts_start)
    all_end = np.concatenate(parts_end)
    order = np.lexsort((all_start, all_agent))
    names = pa.array([*states, "available", "break"])
    return pa.table(
        {
            "agent_id": _ids("A", all_agent[order], 5),
            "state": names.take(pa.array(all_state[order])),
            "started_at": _ts(all_start[order]),
            "ended_at": _ts(all_end[order]),
        }
    )


def _forecast_table(
    queues: tuple[QueueProfile, ...],
    grid: IntervalGrid,
    forecast: FloatArray,
    forecast_aht: FloatArray,
) -> pa.Table:
    nq = len(queues)
    return pa.table(
        {
            "queue": pa.array([p.name for p in queues]).take(
                pa.array(np.repeat(np.arange(nq), grid.size))
            ),
            "interval_start": _ts(np.tile(grid.start_us, nq)),
            "interval_minutes": pa.array(np.full(nq * grid.size, INTERVAL_MINUTES, np.int64)),
            "offered": pa.array(np.round(forecast.reshape(-1), 1)),
            "aht_s": pa.array(np.round(forecast_aht.reshape(-1), 1)),
        }
    )


def _feedback(  # noqa: PLR0917 (private: the contact columns it reads)
    ended_at: Int64Array,
    answered: BoolArray,
    agent_of: Int64Array,
    contact_ids: pa.Array,
    chat: BoolArray,
    share: float,
    month_of: Int64Array,
    faithful: list[float],
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    idx = np.flatnonzero(answered & ~chat & (rng.random(answered.size) < share))
    recorded: list[str] = [""] * idx.size
    transcripts: list[str | None] = [None] * idx.size
    labels: list[str] = [""] * idx.size
    for month, faithful_share in enumerate(faithful):
        where = np.flatnonzero(month_of[idx] == month).tolist()
        texts = feedback_texts(rng, len(where), faithful=faithful_share)
        for position, note, said, label in zip(where, *texts, strict=True):
            recorded[position], transcripts[position], labels[position] = note, said, label
    ids = _ids("F", np.arange(idx.size, dtype=np.int64), 7)
    table = pa.table(
        {
            "feedback_id": ids,
            "contact_id": contact_ids.take(pa.array(idx)),
            "agent_id": _ids("A", agent_of[idx], 5),
            "recorded_at": _ts(
                ended_at[idx] + (rng.uniform(5, 300, idx.size) * SECOND).astype(np.int64)
            ),
            "recorded_text": pa.array(recorded, pa.string()),
            "transcript_text": pa.array(transcripts, pa.string()),
        }
    )
    return table, pa.table({"feedback_id": ids, "label": pa.array(labels, pa.string())})


_INCIDENT_CATEGORIES = (
    "not_covered_by_script",
    "legal_threat",
    "regulator_complaint",
    "reputational",
    "safety",
    "data_protection",
)
# The example annex's notification deadlines (minor: two business days, taken as 48 h).
_SEVERITY_DEADLINE_H = {"critical": 1.0, "major": 4.0, "minor": 48.0}


def _incidents(grid: IntervalGrid, months: int, rng: np.random.Generator) -> pa.Table:
    """Four incidents a month: most reported in time, one late in each month, one never."""
    rows: dict[str, list[object]] = {
        k: []
        for k in ("incident_id", "category", "severity", "occurred_at", "detected_at",
                  "reported_at", "description")
    }  # fmt: skip
    severities = list(_SEVERITY_DEADLINE_H)
    number = 0
    for m in range(months):
        slots = np.flatnonzero(grid.month == m)
        for k in range(4):
            number += 1
            occurred = int(grid.start_us[rng.choice(slots)] + rng.integers(0, INTERVAL_US))
            detected = occurred + int(rng.uniform(0, 20) * MINUTE)
            severity = severities[int(rng.integers(len(severities)))]
            deadline = _SEVERITY_DEADLINE_H[severity]
            if k == 0:  # late
                delay_h = deadline * rng.uniform(1.5, 4.0)
            else:
                delay_h = deadline * rng.uniform(0.1, 0.8)
            reported: int | None = detected + int(delay_h * HOUR)
            if m == months // 2 and k == 1:
                reported = None  # found in an audit, never reported by the vendor
            category = _INCIDENT_CATEGORIES[int(rng.integers(len(_INCIDENT_CATEGORIES)))]
            rows["incident_id"].append(f"INC-{number:04d}")
            rows["category"].append(category)
            rows["severity"].append(severity)
            rows["occurred_at"].append(occurred)
            rows["detected_at"].append(detected)
            rows["reported_at"].append(reported)
            rows["description"].append(f"{category.replace('_', ' ')} on a member call")
    return pa.table(
        {
            "incident_id": pa.array(rows["incident_id"], pa.string()),
            "category": pa.array(rows["category"], pa.string()),
            "severity": pa.array(rows["severity"], pa.string()),
            "occurred_at": pa.array(rows["occurred_at"], pa.int64()).cast(TS),
            "detected_at": pa.array(rows["detected_at"], pa.int64()).cast(TS),
            "reported_at": pa.array(rows["reported_at"], pa.int64()).cast(TS),
            "description": pa.array(rows["description"], pa.string()),
        }
    )


# --------------------------------------------------------------------------- writing


def _local_iso(column: pa.ChunkedArray | pa.Array, time_zone: str) -> pa.Array:
    """Timestamps as ``2027-01-31T23:59:58.000000-06:00`` in the contract's time zone."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    utc = np.asarray(array.cast(pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
    offsets = utc_offsets_us(utc, time_zone) if utc.size else np.zeros(0, np.int64)
    local = pa.array(utc + offsets).cast(pa.timestamp("us"))
    text = pc.strftime(local, format="%Y-%m-%dT%H:%M:%S")
    minutes = offsets // MINUTE
    unique, inverse = np.unique(minutes, return_inverse=True)
    labels = pa.array(
        [f"{'-' if u < 0 else '+'}{abs(u) // 60:02d}:{abs(u) % 60:02d}" for u in unique.tolist()],
        pa.string(),
    )
    suffix = labels.take(pa.array(inverse.reshape(-1).astype(np.int64)))
    joined = pc.binary_join_element_wise(text, suffix, "")
    return joined if valid.all() else _only(joined, valid)


def write_program(
    tables: Mapping[str, pa.Table],
    out_dir: Path,
    *,
    file_format: Literal["csv", "parquet"] = "csv",
    time_zone: str = "America/Chicago",
) -> list[Path]:
    """Write each table as ``<out_dir>/<table>.csv|parquet``; returns the files written.

    CSV timestamps are ISO 8601 with the time zone's offset; Parquet keeps ``timestamp[us,
    tz=UTC]``. Keys starting with ``_`` (generator ground truth) are not written.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, table in tables.items():
        if name.startswith("_"):
            continue
        path = out_dir / f"{name}.{file_format}"
        if file_format == "parquet":
            pq.write_table(table, path)
        else:
            columns = []
            for column_name in table.column_names:
                column = table[column_name]
                if pa.types.is_timestamp(column.type):
                    columns.append(_local_iso(column, time_zone))
                else:
                    columns.append(column)
            pacsv.write_csv(
                pa.table(columns, names=table.column_names),
                path,
                write_options=pacsv.WriteOptions(quoting_style="needed"),
            )
        written.append(path)
    return written
