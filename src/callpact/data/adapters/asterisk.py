"""Asterisk ``queue_log``: pipe-delimited queue events → contacts.

Each line is ``epoch|callid|queue|agent|event|data1|data2|…`` (Asterisk's queue log reference).
A contact is one visit of a call (``callid``) to a queue:

* starts at ``ENTERQUEUE(url|callerid|position)`` → ``offered_at``, ``customer_id`` = callerid;
* ``CONNECT(holdtime|bridgedchanneluniqueid|ringtime)`` → ``answered_at``, ``agent_id`` = agent;
* ends with ``COMPLETECALLER`` / ``COMPLETEAGENT(holdtime|calltime|origposition)`` → ``talk_s``
  = calltime; ``TRANSFER(extension|context|holdtime|calltime|origposition)``,
  ``BLINDTRANSFER`` and ``ATTENDEDTRANSFER`` (calltime second to last) → transferred;
* or ends unanswered with ``ABANDON``, ``EXITWITHTIMEOUT``, ``EXITWITHKEY``, ``EXITEMPTY`` —
  every one is a contact, however short (the short-abandon rule is the KPI's business).

queue_log carries no hold or after-call work: ``hold_s`` and ``acw_s`` stay empty (read as 0).
Timestamps are UNIX epoch seconds (UTC). Lines of other events (``DID``, ``QUEUESTART``,
``AGENTLOGIN``, ``PAUSE``, ``RINGNOANSWER``, …) are skipped: they describe no contact. A line
that is not a queue_log line (NUL bytes, too few fields, a bad epoch) is rejected (R401), as is
a call whose end is not in the files (the log was cut mid-call).

Input: a file named ``queue_log`` or a rotated name (``queue_log.1``, ``queue_log-20270105``,
``queue_log.2.gz``), or a folder of them; events of all files are merged in time order.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from callpact.data.adapters import Converted
from callpact.data.adapters._common import from_epoch, iso, reject, seconds, write_rows
from callpact.diagnostics import Diagnostic

END_ANSWERED = {"COMPLETECALLER", "COMPLETEAGENT"}
END_TRANSFER = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
END_UNANSWERED = {"ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY"}
CONTACT_EVENTS = {"ENTERQUEUE", "CONNECT"} | END_ANSWERED | END_TRANSFER | END_UNANSWERED

_NAME = re.compile(r"^queue_log([.-].+)?$")


@dataclass
class _Visit:
    callid: str
    queue: str
    contact_id: str
    entered: float
    line: int
    source: str
    caller: str | None
    lines: list[str] = field(default_factory=list)
    connected: float | None = None
    agent: str | None = None


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    found = [p for p in path.iterdir() if p.is_file() and _NAME.match(p.name)]

    # oldest first: queue_log.3 < queue_log.2 < queue_log.1 < queue_log; dated names by date
    def age(p: Path) -> tuple[int, str]:
        suffix = p.name[len("queue_log") :].removesuffix(".gz").lstrip(".-")
        if suffix.isdigit() and len(suffix) < 6:
            return (0, f"{-int(suffix):012d}")
        if suffix == "":
            return (2, "")
        return (1, suffix)

    return sorted(found, key=age)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def convert(path: Path, out: Path) -> Converted:
    result = Converted()
    rejects: list[Diagnostic] = []
    events: list[tuple[float, int, int, str, list[str], str]] = []
    files = _files(path)
    for order, file in enumerate(files):
        result.inputs.append(file)
        source = str(file)
        for number, raw in enumerate(_read(file).split(b"\n"), start=1):
            raw = raw.rstrip(b"\r")  # noqa: PLW2901
            if not raw.strip():
                continue
            text = raw.decode("utf-8", errors="replace")
            if b"\x00" in raw or "\ufffd" in text:
                rejects.append(reject(source, number, "corrupt queue_log line (NUL or bad bytes)"))
                continue
            fields = text.split("|")
            if len(fields) < 5:
                rejects.append(
                    reject(source, number, "not a queue_log line (too few fields)", text)
                )
                continue
            try:
                epoch = float(fields[0])
            except ValueError:
                rejects.append(reject(source, number, f"bad timestamp {fields[0]!r}", text))
                continue
            if fields[4] not in CONTACT_EVENTS:
                continue  # DID, QUEUESTART, AGENTLOGIN, PAUSE, RINGNOANSWER, …: not contacts
            events.append((epoch, order, number, source, fields, text))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    open_visits: dict[tuple[str, str], _Visit] = {}
    visits_seen: dict[str, int] = {}
    rows: list[dict[str, str | int | None]] = []
    for epoch, _, number, source, fields, text in events:
        callid, queue, agent, event, data = fields[1], fields[2], fields[3], fields[4], fields[5:]
        key = (callid, queue)
        if event == "ENTERQUEUE":
            n = visits_seen.get(callid, 0) + 1
            visits_seen[callid] = n
            caller = data[1] if len(data) > 1 and data[1] else None
            visit = _Visit(
                callid, queue, callid if n == 1 else f"{callid}#{n}", epoch, number, source, caller
            )
            visit.lines.append(text)
            if key in open_visits:
                old = open_visits[key]
                rejects.append(
                    reject(old.source, old.line, "call entered the queue again without ending")
                )
            open_visits[key] = visit
            continue
        visit_or_none = open_visits.get(key)
        if visit_or_none is None:
            rejects.append(reject(source, number, f"{event} without ENTERQUEUE for {callid}", text))
            continue
        visit = visit_or_none
        visit.lines.append(text)
        if event == "CONNECT":
            visit.connected = epoch
            visit.agent = agent if agent and agent != "NONE" else None
            continue
        del open_visits[key]
        answered = event in END_ANSWERED or event in END_TRANSFER
        talk: str | None = None
        if answered:
            calltime = data[1] if event in END_ANSWERED else (data[-2] if len(data) >= 2 else "")
            try:
                talk = seconds(calltime)
            except ValueError:
                rejects.append(reject(source, number, f"bad calltime {calltime!r}", text))
                continue
        rows.append(
            {
                "contact_id": visit.contact_id,
                "channel": "voice",
                "direction": "inbound",
                "queue": visit.queue,
                "offered_at": iso(from_epoch(visit.entered)),
                "answered_at": iso(from_epoch(visit.connected)) if visit.connected else None,
                "ended_at": iso(from_epoch(epoch)),
                "talk_s": talk,
                "agent_id": visit.agent,
                "customer_id": visit.caller,
                "transferred": "true" if event in END_TRANSFER else "false",
                "disposition": event,
                "__source": visit.source,
                "__line": visit.line,
                "__text": "\n".join(visit.lines),
            }
        )
    for visit in open_visits.values():
        rejects.append(
            reject(
                visit.source,
                visit.line,
                f"call {visit.callid} has no end event in these files (log cut mid-call?)",
                "\n".join(visit.lines),
            )
        )
    result.tables["contacts"] = write_rows("contacts", rows, out)
    result.display["contacts"] = str(path)
    result.rejects["contacts"] = rejects
    return result
