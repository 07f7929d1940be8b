"""The SLA annex: typed model, YAML loader with positions, lint rules, render and diff.

The public surface others call::

    contract, diagnostics = load_contract("examples/annex.yaml")
    version = contract.version_for_month("2027-07")
    spec = version.kpi("sl-voice"); spec.param("threshold_s"); kpi_formula_words(spec)
"""

from __future__ import annotations

from callpact.contracts.loader import (
    load_contract,
    load_contract_located,
    load_contract_text,
    read_annex,
)
from callpact.contracts.metrics import METRICS, formula_words
from callpact.contracts.model import (
    ChannelScope,
    Contract,
    ContractTerms,
    ContractVersion,
    Exclusion,
    HoursCalendar,
    KpiScope,
    KpiSpec,
    PenaltyTier,
    RewardTier,
    Scope,
    Target,
)
from callpact.contracts.positions import ContractPositions


def kpi_formula_words(spec: KpiSpec) -> str:
    """The KPI's exact definition in words, its parameters filled in (what the annex says)."""
    return formula_words(spec.metric, spec.params)


__all__ = [
    "METRICS",
    "ChannelScope",
    "Contract",
    "ContractPositions",
    "ContractTerms",
    "ContractVersion",
    "Exclusion",
    "HoursCalendar",
    "KpiScope",
    "KpiSpec",
    "PenaltyTier",
    "RewardTier",
    "Scope",
    "Target",
    "kpi_formula_words",
    "load_contract",
    "load_contract_located",
    "load_contract_text",
    "read_annex",
]
