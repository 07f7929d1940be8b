"""A rejected row as the client sees it: its physical line, its original text, the rejects file.

Ingest keeps the text of each record it reads so that the rejects file (``source, line, field,
code, reason, row``) shows the row exactly as delivered, bytes that are not UTF-8 included.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from callpact.diagnostics import Diagnostic


def header_bytes(path: Path) -> bytes:
    """The header record of a CSV file (headers never contain quoted newlines in practice)."""
    with path.open("rb") as handle:
        head = handle.readline()
    return head.rstrip(b"\r\n")


class LineCounter:
    """Wraps a text file for ``csv.reader``: counts physical lines and keeps the record text."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.line = 0
        self.buffer: list[str] = []

    def __iter__(self) -> LineCounter:
        return self

    def __next__(self) -> str:
        text = self.handle.readline()
        if not text:
            raise StopIteration
        self.line += 1
        self.buffer.append(text)
        return text

    def take_record_text(self) -> str:
        text = "".join(self.buffer).rstrip("\r\n")
        self.buffer = []
        return text


def has_surrogate(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def safe_text(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def write_rejects(
    path: Path, diagnostics: list[Diagnostic], rows_text: dict[tuple[str, int], str]
) -> None:
    """The rejects file: one line per fault, with the original record text."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "line", "field", "code", "reason", "row"])
        for d in sorted(diagnostics, key=lambda d: (d.source, d.line, d.code)):
            writer.writerow(
                [
                    d.source,
                    d.line,
                    d.field,
                    d.code,
                    d.message,
                    safe_text(rows_text.get((d.source, d.line), "")),
                ]
            )
