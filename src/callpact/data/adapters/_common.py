"""Shared helpers for adapters: writing interchange rows with provenance, reading JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from callpact.data.schema import TABLES
from callpact.diagnostics import Diagnostic, Severity

PROVENANCE = ("__source", "__line", "__text")


def reject(source: str, line: int, message: str, text: str = "") -> Diagnostic:
    """A record the adapter could not convert (code R401); ``hint`` carries the record text."""
    return Diagnostic(source, line, 0, Severity.ERROR, "R401", message, text[:2000])


def write_rows(table: str, rows: list[dict[str, Any]], out: Path) -> Path:
    """Write rows (interchange columns as text or None, plus provenance) as string Parquet."""
    columns = [*TABLES[table].names, *PROVENANCE]
    arrays = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        if name == "__line":
            arrays[name] = pa.array(values, pa.int64())
        else:
            arrays[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    path = out / f"{table}.parquet"
    pq.write_table(pa.table(arrays), path)
    return path


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, microseconds kept."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_iso(text: str | None) -> datetime | None:
    """Parse a vendor ISO 8601 timestamp (``Z`` or offset); a naive one raises ValueError."""
    if text is None or text == "":
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text!r}")
    return value


def seconds(value: Any) -> str | None:
    """A duration as text, None when absent."""
    if value is None or value == "":
        return None
    number = float(value)
    return str(int(number)) if number == int(number) else repr(number)


def json_documents(text: str) -> Iterator[tuple[int, Any, str]]:
    """Every JSON value in ``text``: one object, an array, JSON lines, or concatenated objects.

    Yields ``(line, value, raw text)`` per top-level value (arrays are flattened one level).
    Raises ValueError with the line of the first undecodable character.
    """
    decoder = json.JSONDecoder()
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= length:
            return
        line = text.count("\n", 0, pos) + 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {text.count(chr(10), 0, exc.pos) + 1}: {exc.msg}") from exc
        raw = text[pos:end]
        if isinstance(value, list):
            for item in value:
                yield line, item, json.dumps(item, sort_keys=True)
        else:
            yield line, value, raw
        pos = end
