"""KPIs whose data was not delivered for a month, named with the table they read.

A KPI with no delivered table is not "not measurable (sample 0)": the vendor owes the data, and
the annex's ``contract.missing_data`` rule says what the month leads to.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from callpact.contracts.metrics import METRICS
from callpact.contracts.model import ContractVersion, MissingData


@dataclass(frozen=True, slots=True)
class UndeliveredData:
    kpi_id: str
    table: str
    month: str
    rule: MissingData

    @property
    def message(self) -> str:
        return f"no {self.table} delivered for {self.month}"


def undelivered_kpis(
    version: ContractVersion, month: str, delivered_tables: Collection[str]
) -> tuple[UndeliveredData, ...]:
    """Each KPI of ``version`` whose source table is missing from the month's delivery."""
    rule = version.contract.missing_data_rule
    return tuple(
        UndeliveredData(spec.id, METRICS[spec.metric].source_table, month, rule)
        for spec in version.kpis
        if METRICS[spec.metric].source_table not in delivered_tables
    )


# the table each exclusion reads: without it, the exclusion leaves nothing out
EXCLUSION_TABLES = {
    "declared_outages": "outages",
    "volume_above_forecast": "forecast",
    "trainees_in_exemption": "agents",
}


def exclusion_gaps(
    version: ContractVersion, month: str, delivered_tables: Collection[str]
) -> tuple[str, ...]:
    """For each KPI exclusion whose table the month's delivery lacks, why nothing was excluded
    for it, so the statement says so rather than showing a silent zero."""
    return tuple(
        f"{spec.id}: the {exclusion.kind} exclusion reads the {table} table, and no {table} "
        f"was delivered for {month}: nothing was excluded for it"
        for spec in version.kpis
        for exclusion in spec.exclusions
        if (table := EXCLUSION_TABLES[exclusion.kind]) not in delivered_tables
    )
