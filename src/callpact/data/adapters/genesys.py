"""Genesys Cloud analytics conversation detail JSON → contacts.

Input: responses of ``POST /api/v2/analytics/conversations/details/query`` (an object with a
``conversations`` array), a bare array of conversations, or JSON lines of conversations (one
file or a folder). Field by field (``AnalyticsConversation`` → ``participants`` →
``sessions`` → ``segments``, times ISO 8601 UTC):

* one contact per conversation that reached a queue: the first ``acd`` participant's segment of
  type ``interact`` with a ``queueId``; ``contact_id`` ← ``conversationId``;
  ``queue`` ← that ``queueId`` (Genesys names queues by id in this data);
  ``offered_at`` ← its ``segmentStart``;
* ``channel`` ← the session's ``mediaType`` (voice, chat, email; callback → voice; message →
  chat); ``direction`` ← ``originatingDirection``;
* answered when an ``agent`` participant has an ``interact`` segment: ``answered_at`` ← the first
  one's ``segmentStart``, ``agent_id`` ← the participant's ``userId``; ``talk_s`` / ``hold_s`` /
  ``acw_s`` ← the summed lengths of that agent's ``interact`` / ``hold`` / ``wrapup`` segments;
  ``ended_at`` ← the end of the agent's last ``interact`` or ``hold`` segment;
* unanswered: ``ended_at`` ← the end of the acd segment (the customer left the queue);
* ``customer_id`` ← the ``customer`` participant's session ``ani``; ``transferred`` ← an agent
  segment ended with ``disconnectType`` ``transfer``; ``disposition`` ← the ``wrapUpCode``.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.adapters._common import iso, json_documents, parse_iso, reject, write_rows
from callpact.data.adapters.genesys_records import (
    kind_of,
    to_evaluation,
    to_survey,
    user_states,
)
from callpact.data.adapters.genesys_wfm import (
    forecast_rows,
    is_activity_code,
    is_planning_group,
    planning_group_queue,
    schedule_rows,
)
from callpact.diagnostics import Diagnostic, Severity

MEDIA = {"voice": "voice", "callback": "voice", "chat": "chat", "message": "chat", "email": "email"}


def _seconds(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return (end - start).total_seconds()


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(round(value, 6))


def _segments(participant: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (session, segment)
        for session in participant.get("sessions") or []
        for segment in session.get("segments") or []
    ]


def to_contact(conv: dict[str, Any]) -> dict[str, Any]:
    """One conversation as an interchange contacts row; raises ValueError if unusable."""
    if not isinstance(conv, dict) or not conv.get("conversationId"):
        raise ValueError("not a conversation (no conversationId)")
    participants = conv.get("participants") or []
    acd = None
    for p in participants:
        if p.get("purpose") != "acd":
            continue
        for session, seg in _segments(p):
            if seg.get("segmentType") == "interact" and seg.get("queueId"):
                acd = (session, seg)
                break
        if acd:
            break
    if acd is None:
        raise ValueError("never reached a queue (no acd interact segment): not a contact")
    acd_session, acd_seg = acd
    offered = parse_iso(acd_seg.get("segmentStart"))
    answered = agent_id = None
    talk = hold = acw = 0.0
    last_end: datetime | None = None
    transferred = False
    disposition = None
    for p in participants:
        if p.get("purpose") != "agent":
            continue
        segs = _segments(p)
        interacts = [s for _, s in segs if s.get("segmentType") == "interact"]
        if not interacts:
            continue
        if answered is None:
            answered = min(parse_iso(s.get("segmentStart")) for s in interacts)  # type: ignore[type-var]
            agent_id = p.get("userId")
        for _, s in segs:
            start, end = parse_iso(s.get("segmentStart")), parse_iso(s.get("segmentEnd"))
            kind = s.get("segmentType")
            if kind == "interact":
                talk += _seconds(start, end)
            elif kind == "hold":
                hold += _seconds(start, end)
            elif kind == "wrapup":
                acw += _seconds(start, end)
                disposition = s.get("wrapUpCode") or disposition
            if kind in ("interact", "hold") and end is not None:
                last_end = end if last_end is None else max(last_end, end)
            if s.get("disconnectType") == "transfer":
                transferred = True
    customer = None
    for p in participants:
        if p.get("purpose") in ("customer", "external"):
            for session in p.get("sessions") or []:
                customer = customer or session.get("ani")
    ended = last_end if answered else parse_iso(acd_seg.get("segmentEnd"))
    media = str(acd_session.get("mediaType") or "")
    return {
        "contact_id": conv["conversationId"],
        "channel": MEDIA.get(media, media or None),
        "direction": conv.get("originatingDirection") or "inbound",
        "queue": acd_seg.get("queueId"),
        "offered_at": iso(offered),
        "answered_at": iso(answered),
        "ended_at": iso(ended),
        "talk_s": _fmt(talk) if answered else None,
        "hold_s": _fmt(hold) if answered else None,
        "acw_s": _fmt(acw) if answered else None,
        "agent_id": agent_id if answered else None,
        "customer_id": customer,
        "transferred": "true" if transferred else "false",
        "disposition": disposition,
    }


TABLES = ("contacts", "agent_states", "qa_evaluations", "surveys", "schedules", "forecast")


def read_queue_names(file: Path) -> dict[str, str]:
    """The id → name table a user supplies once (CSV with columns ``id`` and ``name``)."""
    from callpact.data.adapters.mapped import MappingError

    def error(line: int, message: str) -> MappingError:
        return MappingError(
            [Diagnostic(str(file), line, 0, Severity.ERROR, "D006", message, "columns: id,name")]
        )

    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or {"id", "name"} - set(reader.fieldnames):
            raise error(1, "the queue table needs the columns id and name")
        names: dict[str, str] = {}
        for row in reader:
            queue_id, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
            if not queue_id or not name:
                raise error(reader.line_num, "a queue row needs both an id and a name")
            names[queue_id] = name
    return names


@dataclass
class _Delivery:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    rejects: dict[str, list[Diagnostic]] = field(default_factory=lambda: {t: [] for t in TABLES})
    queue_names: dict[str, str] = field(default_factory=dict)
    activity_categories: dict[str, str] = field(default_factory=dict)
    group_queues: dict[str, str] = field(default_factory=dict)
    group_names: dict[str, str] = field(default_factory=dict)
    #: schedules and forecasts wait until every activity code and planning group is read
    planned: list[tuple[str, str, int, dict[str, Any], str]] = field(default_factory=list)

    def add(self, source: str, line: int, record: Any, raw: str) -> None:
        if is_activity_code(record):
            self.activity_categories[str(record["id"])] = str(record["category"])
            return
        if is_planning_group(record):
            queue = planning_group_queue(record)
            if queue is not None:
                self.group_queues[str(record["id"])] = queue
            if record.get("name"):
                self.group_names[str(record["id"])] = str(record["name"])
            return
        if isinstance(record, dict) and "shifts" in record and "user" in record:
            self.planned.append(("schedules", source, line, record, raw))
            return
        if isinstance(record, dict) and "planningGroups" in record:
            self.planned.append(("forecast", source, line, record, raw))
            return
        kind = kind_of(record)
        try:
            if kind == "queue":
                self.queue_names[str(record["id"])] = str(record["name"])
            elif kind == "user":
                states, problems = user_states(record)
                for problem in problems:
                    self.rejects["agent_states"].append(reject(source, line, problem, raw))
                self.rows["agent_states"].extend(
                    {**r, "__source": source, "__line": line, "__text": raw} for r in states
                )
            elif kind in ("evaluation", "survey"):
                table = "qa_evaluations" if kind == "evaluation" else "surveys"
                try:
                    row = to_evaluation(record) if kind == "evaluation" else to_survey(record)
                except (ValueError, TypeError, AttributeError) as exc:
                    self.rejects[table].append(reject(source, line, str(exc), raw))
                    return
                self.rows[table].append({**row, "__source": source, "__line": line, "__text": raw})
            else:
                row = to_contact(record)
                self.rows["contacts"].append(
                    {**row, "__source": source, "__line": line, "__text": raw}
                )
        except (ValueError, TypeError, AttributeError) as exc:
            self.rejects["contacts"].append(reject(source, line, str(exc), raw))

    def add_planned(self) -> None:
        """Schedules and forecasts, now that activity codes and planning groups are known."""
        queue_of_group = {
            group: self.queue_names.get(queue, queue) for group, queue in self.group_queues.items()
        }
        for group, name in self.group_names.items():
            queue_of_group.setdefault(group, self.queue_names.get(group, name))
        for group, name in self.queue_names.items():
            queue_of_group.setdefault(group, name)
        for table, source, line, record, raw in self.planned:
            if table == "schedules":
                rows, problems = schedule_rows(record, self.activity_categories)
            else:
                rows, problems = forecast_rows(record, queue_of_group)
            self.rejects[table].extend(reject(source, line, p, raw) for p in problems)
            self.rows[table].extend(
                {**r, "__source": source, "__line": line, "__text": raw} for r in rows
            )

    def name_queues(self) -> None:
        """Contacts name their queue by the name the export's queue objects or the user's
        table give; an id neither names is rejected rather than kept as an id."""
        if not self.queue_names:
            return
        named: list[dict[str, Any]] = []
        for row in self.rows["contacts"]:
            name = self.queue_names.get(str(row["queue"]))
            if name is None:
                self.rejects["contacts"].append(
                    reject(
                        str(row["__source"]),
                        int(row["__line"]),
                        f"queue id {row['queue']!r} is in neither the queue objects nor the"
                        " queue table of the delivery",
                        str(row["__text"]),
                    )
                )
                continue
            named.append({**row, "queue": name})
        self.rows["contacts"] = named


def _records(doc: Any) -> list[Any]:
    """The objects of one JSON document: a query response's list, or the document itself."""
    if isinstance(doc, dict):
        for key in ("conversations", "userDetails", "entities", "agentSchedules"):
            if key in doc:
                return list(doc.get(key) or [])
    return [doc]


