"""Where each CSV record starts: physical line numbers and original text, found with numpy.

A record ends at a newline outside quotes. With RFC 4180 quoting every quote character toggles
"inside quotes" (an escaped ``""`` toggles twice), so a newline ends a record exactly when the
number of quotes before it is even. Blank lines are not records (the CSV reader skips them too).
Record 0 is the header. The scan is chunked, so memory stays flat on multi-GB files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 64 << 20


@dataclass(frozen=True)
class RecordSpans:
    """Data records found by :func:`scan_records` (arrays aligned by position)."""

    ordinals: np.ndarray  # 0-based data record index (header excluded)
    lines: np.ndarray  # 1-based physical line where the record starts
    starts: np.ndarray  # byte offset of the first byte
    ends: np.ndarray  # byte offset of the terminating newline (or end of file)
    total: int  # number of data records in the file


def scan_records(path: Path, wanted: np.ndarray) -> RecordSpans:
    """Locate the data records ``wanted`` (0-based, header excluded) and count all records."""
    wanted = np.unique(np.asarray(wanted, dtype=np.int64))
    out_ord: list[np.ndarray] = []
    out_line: list[np.ndarray] = []
    out_start: list[np.ndarray] = []
    out_end: list[np.ndarray] = []
    quotes_before = 0  # quotes seen in earlier chunks
    newlines_before = 0  # newlines seen in earlier chunks
    record_start = 0  # byte offset where the current record started
    record_line = 1
    index = -2  # index of the last record seen (the header is -1)
    offset = 0
    size = path.stat().st_size
    with path.open("rb") as handle:
        while True:
            buf = handle.read(CHUNK)
            if not buf:
                break
            data = np.frombuffer(buf, dtype=np.uint8)
            quotes = np.flatnonzero(data == 0x22)
            newlines = np.flatnonzero(data == 0x0A)
            parity = (quotes_before + np.searchsorted(quotes, newlines)) % 2
            ends = newlines[parity == 0]  # record terminators in this chunk
            if len(ends):
                lines_at_end = newlines_before + np.searchsorted(newlines, ends) + 1
                starts = np.empty(len(ends), dtype=np.int64)
                start_lines = np.empty(len(ends), dtype=np.int64)
                starts[0] = record_start
                starts[1:] = offset + ends[:-1] + 1
                start_lines[0] = record_line
                start_lines[1:] = lines_at_end[:-1] + 1
                abs_ends = offset + ends
                blank = _blank(starts, abs_ends, data, offset, path)
                indices = index + np.cumsum(~blank)
                take = ~blank & np.isin(indices, wanted)
                out_ord.append(indices[take])
                out_line.append(start_lines[take])
                out_start.append(starts[take])
                out_end.append(abs_ends[take])
                index = int(indices[-1])
                record_start = int(offset + ends[-1] + 1)
                record_line = int(lines_at_end[-1] + 1)
            quotes_before += len(quotes)
            newlines_before += len(newlines)
            offset += len(buf)
    if record_start < size:  # last record without a final newline
        with path.open("rb") as handle:
            handle.seek(record_start)
            tail = handle.read()
        if tail.strip(b"\r"):
            index += 1
            if np.isin(index, wanted):
                out_ord.append(np.array([index]))
                out_line.append(np.array([record_line]))
                out_start.append(np.array([record_start]))
                out_end.append(np.array([size]))

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        if not parts:
            return np.empty(0, np.int64)
        joined: np.ndarray = np.concatenate(parts).astype(np.int64)
        return joined

    return RecordSpans(cat(out_ord), cat(out_line), cat(out_start), cat(out_end), index + 1)


def _blank(
    starts: np.ndarray, ends: np.ndarray, data: np.ndarray, offset: int, path: Path
) -> np.ndarray:
    length = ends - starts
    blank: np.ndarray = np.asarray(length == 0)
    # a lone "\r" line (CRLF files) is blank as well
    for i in np.flatnonzero(length == 1):
        pos = int(starts[i]) - offset
        if pos >= 0:
            blank[i] = data[pos] == 0x0D
        else:  # the record started in the previous chunk
            with path.open("rb") as handle:
                handle.seek(int(starts[i]))
                blank[i] = handle.read(1) == b"\r"
    return blank


def read_records(path: Path, spans: RecordSpans) -> list[bytes]:
    """The original bytes of each located record, without its line terminator."""
    out = []
    with path.open("rb") as handle:
        for start, end in zip(spans.starts.tolist(), spans.ends.tolist(), strict=True):
            handle.seek(start)
            text = handle.read(end - start)
            out.append(text[:-1] if text.endswith(b"\r") else text)
    return out
