"""Amazon Connect agent event stream records → agent_states intervals.

An agent event (``EventType`` STATE_CHANGE, HEART_BEAT, LOGIN, LOGOUT; Kinesis delivers each at
least once) carries ``CurrentAgentSnapshot``: the agent's status in the CCP and the contacts on
their desk. The agent's interchange state at an event is read from that snapshot:

* a contact ``CONNECTED`` → ``busy``, else one ``CONNECTED_ONHOLD`` → ``hold``, else one
  ``ENDED`` (the contact stays on the desk while the agent does after-contact work) → ``acw``;
  the state starts at that contact's ``StateStartTimestamp``;
* otherwise the status ``AgentStatus.Name`` (see :data:`STATUS_STATES`), from its
  ``StartTimestamp``.

Consecutive events in the same state are one interval; an interval ends where the next state
starts, the agent's last one at the agent's last event (a heartbeat comes every 120 s, so the
stream bounds it). An event without an agent, a snapshot or a status, or with a custom status
that names no interchange state, is rejected (R401) with its file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callpact.data.adapters._common import iso, parse_iso

#: CCP status names (lower-cased) → interchange states; custom statuses that contain one of
#: the words in :data:`STATUS_WORDS` map by that word
STATUS_STATES = {"available": "available", "offline": "offline"}
STATUS_WORDS = (
    ("lunch", "break"),
    ("break", "break"),
    ("training", "training"),
    ("coaching", "training"),
    ("meeting", "meeting"),
)
#: contact states on the agent's desk, strongest first
CONTACT_STATES = (("CONNECTED", "busy"), ("CONNECTED_ONHOLD", "hold"), ("ENDED", "acw"))


def is_agent_event(record: Any) -> bool:
    return isinstance(record, dict) and "EventType" in record and "AgentARN" in record


def status_state(name: str) -> str:
    """The interchange state of a CCP agent status; raises ValueError for an unknown one."""
    lowered = name.strip().lower()
    if lowered in STATUS_STATES:
        return STATUS_STATES[lowered]
    for word, state in STATUS_WORDS:
        if word in lowered:
            return state
    raise ValueError(
        f"agent status {name!r} names no interchange state (available, break, training,"
        " meeting, offline)"
    )


@dataclass(frozen=True)
class AgentEvent:
    """One agent event read: who, when it was published, and the state it shows since when."""

    event_id: str
    agent_id: str
    at: datetime
    state: str
    since: datetime
    line: int
    source: str
    text: str


def _desk_state(contacts: list[Any], at: datetime) -> tuple[str, datetime] | None:
    """The state the contacts on the agent's desk put them in, and since when; None if none."""
    for contact_state, state in CONTACT_STATES:
        starts = [
            parse_iso(c.get("StateStartTimestamp"))
            for c in contacts
            if isinstance(c, dict) and c.get("State") == contact_state
        ]
        if starts:
            return state, min((s for s in starts if s is not None), default=at)
    return None


def read_event(record: dict[str, Any], source: str, line: int, text: str) -> AgentEvent:
    """The state an agent event shows; raises ValueError when the event cannot be read."""
    at = parse_iso(record.get("EventTimestamp"))
    if at is None:
        raise ValueError("agent event without EventTimestamp")
    snapshot = record.get("CurrentAgentSnapshot")
    if not isinstance(snapshot, dict):
        raise ValueError("agent event without CurrentAgentSnapshot")
    config = snapshot.get("Configuration") or {}
    # the username, as contact records name the agent (Agent.Username)
    agent_id = config.get("Username") or str(record.get("AgentARN") or "").rsplit("/", 1)[-1]
    if not agent_id:
        raise ValueError("agent event without Configuration.Username or AgentARN")
    on_desk = _desk_state(snapshot.get("Contacts") or [], at)
    if on_desk is not None:
        state, since = on_desk
    else:
        status = snapshot.get("AgentStatus") or {}
        if not status.get("Name"):
            raise ValueError("agent snapshot without AgentStatus.Name")
        state = status_state(str(status["Name"]))
        since = parse_iso(status.get("StartTimestamp")) or at
    event_id = str(record.get("EventId") or f"{source}:{line}")
    return AgentEvent(event_id, str(agent_id), at, state, min(since, at), line, source, text)


def state_intervals(events: Iterable[AgentEvent]) -> list[dict[str, Any]]:
    """agent_states rows (text values and provenance) from one agent's or many agents' events.

    Events are taken in time order per agent; a run of events in the same state is one
    interval, provenance from the event that started it.
    """
    by_agent: dict[str, list[AgentEvent]] = {}
    for event in events:
        by_agent.setdefault(event.agent_id, []).append(event)
    rows: list[dict[str, Any]] = []
    for agent_id in sorted(by_agent):
        timeline = sorted(by_agent[agent_id], key=lambda e: (e.at, e.line))
        last_seen = timeline[-1].at
        runs: list[AgentEvent] = []
        for event in timeline:
            if runs and runs[-1].state == event.state:
                continue
            runs.append(event)
        # a status's StartTimestamp can predate the contact just ended (the agent stayed
        # Available through it): then the status resumes when the event says so
        starts: list[datetime] = []
        for run in runs:
            begins = run.since if not starts or run.since > starts[-1] else run.at
            starts.append(max(begins, starts[-1]) if starts else begins)
        for index, start in enumerate(runs):
            begins = starts[index]
            ends = starts[index + 1] if index + 1 < len(runs) else max(last_seen, begins)
            if ends == begins:
                continue  # a state seen at one instant only holds no agent time
            rows.append(
                {
                    "agent_id": agent_id,
                    "state": start.state,
                    "started_at": iso(begins),
                    "ended_at": iso(ends),
                    "__source": start.source,
                    "__line": start.line,
                    "__text": start.text,
                }
            )
    return rows
