"""Amazon Connect exports → contacts, surveys, agent_states, qa_evaluations.

A delivery may mix contact records (CTR), agent event stream records (see
:mod:`connect_agent_events`) and contact evaluation files (see :mod:`connect_evaluations`);
each record is recognised by its shape. A CTR whose ``Attributes`` carry ``csat``, ``nps`` or
``ces`` (set by a post-contact survey flow) also gives a surveys row, answered at
``DisconnectTimestamp``.

Accepts one record, a JSON array, JSON lines, or records concatenated back to back (as Kinesis
Data Firehose writes them to S3), in one file or a folder of files (``.json``, ``.jsonl``, no
extension; ``.gz`` too). Amazon Connect delivers a record at least once and again when it
changes: for each ``ContactId`` the record with the latest ``LastUpdateTimestamp`` wins (that
is not a conflict). Field by field (Amazon Connect contact record data model):

* ``contact_id`` ← ``ContactId``; ``channel`` ← ``Channel`` lower-cased (VOICE, CHAT, EMAIL;
  TASK is not a customer contact channel and is rejected by the interchange rules);
* ``direction`` ← ``InitiationMethod``: OUTBOUND → outbound, anything else → inbound;
* ``queue`` ← ``Queue.Name``; ``offered_at`` ← ``Queue.EnqueueTimestamp``; a record without a
  queue (IVR only, never queued) is not a contact for the SLA and is rejected (R401);
* ``answered_at`` ← ``Agent.ConnectedToAgentTimestamp``; ``agent_id`` ← ``Agent.Username``
  (else the id at the end of ``Agent.ARN``);
* ``ended_at`` ← ``DisconnectTimestamp`` (for an abandoned contact ``Queue.DequeueTimestamp``
  when there is no disconnect time);
* ``talk_s`` ← ``Agent.AgentInteractionDuration``; ``hold_s`` ← ``Agent.CustomerHoldDuration``
  (so handle time = talk + hold + ACW includes customer hold, as in Connect's own metric);
  ``acw_s`` ← ``Agent.AfterContactWorkDuration``;
* ``customer_id`` ← ``CustomerEndpoint.Address``; ``transferred`` ← a
  ``TransferCompletedTimestamp`` is present; ``disposition`` ← ``DisconnectReason``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.adapters._common import (
    PROVENANCE,
    iso,
    json_documents,
    parse_iso,
    reject,
    seconds,
    write_rows,
)
from callpact.data.adapters.connect_agent_events import (
    AgentEvent,
    is_agent_event,
    read_event,
    state_intervals,
)
from callpact.data.adapters.connect_evaluations import is_evaluation, to_evaluation
from callpact.diagnostics import Diagnostic


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def _text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def _get(record: dict[str, Any], *keys: str) -> Any:
    value: Any = record
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def to_contact(record: dict[str, Any]) -> dict[str, Any]:
    """One CTR as an interchange contacts row (text values); raises ValueError if unusable."""
    if not isinstance(record, dict) or not record.get("ContactId"):
        raise ValueError("not a contact record (no ContactId)")
    queue = record.get("Queue") or {}
    if not queue.get("EnqueueTimestamp"):
        raise ValueError("never queued (no Queue.EnqueueTimestamp): not a contact for the SLA")
    agent = record.get("Agent") or {}
    connected = parse_iso(agent.get("ConnectedToAgentTimestamp"))
    ended = parse_iso(record.get("DisconnectTimestamp"))
    if ended is None and connected is None:
        ended = parse_iso(queue.get("DequeueTimestamp"))
    agent_id = agent.get("Username")
    if not agent_id and agent.get("ARN"):
        agent_id = str(agent["ARN"]).rsplit("/", 1)[-1]
    method = str(record.get("InitiationMethod") or "").upper()
    return {
        "contact_id": record["ContactId"],
        "channel": str(record.get("Channel") or "").lower() or None,
        "direction": "outbound" if method == "OUTBOUND" else "inbound",
        "queue": queue.get("Name"),
        "offered_at": iso(parse_iso(queue.get("EnqueueTimestamp"))),
        "answered_at": iso(connected),
        "ended_at": iso(ended),
        "talk_s": seconds(agent.get("AgentInteractionDuration")) if connected else None,
        "hold_s": seconds(agent.get("CustomerHoldDuration")) if connected else None,
        "acw_s": seconds(agent.get("AfterContactWorkDuration")) if connected else None,
        "agent_id": agent_id if connected else None,
        "customer_id": _get(record, "CustomerEndpoint", "Address"),
        "transferred": "true" if record.get("TransferCompletedTimestamp") else "false",
        "disposition": record.get("DisconnectReason"),
    }


#: contact attributes a post-contact survey flow sets (names compared case-insensitively)
SURVEY_ATTRIBUTES = ("csat", "nps", "ces")


def to_survey(record: dict[str, Any]) -> dict[str, Any] | None:
    """The post-contact survey a CTR carries in its ``Attributes``, or None when it has none."""
    attributes = record.get("Attributes")
    if not isinstance(attributes, dict):
        return None
    by_name = {str(k).lower(): v for k, v in attributes.items()}
    answers = {name: by_name.get(name) for name in SURVEY_ATTRIBUTES}
    if all(v is None or v == "" for v in answers.values()):
        return None
    responded = record.get("DisconnectTimestamp") or record.get("LastUpdateTimestamp")
    return {
        "contact_id": record.get("ContactId"),
        "responded_at": iso(parse_iso(responded)),
        **{k: None if v is None or v == "" else str(v) for k, v in answers.items()},
    }


@dataclass
class _Delivery:
    """What a delivery's files hold, by kind of record, before the latest versions are kept."""

    rejects: dict[str, list[Diagnostic]] = field(
        default_factory=lambda: {"contacts": [], "agent_states": [], "qa_evaluations": []}
    )
    contacts: dict[str, tuple[datetime | None, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )
    events: dict[str, AgentEvent] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    evaluations: list[tuple[str, int, str, dict[str, Any]]] = field(default_factory=list)
    superseded: dict[str, int] = field(default_factory=dict)

    def supersede(self, table: str) -> None:
        self.superseded[table] = self.superseded.get(table, 0) + 1

    def add_contact(self, source: str, line: int, record: dict[str, Any], raw: str) -> None:
        try:
            row = to_contact(record)
            updated = parse_iso(record.get("LastUpdateTimestamp"))
        except (ValueError, TypeError, AttributeError) as exc:
            self.rejects["contacts"].append(reject(source, line, str(exc), raw))
            return
        row.update({"__source": source, "__line": line, "__text": raw})
        contact_id = str(row["contact_id"])
        known = self.contacts.get(contact_id)
        if known is not None:
            self.supersede("contacts")
        # at-least-once delivery: the latest LastUpdateTimestamp wins (a tie: the later one)
        if known is None or known[0] is None or (updated is not None and updated >= known[0]):
            self.contacts[contact_id] = (updated, row, record)

    def add_event(self, source: str, line: int, record: dict[str, Any], raw: str) -> None:
        try:
            event = read_event(record, source, line, raw)
        except (ValueError, TypeError, AttributeError) as exc:
            self.rejects["agent_states"].append(reject(source, line, str(exc), raw))
            return
        user_id = str(record.get("AgentARN") or "").rsplit("/", 1)[-1]
        if user_id:
            self.usernames[user_id] = event.agent_id
        if event.event_id in self.events:
            self.supersede("agent_states")  # Kinesis redelivered the same event
        self.events[event.event_id] = event

    def surveys(self) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
        rows: list[dict[str, Any]] = []
        rejects: list[Diagnostic] = []
        for _, contact, record in self.contacts.values():
            provenance = {k: contact[k] for k in PROVENANCE}
            try:
                survey = to_survey(record)
            except (ValueError, TypeError) as exc:
                rejects.append(reject(str(contact["__source"]), int(contact["__line"]), str(exc)))
                continue
            if survey is not None:
                rows.append({**survey, **provenance})
        return rows, rejects

    def qa_rows(self) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for source, line, raw, record in self.evaluations:
            try:
                row = to_evaluation(record, self.usernames)
            except (ValueError, TypeError, AttributeError) as exc:
                self.rejects["qa_evaluations"].append(reject(source, line, str(exc), raw))
                continue
            row.update({"__source": source, "__line": line, "__text": raw})
            key = str(row["evaluation_id"])
            known = latest.get(key)
            if known is not None:
                self.supersede("qa_evaluations")  # the copy under the deprecated path
            if known is None or str(row["evaluated_at"] or "") >= str(known["evaluated_at"] or ""):
                latest[key] = row
        return list(latest.values())


def convert(path: Path, out: Path) -> Converted:
    """Contact records, agent events and contact evaluations found under ``path``, each
    recognised by its shape, to contacts, surveys, agent_states and qa_evaluations."""
    result = Converted()
    delivery = _Delivery()
    for file in _files(path):
        result.inputs.append(file)
        source = str(file)
        try:
            documents = list(json_documents(_text(file)))
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            delivery.rejects["contacts"].append(
                reject(source, 1, f"not readable as Amazon Connect records: {exc}")
            )
            continue
        for line, record, raw in documents:
            if is_agent_event(record):
                delivery.add_event(source, line, record, raw)
            elif is_evaluation(record):
                delivery.evaluations.append((source, line, raw, record))
            else:
                delivery.add_contact(source, line, record, raw)
    surveys, survey_rejects = delivery.surveys()
    tables = {
        "contacts": [row for _, row, _ in delivery.contacts.values()],
        "surveys": surveys,
        "agent_states": state_intervals(delivery.events.values()),
        "qa_evaluations": delivery.qa_rows(),
    }
    delivery.rejects["surveys"] = survey_rejects
    for table, rows in tables.items():
        # a delivery of agent events only fills no contacts table, and so on
        if rows or delivery.rejects[table] or table == "contacts":
            result.tables[table] = write_rows(table, rows, out)
            result.display[table] = str(path)
    result.rejects = delivery.rejects
    result.superseded = delivery.superseded
    return result
