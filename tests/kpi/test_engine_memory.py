"""DuckDB's memory bound and the FCR window size it implies."""

from __future__ import annotations

import pytest

from callpact.kpi.engine import WINDOW_BYTES_PER_ROW, DuckDBBackend, memory_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2GB", 2 * 10**9), ("1.5GiB", 3 * 2**29), ("800MB", 8 * 10**8), ("4 GB", 4 * 10**9)],
)
def test_memory_units_read_like_duckdb(text: str, expected: int) -> None:
    assert memory_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "GB", "2 parsecs", "lots"])
def test_unreadable_memory_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="not like 2GB"):
        memory_bytes(text)


def test_memory_limit_sets_duckdb_and_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLPACT_KPI_MEMORY", "700MB")
    monkeypatch.delenv("CALLPACT_KPI_WINDOW_ROWS", raising=False)
    backend = DuckDBBackend()
    try:
        (limit,) = backend.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()
        assert limit.endswith("MiB")  # DuckDB reports 700 MB as 667.5 MiB
        assert backend.window_rows == 700 * 10**6 // WINDOW_BYTES_PER_ROW
        monkeypatch.setenv("CALLPACT_KPI_WINDOW_ROWS", "1234")
        assert DuckDBBackend().window_rows == 1234
    finally:
        backend.close()
