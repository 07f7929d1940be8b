# ruff: noqa: E501  (forecast rows read best on one line)
"""Staffing feasibility against an independent Erlang C (the textbook factorial formula, fine
for the small staffing here): 100 calls in 30 minutes at 180 s AHT are 10 Erlangs; the
published figure for 14 agents is 88.8 % answered within 20 s."""

from __future__ import annotations

import math
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from typing import Any

import pytest

from callpact.contracts import ContractVersion, load_contract_text
from callpact.kpi.definitions import definitions_from_version
from callpact.settlement.feasibility import (
    chance_excluded_share,
    feasibility_warnings,
    pooled_intervals,
    scheduled_agents,
    service_level_kpis,
)


def textbook_service_level(agents: int, load: float, aht_s: float, threshold_s: float) -> float:
    if agents <= load:
        return 0.0
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    bottom = sum(load**k / math.factorial(k) for k in range(agents)) + top
    p_wait = top / bottom
    return 1 - p_wait * math.exp(-(agents - load) * threshold_s / aht_s)


def textbook_agents(load: float, aht_s: float, target: float, threshold_s: float) -> int:
    n = math.floor(load) + 1
    while textbook_service_level(n, load, aht_s, threshold_s) < target:
        n += 1
    return n


ANNEX = """\
contract:
  id: t
  client: Acme
  vendor: Contact Co
  currency: USD
  time_zone: America/Chicago
  term: {start: 2027-01-01, end: 2027-12-31}
  fee: FEE
scope:
  channels:
    - {channel: voice, queues: [q1, q2]}
    - {channel: chat, queues: [chat]}
kpis:
  - id: sl-voice
    metric: service_level
    params: {threshold_s: 20}
    scope: {channels: [voice]}
    target: 0.80
    exclusions: EXCLUSIONS
  - id: aht
    metric: aht
    target: {at_most: 420}
"""


def version(text: str) -> ContractVersion:
    contract, found = load_contract_text(text)
    assert contract is not None, [d.format() for d in found]
    return contract.first


def annex_text(fee: str = "{model: fixed_monthly, amount: 60000}", exclusions: str = "[]") -> str:
    return ANNEX.replace("FEE", fee).replace("EXCLUSIONS", exclusions)


def annex(
    fee: str = "{model: fixed_monthly, amount: 60000}", exclusions: str = "[]"
) -> ContractVersion:
    return version(annex_text(fee, exclusions))


def forecast(start: str = "2027-01-04T09:00:00-06:00", scale: int = 1) -> list[dict[str, Any]]:
    return [
        {"queue": "q1", "interval_start": start, "interval_minutes": 30, "offered": 60 * scale, "aht_s": 180},
        {"queue": "q2", "interval_start": start, "interval_minutes": 30, "offered": 40 * scale, "aht_s": 180},
        {"queue": "chat", "interval_start": start, "interval_minutes": 30, "offered": 1000, "aht_s": 360},
    ]  # fmt: skip


def work(agents: int, starts: str, ends: str) -> list[dict[str, Any]]:
    return [
        {"agent_id": f"a{i}", "activity": "work", "starts_at": starts, "ends_at": ends}
        for i in range(agents)
    ]


def test_the_oracle_matches_the_published_figure() -> None:
    assert textbook_service_level(14, 10.0, 180, 20) == pytest.approx(0.8883500192, abs=1e-9)


def test_kpi_scope_pools_the_voice_queues_only() -> None:
    (kpi,) = service_level_kpis(annex())
    assert (kpi.kpi_id, kpi.target, kpi.threshold_s) == ("sl-voice", 0.80, 20.0)
    assert kpi.queues == frozenset({"q1", "q2"})
    (interval,) = pooled_intervals(forecast(), kpi.queues)
    assert (interval.calls, interval.aht_s, interval.seconds) == (100, 180, 1800)


