"""Amazon Connect contact records (CTR) → contacts.

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
from datetime import datetime
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.adapters._common import (
    iso,
    json_documents,
    parse_iso,
    reject,
    seconds,
    write_rows,
)
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


def convert(path: Path, out: Path) -> Converted:
    result = Converted()
    rejects: list[Diagnostic] = []
    latest: dict[str, tuple[datetime | None, dict[str, Any]]] = {}
    for file in _files(path):
        result.inputs.append(file)
        source = str(file)
        try:
            documents = list(json_documents(_text(file)))
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            rejects.append(reject(source, 1, f"not readable as contact records: {exc}"))
            continue
        for line, record, raw in documents:
            try:
                row = to_contact(record)
                updated = parse_iso(record.get("LastUpdateTimestamp"))
            except (ValueError, TypeError, AttributeError) as exc:
                rejects.append(reject(source, line, str(exc), raw))
                continue
            row.update({"__source": source, "__line": line, "__text": raw})
            contact_id = str(row["contact_id"])
            known = latest.get(contact_id)
            if known is not None:
                result.superseded["contacts"] = result.superseded.get("contacts", 0) + 1
            # at-least-once delivery: the latest LastUpdateTimestamp wins (a tie: the later one)
            if known is None or known[0] is None or (updated is not None and updated >= known[0]):
                latest[contact_id] = (updated, row)
    result.tables["contacts"] = write_rows("contacts", [r for _, r in latest.values()], out)
    result.display["contacts"] = str(path)
    result.rejects["contacts"] = rejects
    return result
