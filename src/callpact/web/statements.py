"""Settled statements as the CLI writes them (``callpact settle --format json``), read from the
portal's data folder: ``DATA/statements/*.json``, any depth, matched on ``contract_id``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def statements_of(data_dir: Path, contract_id: str) -> dict[str, dict[str, Any]]:
    """Month → statement document for this contract, oldest month first."""
    found: dict[str, dict[str, Any]] = {}
    folder = data_dir / "statements"
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a statement (a half-written file, another tool's output)
        if isinstance(document, dict) and document.get("contract_id") == contract_id:
            period = document.get("period")
            if isinstance(period, str):
                found[period] = document
    return dict(sorted(found.items()))