def test_staffing_covers_the_queues_the_kpi_engine_measures() -> None:
    # One reading of a KPI's queues: by channel only (the contract's voice queues), by a queue
    # list (q2 and chat, across both channels), and unscoped (every queue of the contract; the
    # forecast's "other" queue is outside it, so no KPI is staffed for it).
    more_kpis = (
        "  - {id: sl-queues, metric: service_level, params: {threshold_s: 20},"
        " scope: {queues: [q2, chat]}, target: 0.80}\n"
        "  - {id: sl-all, metric: service_level, params: {threshold_s: 20}, target: 0.80}\n"
    )
    terms = version(annex_text() + more_kpis)
    by_hand = {
        "sl-voice": frozenset({"q1", "q2"}),
        "sl-queues": frozenset({"q2", "chat"}),
        "sl-all": frozenset({"q1", "q2", "chat"}),
    }
    staffed = {kpi.kpi_id: kpi.queues for kpi in service_level_kpis(terms)}
    _, definitions = definitions_from_version(terms)
    measured = {
        d.kpi_id: frozenset(q for _, queues in d.scope for q in queues or ())
        for d in definitions
        if d.metric == "service_level"
    }
    assert staffed == measured == by_hand
    rows = [*forecast(), {**forecast()[0], "queue": "other", "offered": 7}]
    pooled = {k: pooled_intervals(rows, staffed[k])[0].calls for k in by_hand}
    assert pooled == {"sl-voice": 100, "sl-queues": 1040, "sl-all": 1100}


def test_scheduled_agents_average_over_the_interval() -> None:
    # 14 agents for the first 15 minutes, 11 for the last 15: 12.5 on average; a break and
    # work outside the interval do not count
    rows = work(14, "2027-01-04T08:00:00-06:00", "2027-01-04T09:15:00-06:00")
    rows += work(11, "2027-01-04T09:15:00-06:00", "2027-01-04T12:00:00-06:00")
    rows.append({"agent_id": "x", "activity": "break", "starts_at": "2027-01-04T09:00:00-06:00",
                 "ends_at": "2027-01-04T09:30:00-06:00"})  # fmt: skip
    (interval,) = pooled_intervals(forecast(), frozenset({"q1"}))
    assert scheduled_agents(rows, [(interval.start, interval.seconds)]) == {interval.start: 12.5}


def test_enough_staff_no_warning() -> None:
    needed = textbook_agents(10.0, 180, 0.80, 20)
    rows = work(needed, "2027-01-04T08:00:00-06:00", "2027-01-04T10:00:00-06:00")
    assert feasibility_warnings(annex(), forecast(), rows) == []


def test_target_unreachable_with_the_staffing_on_record() -> None:
    needed = textbook_agents(10.0, 180, 0.80, 20)
    have = needed - 2
    rows = work(have, "2027-01-04T08:00:00-06:00", "2027-01-04T10:00:00-06:00")
    (warning,) = feasibility_warnings(
        annex(), forecast(), rows, source="annex.yaml", kpi_lines={"sl-voice": 42}
    )
    assert (warning.code, warning.source, warning.line, warning.field) == (
        "FEA001",
        "annex.yaml",
        42,
        "kpis[sl-voice]",
    )
    expected = textbook_service_level(have, 10.0, 180, 20)
    assert f"about {expected:.1%}" in warning.message
    assert "2027-01" in warning.message
    assert f"{needed} needed, {have:.1f} scheduled" in warning.message


def test_a_short_interval_in_a_month_that_holds() -> None:
    # 09:00 well staffed (20 agents for 10 Erlangs); 09:30 has 1 call-Erlang (10 calls) and a
    # single agent: nobody answered in time there, but 100 of 110 calls are → the month holds
    rows = work(20, "2027-01-04T09:00:00-06:00", "2027-01-04T09:30:00-06:00")
    rows += work(1, "2027-01-04T09:30:00-06:00", "2027-01-04T10:00:00-06:00")
    second = [r for r in forecast("2027-01-04T09:30:00-06:00") if r["queue"] == "q1"]
    second[0]["offered"] = 10
    (warning,) = feasibility_warnings(annex(), forecast() + second, rows)
    assert warning.code == "FEA002"
    ninety = 100 * textbook_service_level(20, 10.0, 180, 20) / 110
    assert f"about {ninety:.1%}" in warning.message
    assert "1 of 2 intervals short" in warning.message


