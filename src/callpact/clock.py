"""The server's clock: the one place callpact reads the current time.

Every record and audit entry carries the moment it was *recorded*, read here, never a time a
user typed. Tests set the clock with :func:`frozen_clock` instead of patching ``datetime``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def clock() -> datetime:
    """Now, timezone-aware, from the server's clock (or the one a test set)."""
    return _source()


@contextmanager
def frozen_clock(at: datetime) -> Iterator[None]:
    """Within the block, :func:`clock` says ``at`` (which must carry an offset)."""
    global _source  # noqa: PLW0603 - the seam is process-wide by design
    if at.tzinfo is None:
        raise ValueError("a frozen clock needs a timezone-aware moment")
    before = _source
    _source = lambda: at  # noqa: E731
    try:
        yield
    finally:
        _source = before
