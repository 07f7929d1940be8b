"""The server's clock is one seam: what a command records as "now" comes from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from callpact.cli.values import instant_or_now
from callpact.clock import clock, frozen_clock


def test_a_frozen_clock_is_what_now_reads_and_is_restored_after() -> None:
    moment = datetime(2027, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=-6)))
    with frozen_clock(moment):
        assert clock() == moment
        assert instant_or_now(None) == moment  # a command without a time records the server's
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_clock_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), frozen_clock(datetime(2027, 3, 1)):  # noqa: DTZ001
        pass
