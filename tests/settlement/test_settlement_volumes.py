"""Measured volumes count the contacts the KPIs count: the handled contacts are exactly the
sample of a transfer-rate KPI over the same scope and month (its answered contacts), the handle
time an AHT KPI's numerator.

Both tests go through the real path: interchange Parquet files validated by ingest into a
temporary workspace (``open_source``), then :func:`measure_volumes` and the KPI engine over it.
The month is March 2027 in America/Chicago: local midnight of 1 March is 06:00Z (UTC−6), of
1 April 05:00Z (UTC−5, after the change of 14 March).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callpact.data.schema import arrow_schema
from callpact.data.sources import open_source
from callpact.data.workspace import DataSource
from callpact.kpi.definitions import KpiDefinition, Program
from callpact.kpi.engine import KpiResult, compute
from callpact.settlement.inputs import measure_volumes

ZONE = "America/Chicago"
MONTH = "2027-03"
MONTH_START = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # 1 March 00:00 local
MONTH_END = datetime(2027, 4, 1, 5, 0, tzinfo=UTC)  # 1 April 00:00 local
US = timedelta(microseconds=1)
#: voice and chat name their queues; email names none: every email queue is in scope
SCOPE: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("voice", ("members", "pharmacy")),
    ("chat", ("members-chat",)),
    ("email", None),
)


def _contact(
    cid: str,
    offered: datetime,
    *,
    channel: str = "voice",
    queue: str = "members",
    talk: float | None = None,
    hold: float = 0.0,
    acw: float = 0.0,
    answered: bool = True,
    direction: str = "inbound",
) -> dict[str, Any]:
    answered_at = offered + timedelta(seconds=7) if answered else None
    return {
        "contact_id": cid,
        "channel": channel,
        "direction": direction,
        "queue": queue,
        "offered_at": offered,
        "answered_at": answered_at,
        "ended_at": (answered_at or offered) + timedelta(seconds=(talk or 0) + hold + 30),
        "talk_s": talk,
        "hold_s": hold,
        "acw_s": acw,
        "agent_id": "A1" if answered else None,
        "customer_id": f"K{cid}",
        "transferred": False,
        "disposition": None,
    }


def _state(agent: str, state: str, started: datetime, ended: datetime) -> dict[str, Any]:
    return {"agent_id": agent, "state": state, "started_at": started, "ended_at": ended}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Any]:
    """Write ``{table: rows}`` as an interchange folder and open it through ingest."""
    opened: list[DataSource] = []

    def make(tables: dict[str, list[dict[str, Any]]]) -> DataSource:
        folder = tmp_path / f"delivery{len(opened)}"
        folder.mkdir()
        for name, rows in tables.items():
            schema = pa.schema([f.with_nullable(True) for f in arrow_schema(name)])
            columns = {f.name: pa.array([r[f.name] for r in rows], f.type) for f in schema}
            pq.write_table(pa.table(columns, schema=schema), folder / f"{name}.parquet")
        source = open_source(folder)
        opened.append(source)
        assert not any(source.rejected.values()), source.rejected  # every row made it in
        return source

    yield make
    for source in opened:
        source.close()


def _kpi(source: DataSource, metric: str) -> KpiResult:
    (result,) = compute(
        Program(ZONE), [KpiDefinition(metric, metric, scope=SCOPE)], source, MONTH
    ).results
    return result


# -- hand-worked ------------------------------------------------------------------------------

HAND_CONTACTS = [
    # in: offered exactly at the month's local start; 240 + 30 + 30 = 300 s
    _contact("h1", MONTH_START, talk=240, hold=30, acw=30),
    # in: 100.5 + 0 + 19.25 = 119.75 s
    _contact("h2", MONTH_START + timedelta(days=9), queue="pharmacy", talk=100.5, acw=19.25),
    # in: an email queue the scope does not list (email lists none: all of them); 60.000001 s
    _contact(
        "h3",
        MONTH_START + timedelta(days=10),
        channel="email",
        queue="billing-mail",
        talk=60,
        acw=0.000001,
    ),
    # in: the month's last microsecond (31 March 23:59:59.999999 local); 1 s
    _contact("h4", MONTH_END - US, talk=1),
    # out: a chat in a queue the scope has for voice only
    _contact("h5", MONTH_START + timedelta(days=2), channel="chat", queue="members", talk=500),
    # out: a voice queue outside the scope
    _contact("h6", MONTH_START + timedelta(days=2), queue="providers", talk=500),
    # out: outbound
    _contact("h7", MONTH_START + timedelta(days=3), talk=500, direction="outbound"),
    # out: never answered
    _contact("h8", MONTH_START + timedelta(days=3), answered=False),
    # out: offered exactly at the month's local end (1 April 00:00, in April)
    _contact("h9", MONTH_END, talk=500),
    # handled but no handle time: answered without a talk_s (AHT leaves it out)
    _contact("h10", MONTH_START + timedelta(days=4), hold=10),
    # out: a channel the scope does not have
    _contact("h11", MONTH_START + timedelta(days=4), channel="sms", queue="texts", talk=500),
]
HAND_STATES = [
    # 28 Feb 23:00 → 1 Mar 01:00 local: the hour after the local midnight counts, 1 h
    _state("A1", "busy", MONTH_START - timedelta(hours=1), MONTH_START + timedelta(hours=1)),
    # a break is not productive time
    _state("A1", "break", MONTH_START + timedelta(hours=1), MONTH_START + timedelta(hours=2)),
    # 14 Mar 01:00 CST → 04:00 CDT local: the clocks skip 02:00-03:00, so 2 h (07:00Z-09:00Z)
    _state(
        "A2",
        "available",
        datetime(2027, 3, 14, 7, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 9, 0, tzinfo=UTC),
    ),
    # 31 Mar 23:30 → 1 Apr 00:30 local: the half hour before the local midnight, 0.5 h
    _state("A2", "acw", MONTH_END - timedelta(minutes=30), MONTH_END + timedelta(minutes=30)),
]


def test_hand_worked_volumes_and_the_kpis_samples(workspace: Any) -> None:
    source = workspace({"contacts": HAND_CONTACTS, "agent_states": HAND_STATES})
    volumes = measure_volumes(source, MONTH, ZONE, scope=SCOPE)
    # handled: h1, h2, h3, h4, h10 = 5; handle time (h10 has none)
    # 300 + 119.75 + 60.000001 + 1 = 480.750001 s
    assert volumes.handled_contacts == 5
    assert _kpi(source, "transfer_rate").sample == 5
    assert volumes.handle_seconds == D("480.750001")
    # productive: 1 h + 2 h + 0.5 h = 3.5 h = 12,600 s
    assert volumes.productive_seconds == D(12600)
    aht = _kpi(source, "aht")
    assert aht.sample == 4
    assert aht.value == pytest.approx(480.750001 / 4, rel=1e-15)
    # occupancy's staffed time is the same 3.5 h (its sample is in whole seconds)
    assert _kpi(source, "occupancy").sample == 12600


# -- generated --------------------------------------------------------------------------------

#: (channel, queue) pairs of the generated contacts: in scope, a chat in a voice queue, a voice
#: queue outside the scope, emails in two queues (email lists none), a channel out of scope
PAIRS = (
    ("voice", "members"),
    ("voice", "pharmacy"),
    ("chat", "members-chat"),
    ("chat", "members"),
    ("voice", "providers"),
    ("email", "members-mail"),
    ("email", "billing-mail"),
    ("sms", "texts"),
)


def _generated(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` random contacts from a week before the month to a week after it, with handle times
    in milliseconds, plus the boundary contacts; every kind the scope must tell apart."""
    rng = random.Random(seed)
    first = MONTH_START - timedelta(days=7)
    span_us = (MONTH_END + timedelta(days=7) - first) // US
    rows = []
    for i in range(n):
        channel, queue = rng.choice(PAIRS)
        answered = rng.random() < 0.7
        rows.append(
            _contact(
                f"g{i}",
                first + rng.randrange(span_us) * US,
                channel=channel,
                queue=queue,
                # one answered contact in twenty comes without its talk time
                talk=round(rng.uniform(20, 900), 3) if answered and rng.random() > 0.05 else None,
                hold=rng.choice([0.0, 0.0, 12.25]) if answered else 0.0,
                acw=round(rng.uniform(0, 60), 3) if answered else 0.0,
                answered=answered,
                direction="inbound" if rng.random() < 0.9 else "outbound",
            )
        )
    rows.append(_contact("start", MONTH_START, talk=123.456))
    rows.append(_contact("end", MONTH_END, talk=654.321))
    rows.append(_contact("last", MONTH_END - US, channel="email", queue="billing-mail", talk=9))
    return rows


