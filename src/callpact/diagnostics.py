"""One shape for every problem a user's input can have: annex, ingest row, mapping.

A diagnostic is a value, never an exception: loaders collect them all and the CLI prints them
together, so a user fixes a file in one pass instead of one error at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem located in a user's file.

    ``line`` and ``column`` are 1-based (0 = unknown). Row-oriented sources (CSV, JSON lines) set
    ``line`` to the physical line of the row and ``field`` to the column name.
    """

    source: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""
    field: str = ""

    def format(self) -> str:
        """``FILE:LINE:COL: error[CODE]: message`` — the form editors and CI logs understand."""
        where = f"{self.source}:{self.line}:{self.column}"
        text = f"{where}: {self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.source, d.line, d.column, d.code)


def to_json_text(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in sorted(diagnostics, key=sort_key)], indent=2)
