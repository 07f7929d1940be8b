"""Boundary-rich interchange data for KPI tests, and a tiny data source over Parquet files."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from callpact.contracts import HoursCalendar
from callpact.data.schema import arrow_schema

ZONE = ZoneInfo("America/Chicago")
MEMBER_LINE = HoursCalendar.model_validate(
    {"calendar": ["mon-fri 07:00-19:00", "sat 09:00-13:00"], "holidays": "us-federal"}
)
#: hours for agent-time KPIs over the boundary data: its work blocks run 20:00-04:00 local, and
#: the Sunday windows open inside the hour that 14 March skips and that 7 November repeats
AGENT_HOURS = HoursCalendar.model_validate(
    {
        "calendar": [
            "mon-fri 07:00-19:00",
            "sat 09:00-13:00",
            "daily 21:30-24:00",
            "sun 00:00-01:30",
            "sun 01:45-03:15",
        ],
        "holidays": "us-federal",
    }
)
WAITS_S = (0.0, 1.0, 4.999999, 5.0, 5.000001, 12.5, 29.999999, 30.0, 30.000001, 61.0, 240.0)
CHANNEL_QUEUES = (
    ("voice", "members"),
    ("voice", "pharmacy"),
    ("voice", "providers"),
    ("chat", "members-chat"),
    ("email", "members-mail"),
)


@dataclass
class FolderSource:
    """The read API of callpact.data.workspace.DataSource over ``<dir>/<table>.parquet``."""

    root: Path
    rejected: dict[str, int] = field(default_factory=dict)

    def has_table(self, name: str) -> bool:
        return (self.root / f"{name}.parquet").exists()

    def parquet_files(self, name: str) -> list[str]:
        path = self.root / f"{name}.parquet"
        return [str(path)] if path.exists() else []


def _wall(day: date, clock: time, fold: int = 0) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZONE).replace(fold=fold).astimezone(UTC)


def anchors() -> list[datetime]:
    """Instants where KPIs break if the engine is sloppy: local month edges, DST changes,
    opening and closing times, holidays."""
    out: list[datetime] = []
    for day in (
        date(2027, 3, 1),
        date(2027, 4, 1),
        date(2027, 10, 1),
        date(2027, 11, 1),
        date(2027, 12, 1),
    ):
        midnight = _wall(day, time(0))
        out += [midnight + timedelta(microseconds=d) for d in (-1_000_000, -1, 0, 1, 3_600_000_000)]
    # spring forward 2027-03-14 02:00 → 03:00; fall back 2027-11-07 02:00 → 01:00
    out += [_wall(date(2027, 3, 14), time(1, 59, 59)), _wall(date(2027, 3, 14), time(3, 0))]
    for fold in (0, 1):
        out += [
            _wall(date(2027, 11, 7), time(1, 30), fold),
            _wall(date(2027, 11, 7), time(1, 0), fold),
        ]
    for day in (
        date(2027, 10, 29),
        date(2027, 10, 30),
        date(2027, 11, 11),
        date(2027, 11, 25),
        date(2027, 3, 13),
        date(2027, 3, 15),
    ):
        for clock in (
            time(6, 59, 59, 999999),
            time(7),
            time(9),
            time(12, 59, 59),
            time(13),
            time(18, 59, 59, 999999),
            time(19),
        ):
            out.append(_wall(day, clock))
    return out


def boundary_program(seed: int, n_contacts: int = 900) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    base = anchors()
    start = datetime(2027, 2, 24, tzinfo=UTC)
    span_s = int((datetime(2027, 12, 8, tzinfo=UTC) - start).total_seconds())
    offered: list[datetime] = []
    for i in range(n_contacts):
        if i % 3 == 0:
            offered.append(rng.choice(base))
        elif i % 3 == 1:
            offered.append(start + timedelta(seconds=rng.randrange(span_s)))
        else:  # October / November dense, with the FCR window across the fall-back change
            lo = datetime(2027, 10, 24, tzinfo=UTC)
            offered.append(
                lo
                + timedelta(
                    seconds=rng.randrange(20 * 86400), microseconds=rng.randrange(1_000_000)
                )
            )
    customers = [f"K{i:03d}" for i in range(60)]
    contacts: list[dict[str, Any]] = []
    for i, at in enumerate(offered):
        contacts.append(_contact(rng, i, at, rng.choice(customers) if rng.random() < 0.9 else None))
    # follow-ups at exactly the FCR window edge (local wall clock + 7 days, both folds) and 1 µs on
    for i, first in enumerate(list(contacts[:240])):
        if first["customer_id"] is None:
            continue
        wall = first["offered_at"].astimezone(ZONE).replace(tzinfo=None) + timedelta(days=7)
        follow = wall.replace(tzinfo=ZONE, fold=rng.choice((0, 1))).astimezone(UTC)
        follow += timedelta(microseconds=rng.choice((0, 0, 1, -1, 3_600_000_000)))
        if follow > first["offered_at"]:
            contacts.append(_contact(rng, 10_000 + i, follow, first["customer_id"]))
    # same-instant pairs: a tie is not a repeat
    for i in range(10):
        twin = dict(contacts[i])
        twin["contact_id"] = f"T{i}"
        contacts.append(twin)
    surveys, evaluations = [], []
    for c in contacts:
        if rng.random() < 0.4:
            surveys.append(
                {
                    "contact_id": c["contact_id"],
                    "responded_at": c["ended_at"] + timedelta(hours=1),
                    "csat": rng.choice([None, 1, 2, 3, 4, 5]),
                    "nps": rng.choice([None, 0, 3, 6, 7, 8, 9, 10]),
                    "ces": rng.choice([None, 1, 2, 4, 5, 6, 7]),
                }
            )
        if c["answered_at"] is not None and rng.random() < 0.25:
            evaluations.append(
                {
                    "evaluation_id": f"E{c['contact_id']}",
                    "contact_id": c["contact_id"],
                    "agent_id": c["agent_id"],
                    "evaluated_at": c["ended_at"] + timedelta(days=2),
                    "score": float(rng.randrange(0, 101)),
                    "auto_fail": rng.random() < 0.1,
                }
            )
    agents = [
        {
            "agent_id": f"A{i}",
            "role": "operator",
            "hired_on": date(2027, 1, 1),
            "training_completed_on": date(2027, 10, 20 + i)
            if i < 3
            else (date(2027, 3, 5) if i == 3 else None),
            "admitted_on": None,
        }
        for i in range(6)
    ]
    outages = [
        {
            "outage_id": "O1",
            "starts_at": _wall(date(2027, 10, 29), time(9, 0)),
            "ends_at": _wall(date(2027, 10, 29), time(12, 0)),
            "channels": "voice",
            "queues": None,
            "reason": "carrier",
        },
        {
            "outage_id": "O2",
            "starts_at": _wall(date(2027, 11, 7), time(0, 30)),
            "ends_at": _wall(date(2027, 11, 7), time(1, 30), fold=1),
            "channels": None,
            "queues": "members,members-chat",
            "reason": "platform",
        },
        {
            "outage_id": "O3",
            "starts_at": _wall(date(2027, 3, 14), time(1, 0)),
            "ends_at": _wall(date(2027, 3, 14), time(4, 0)),
            "channels": None,
            "queues": None,
            "reason": "dst",
        },
    ]
    forecast = []
    for day in (
        date(2027, 10, 29),
        date(2027, 10, 30),
        date(2027, 11, 7),
        date(2027, 3, 14),
        date(2027, 11, 1),
    ):
        for hour in range(24):
            for minute in (0, 30):
                at = datetime.combine(day, time(hour, minute), tzinfo=UTC)
                for queue in ("members", "pharmacy", "members-chat"):
                    forecast.append(
                        {
                            "queue": queue,
                            "interval_start": at,
                            "interval_minutes": 30,
                            "offered": float(rng.choice([0, 0.5, 1, 2])),
                            "aht_s": 300.0,
                        }
                    )
        # a second grid: 15-minute intervals starting at 5 past, for one queue
        for hour in range(24):
            for minute in (5, 20, 35, 50):
                forecast.append(
                    {
                        "queue": "providers",
                        "interval_start": datetime.combine(day, time(hour, minute), tzinfo=UTC),
                        "interval_minutes": 15,
                        "offered": float(rng.choice([0, 0.5, 1])),
                        "aht_s": 300.0,
                    }
                )
    # agent states and schedules: back-to-back states from late February to early December,
    # some crossing month edges and DST changes; one 8-hour work block per agent and day
    agent_states, schedules = [], []
    for agent in ("A0", "A1", "A2"):
        at = datetime(2027, 2, 27, 12, 0, tzinfo=UTC) + timedelta(minutes=rng.randrange(60))
        while at < datetime(2027, 12, 3, tzinfo=UTC):
            length = timedelta(minutes=rng.choice((7, 30, 95, 240, 600)), seconds=rng.randrange(60))
            state = rng.choice(("available", "busy", "busy", "hold", "acw", "break", "offline"))
            agent_states.append(
                {"agent_id": agent, "state": state, "started_at": at, "ended_at": at + length}
            )
            at += length
        for day in (
            date(2027, 2, 28),
            date(2027, 3, 14),
            date(2027, 3, 31),
            date(2027, 10, 31),
            date(2027, 11, 6),
            date(2027, 11, 7),
            date(2027, 11, 30),
        ):
            start = _wall(day, time(20, 0))
            schedules.append(
                {
                    "agent_id": agent,
                    "activity": "work",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=8),
                }
            )
            schedules.append(
                {
                    "agent_id": agent,
                    "activity": "lunch",
                    "starts_at": start + timedelta(hours=8),
                    "ends_at": start + timedelta(hours=9),
                }
            )
    judgements = [
        {
            "feedback_id": f"F{i}",
            "agent_id": "A1",
            "contact_id": None,
            "judgement": rng.choice(
                ("faithful", "faithful", "paraphrased", "distorted", "missing")
            ),
            "score": None,
            "reason": None,
            "audited_at": datetime(2027, 12, 5, tzinfo=UTC),
            "period": rng.choice(("2027-03", "2027-10", "2027-11")),
        }
        for i in range(90)
    ]
    return {
        "contacts": contacts,
        "surveys": surveys,
        "qa_evaluations": evaluations,
        "agents": agents,
        "outages": outages,
        "forecast": forecast,
        "agent_states": agent_states,
        "schedules": schedules,
        "verbatim_judgements": judgements,
    }


def _contact(rng: random.Random, i: int, at: datetime, customer: str | None) -> dict[str, Any]:
    channel, queue = rng.choice(CHANNEL_QUEUES)
    wait = timedelta(seconds=rng.choice(WAITS_S))
    answered = rng.random() < 0.7
    agent = f"A{rng.randrange(6)}" if answered else None
    talk = round(rng.uniform(20, 900), 3) if answered else None
    return {
        "contact_id": f"C{i:05d}",
        "channel": channel,
        "direction": "inbound" if rng.random() < 0.95 else "outbound",
        "queue": queue,
        "offered_at": at,
        "answered_at": at + wait if answered else None,
        "ended_at": at + wait + (timedelta(seconds=talk) if talk else timedelta(0)),
        "talk_s": talk,
        "hold_s": rng.choice([0.0, 0.0, 12.25]) if answered else 0.0,
        "acw_s": round(rng.uniform(0, 60), 2) if answered else 0.0,
        "agent_id": agent,
        "customer_id": customer,
        "transferred": answered and rng.random() < 0.15,
        "disposition": None,
    }


def write_tables(tables: dict[str, list[dict[str, Any]]], root: Path) -> FolderSource:
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        schema = arrow_schema(name)
        columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
        table = pa.table(
            {f.name: pa.array(columns[f.name], f.type) for f in schema},
            schema=pa.schema([f.with_nullable(True) for f in schema]),
        )
        pq.write_table(table, root / f"{name}.parquet")
    return FolderSource(root)