def _expected(rows: list[dict[str, Any]]) -> dict[str, int | None]:
    """The handled contacts by hand, each with its handle time in µs (None without talk_s):
    plain Python over the rows, with the local month read by ``astimezone``."""
    out = {}
    for c in rows:
        queues = dict(SCOPE).get(c["channel"], ())
        in_scope = c["channel"] in dict(SCOPE) and (queues is None or c["queue"] in queues)
        local = c["offered_at"].astimezone(ZoneInfo(ZONE))
        if (
            in_scope
            and c["direction"] == "inbound"
            and local.strftime("%Y-%m") == MONTH
            and c["answered_at"] is not None
        ):
            talk = c["talk_s"]
            out[c["contact_id"]] = (
                None if talk is None else round((talk + c["hold_s"] + c["acw_s"]) * 1_000_000)
            )
    return out


def test_handled_contacts_and_handle_time_are_the_kpis_on_generated_data(
    workspace: Any,
) -> None:
    rows = _generated(seed=20270301, n=3000)
    expected = _expected(rows)
    # the data holds every case the scope decides: boundaries, chats in voice queues, …
    assert {"start", "last"} <= set(expected)
    assert "end" not in expected
    kinds = {(c["channel"], c["queue"], c["direction"]) for c in rows}
    assert {("chat", "members", "inbound"), ("voice", "providers", "inbound")} <= kinds
    assert ("voice", "members", "outbound") in kinds
    assert any(c["answered_at"] is None for c in rows)
    assert any(c["queue"] == "billing-mail" and c["contact_id"] in expected for c in rows)
    timed = [us for us in expected.values() if us is not None]
    assert 0 < len(timed) < len(expected)  # some handled contacts come without talk time

    source = workspace({"contacts": rows})
    volumes = measure_volumes(source, MONTH, ZONE, scope=SCOPE)
    assert volumes.handled_contacts == _kpi(source, "transfer_rate").sample == len(expected)
    aht = _kpi(source, "aht")
    assert aht.sample == len(timed)
    # the exact sum of distinct millisecond times: the same contacts, not only as many
    assert volumes.handle_seconds == D(sum(timed)) / D(1_000_000)
    assert aht.value == pytest.approx(float(volumes.handle_seconds) / len(timed), rel=1e-12)
