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

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from callpact.data.adapters import Converted
from callpact.data.adapters._common import iso, json_documents, parse_iso, reject, write_rows
from callpact.diagnostics import Diagnostic

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


def convert(path: Path, out: Path) -> Converted:
    result = Converted()
    rejects: list[Diagnostic] = []
    rows: list[dict[str, Any]] = []
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        result.inputs.append(file)
        source = str(file)
        data = file.read_bytes()
        try:
            text = (gzip.decompress(data) if file.suffix == ".gz" else data).decode("utf-8")
            documents = list(json_documents(text))
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            rejects.append(reject(source, 1, f"not readable as conversation details: {exc}"))
            continue
        for line, doc, raw in documents:
            convs: list[Any] = (
                list(doc.get("conversations") or [])
                if isinstance(doc, dict) and "conversations" in doc
                else [doc]
            )
            for conv in convs:
                conv_raw = raw if len(convs) == 1 else json.dumps(conv, sort_keys=True)
                try:
                    row = to_contact(conv)
                except (ValueError, TypeError, AttributeError) as exc:
                    rejects.append(reject(source, line, str(exc), conv_raw))
                    continue
                at = text.find(f'"{conv["conversationId"]}"')
                conv_line = text.count("\n", 0, at) + 1 if at >= 0 else line
                row.update({"__source": source, "__line": conv_line, "__text": conv_raw})
                rows.append(row)
    result.tables["contacts"] = write_rows("contacts", rows, out)
    result.display["contacts"] = str(path)
    result.rejects["contacts"] = rejects
    return result
