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


@dataclass(frozen=True, slots=True)
class ExclusionGap:
    kpi_id: str
    kind: str
    table: str
    month: str

    @property
    def owed(self) -> bool:
        """A table the vendor owes every month (forecast, agents); a month without outages
        is the usual month, nothing is owed."""
        return self.kind != "declared_outages"

    @property
    def message(self) -> str:
        if not self.owed:
            return f"{self.kpi_id}: no outage declared for {self.month}: none excluded"
        return (
            f"{self.kpi_id}: the {self.kind} exclusion reads the {self.table} table, and no "
            f"{self.table} was delivered for {self.month}: nothing was excluded for it"
        )


def exclusion_gaps(
    version: ContractVersion, month: str, delivered_tables: Collection[str]
) -> tuple[ExclusionGap, ...]:
    """Each KPI exclusion whose table the month's delivery lacks, so the statement says why
    nothing was excluded for it rather than showing a silent zero."""
    return tuple(
        ExclusionGap(spec.id, exclusion.kind, table, month)
        for spec in version.kpis
        for exclusion in spec.exclusions
        if (table := EXCLUSION_TABLES[exclusion.kind]) not in delivered_tables
    )
