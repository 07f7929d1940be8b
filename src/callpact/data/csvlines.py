"""Where each CSV record starts: physical line numbers and original text, found with numpy.

A record ends at a newline outside quotes. With RFC 4180 quoting every quote character toggles
"inside quotes" (an escaped ``""`` toggles twice), so a newline ends a record exactly when the
number of quotes before it is even. Blank lines are not records (the CSV reader skips them too).
Record 0 is the header. The scan is chunked, so memory stays flat on multi-GB files.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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


def split_at_records(path: Path, out_dir: Path, parts: int) -> list[Path]:
    """Cut a CSV file into ``parts`` files at record boundaries, each starting with the header.

    Returns the original file alone when it is too small to share (see :func:`record_cuts`).
    """
    cuts = record_cuts(path, parts)
    if len(cuts) < 3:
        return [path]
    return [
        write_part(path, start, end, out_dir / f"part-{index}.csv")
        for index, (start, end) in enumerate(itertools.pairwise(cuts))
    ]


def record_cuts(path: Path, parts: int) -> list[int]:
    """Byte offsets that cut a CSV file's data records into up to ``parts`` runs of records.

    Lets several readers work on one delivery at once: ``[first record, cut, …, file size]``,
    the records of run ``k`` following those of run ``k - 1`` in the original order. A cut is
    the first newline at or after an equal share of the bytes where the quotes seen so far are
    balanced (the rule :func:`scan_records` uses), so a quoted newline is never cut. Fewer
    runs (one: two offsets) when the file is too small to share.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.readline()
        if not header.endswith(b"\n"):
            return [len(header), size]
        quotes = header.count(b'"')
        pos = len(header)
        cuts = [pos]
        for k in range(1, parts):
            target = len(header) + (size - len(header)) * k // parts
            if target <= pos:
                continue
            while pos < target:  # quotes between the last cut and the target
                chunk = handle.read(min(CHUNK, target - pos))
                if not chunk:
                    break
                quotes += chunk.count(b'"')
                pos += len(chunk)
            cut = _next_balanced_newline(handle, pos, quotes)
            if cut is None or cut >= size:  # no record left for another run
                break
            pos, quotes = cut, 0
            handle.seek(pos)
            cuts.append(cut)
    cuts.append(size)
    return cuts


def write_part(path: Path, start: int, end: int, out: Path) -> Path:
    """A CSV file of ``path``'s header and its bytes ``start:end`` (copied in the kernel)."""
    with path.open("rb") as source, out.open("wb") as target:
        target.write(source.readline())
        target.flush()
        _copy_range(source.fileno(), target.fileno(), start, end - start)
    return out


def _next_balanced_newline(handle: BinaryIO, pos: int, quotes: int) -> int | None:
    """Offset just after the first newline from ``pos`` outside quotes (None: end of file)."""
    while chunk := handle.read(1 << 20):
        at = 0
        while (newline := chunk.find(b"\n", at)) >= 0:
            quotes += chunk.count(b'"', at, newline)
            if quotes % 2 == 0:
                return pos + newline + 1
            at = newline + 1
        quotes += chunk.count(b'"', at)
        pos += len(chunk)
    return None


def _copy_range(source: int, target: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``source`` from ``offset`` to ``target`` (in the kernel)."""
    while count > 0:
        copied = os.copy_file_range(source, target, count, offset)
        if copied <= 0:  # pragma: no cover - a file shrinking under us
            raise OSError(f"could not copy {count} bytes of a delivery file")
        offset += copied
        count -= copied


def sample_columns(
    path: Path, columns: list[int], width: int, chunks: int = 32
) -> tuple[list[list[str]], int]:
    """Values of some columns (one list per column, aligned by record; ``""`` for an empty
    field) from ``chunks`` stretches spread over a CSV file, and an estimate of its number
    of records (from the bytes per record of the stretches).

    A stretch may start inside a quoted value, so its records are only a sample: records that
    do not parse to ``width`` fields are left out. Good enough to plan how to sort, never
    used to decide anything about a row.
    """
    size = path.stat().st_size
    values: list[list[str]] = [[] for _ in columns]
    sampled_bytes = sampled_records = 0
    stretch = 1 << 16
    with path.open("rb") as handle:
        for k in range(chunks):
            handle.seek(size * k // chunks)
            raw = handle.read(stretch)
            first, last = raw.find(b"\n"), raw.rfind(b"\n")
            if first < 0 or last <= first:
                continue
            body = raw[first + 1 : last + 1]
            text = body.decode("utf-8", errors="replace")
            records = [r for r in csv.reader(io.StringIO(text, newline="")) if len(r) == width]
            sampled_bytes += len(body)
            sampled_records += len(records)
            for out, column in zip(values, columns, strict=True):
                out.extend(r[column] for r in records)
    estimate = size * sampled_records // sampled_bytes if sampled_bytes else 0
    return values, estimate