def convert(path: Path, out: Path) -> Converted:
    """Conversation details, user status details, evaluations, surveys and queue objects
    found under ``path`` (each recognised by its shape); ``*.csv`` files are queue tables."""
    result = Converted()
    delivery = _Delivery()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        result.inputs.append(file)
        if file.suffix.lower() == ".csv":
            delivery.queue_names.update(read_queue_names(file))
            continue
        source = str(file)
        data = file.read_bytes()
        try:
            text = (gzip.decompress(data) if file.suffix == ".gz" else data).decode("utf-8")
            documents = list(json_documents(text))
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            delivery.rejects["contacts"].append(
                reject(source, 1, f"not readable as Genesys Cloud JSON: {exc}")
            )
            continue
        for line, doc, raw in documents:
            records = _records(doc)
            for record in records:
                record_raw = raw if len(records) == 1 else json.dumps(record, sort_keys=True)
                record_line = line
                key = (
                    record.get("conversationId")
                    or record.get("userId")
                    or record.get("id")
                    or (record.get("user") or {}).get("id")
                    if isinstance(record, dict)
                    else None
                )
                if key and len(records) > 1:
                    at = text.find(f'"{key}"')
                    record_line = text.count("\n", 0, at) + 1 if at >= 0 else line
                delivery.add(source, record_line, record, record_raw)
    delivery.name_queues()
    delivery.add_planned()
    for table in TABLES:
        # a delivery of evaluations only fills no contacts table, and so on
        if delivery.rows[table] or delivery.rejects[table] or table == "contacts":
            result.tables[table] = write_rows(table, delivery.rows[table], out)
            result.display[table] = str(path)
    result.rejects = delivery.rejects
    return result
