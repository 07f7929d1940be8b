"""What a running portal needs to know: where its database and its data live."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from callpact.clock import clock


def _utc_now() -> datetime:
    return clock()


@dataclass(frozen=True, slots=True)
class Settings:
    """``database_url``: the governance database; ``data_dir``: where settled statements
    (``statements/*.json``) are read from. ``secret`` signs the CSRF cookie (a fresh one per
    start unless given: a restart then only asks open pages to reload)."""

    database_url: str
    data_dir: Path = Path()
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    clock: Callable[[], datetime] = _utc_now
    session_ttl_hours: int = 12