@pytest.mark.parametrize(
    ("fee", "cost", "warns"),
    [
        # needed: the voice agents for half an hour, plus the chat queue's handling time,
        # 1,000 × 360 s = 100 h; a fixed 60,000 at 30 an hour buys 2,000 h
        ("{model: fixed_monthly, amount: 60000}", "30", False),
        ("{model: fixed_monthly, amount: 3000}", "30", True),  # 100 h < 100 h + voice
        # per contact: 1,100 forecast contacts × 5 = 5,500 → 183 h ≥ 107 h
        ("{model: per_contact, amount: 5}", "30", False),
        # per minute: (100 × 180 + 1,000 × 360) / 60 = 6,300 min × 0.40 = 2,520 → 84 h
        ("{model: per_minute, amount: 0.40}", "30", True),
        # paid by the productive hour: never too low by this test
        ("{model: per_productive_hour, amount: 1}", "30", False),
    ],
)
def test_price_against_the_productive_hours_needed(fee: str, cost: str, warns: bool) -> None:
    # a queue the client keeps in house is in its forecast but no part of the vendor's price
    kept = {"queue": "in-house", "interval_start": "2027-01-04T09:00:00-06:00",
            "interval_minutes": 30, "offered": 50_000, "aht_s": 600}  # fmt: skip
    rows = [*forecast(), kept]
    found = feasibility_warnings(annex(fee), rows, [], cost_per_productive_hour=D(cost))
    assert [w.code for w in found] == (["FEA003"] if warns else [])
    if warns:
        needed_hours = textbook_agents(10.0, 180, 0.80, 20) * 0.5 + 100
        assert f"about {needed_hours:,.0f} to meet" in found[0].message


def poisson_tail_mass(mean: float, above: float) -> float:
    """E[N · 1{N > above}] for a Poisson N, summed term by term (independent of scipy)."""
    total, term, n = 0.0, math.exp(-mean), 0  # term = P(N = n)
    while n < mean + 60 * math.sqrt(mean) + 60:
        if n > above:
            total += n * term
        n += 1
        term *= mean / n
    return total


@pytest.mark.parametrize(
    ("means", "tolerance"), [([10.0], 0.15), ([3.0, 40.0, 250.0], 0.15), ([8.0], 0.5)]
)
def test_chance_exclusion_matches_a_term_by_term_sum(means: list[float], tolerance: float) -> None:
    expected = sum(poisson_tail_mass(m, m * (1 + tolerance)) for m in means) / sum(means)
    assert chance_excluded_share(means, tolerance) == pytest.approx(expected, rel=1e-9)


def test_small_queue_intervals_make_the_volume_clause_a_lottery() -> None:
    terms = annex(exclusions="[{volume_above_forecast: 0.15}]")
    # Ten contacts per queue and interval: chance alone takes about a third above +15 %.
    rows = [
        {"queue": q, "interval_start": f"2027-01-04T{h:02d}:00:00-06:00", "interval_minutes": 30,
         "offered": 10, "aht_s": 180}
        for q in ("q1", "q2", "chat") for h in range(8, 18)
    ]  # fmt: skip
    [found] = [w for w in feasibility_warnings(terms, rows, []) if w.code == "FEA005"]
    assert found.field == "kpis[sl-voice]"
    share = chance_excluded_share([10.0] * 20, 0.15)  # the voice queues only
    assert f"{share:.0%}" in found.message
    assert share > 0.25
    # Two thousand per interval: the tolerance is about seven standard deviations away.
    for row in rows:
        row["offered"] = 2000
    assert not [w for w in feasibility_warnings(terms, rows, []) if w.code == "FEA005"]
