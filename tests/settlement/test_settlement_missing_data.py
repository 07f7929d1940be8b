"""A month with one table missing names each KPI that reads it, with the annex's rule."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "contracts"))

from annex_text import CLEAN, replace

from callpact.contracts.loader import load_contract_text
from callpact.contracts.metrics import METRICS
from callpact.settlement.missing_data import undelivered_kpis


def test_a_month_without_one_table_names_the_kpis_that_read_it() -> None:
    contract, diagnostics = load_contract_text(
        replace("  missing_data: hold\n", "  missing_data: missed\n", CLEAN)
    )
    assert contract is not None, diagnostics
    version = contract.latest
    tables = {METRICS[spec.metric].source_table for spec in version.kpis}
    assert "contacts" in tables
    found = undelivered_kpis(version, "2027-04", tables - {"contacts"})
    expected = [s.id for s in version.kpis if METRICS[s.metric].source_table == "contacts"]
    assert [u.kpi_id for u in found] == expected
    assert {u.rule for u in found} == {"missed"}
    assert found[0].message == f"KPI {expected[0]}: no contacts delivered for 2027-04"
    assert undelivered_kpis(version, "2027-04", tables) == ()
