"""Vendor adapters: convert a vendor export into interchange tables (see docs/adapters.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callpact.diagnostics import Diagnostic


@dataclass
class Converted:
    """An adapter's output: interchange tables as Parquet files, and records it could not read.

    ``tables`` maps a table name to a Parquet file of string columns named like the interchange
    columns plus provenance columns ``__source``, ``__line``, ``__text`` (the vendor file, its
    line, the original record), so that a row the interchange rules reject is reported against
    the vendor's file. ``rejects`` are records the adapter itself could not read (code R401).
    """

    tables: dict[str, Path] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    rejects: dict[str, list[Diagnostic]] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    #: records replaced by a later version of the same record in the delivery (counted as
    #: duplicates, e.g. Amazon Connect's at-least-once delivery)
    superseded: dict[str, int] = field(default_factory=dict)
    #: per table, interchange column → its 1-based column in the vendor's file, so that a
    #: reject names the column a person finds there (mapped CSV and XLSX)
    source_columns: dict[str, dict[str, int]] = field(default_factory=dict)


def convert(source_format: str, path: Path, out: Path, mapping: Path | None = None) -> Converted:
    """Run the adapter named ``source_format`` on ``path``, writing Parquet under ``out``."""
    if source_format == "amazon-connect":
        from callpact.data.adapters.amazon_connect import convert as run
    elif source_format == "asterisk":
        from callpact.data.adapters.asterisk import convert as run
    elif source_format == "genesys":
        from callpact.data.adapters.genesys import convert as run
    elif source_format == "mapped":
        from callpact.data.adapters.mapped import convert_mapped

        return convert_mapped(path, out, mapping)
    else:  # pragma: no cover - ingest_path checks the name first
        raise ValueError(source_format)
    return run(path, out)
