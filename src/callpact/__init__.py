"""callpact: the SLA annex of an outsourced contact center, executable.

A contract file both parties sign, one KPI engine both parties trust, a monthly settlement that
follows the contract to the cent, and the governance workflows around it. The path of one
month, from Python::

    import callpact

    contract, problems = callpact.load_contract("examples/annex.yaml")
    with callpact.open_source("callpact-data") as data:          # a workspace or a folder
        card = callpact.compute_scorecard(contract.version_for_month("2027-01"), data, "2027-01")

and ``callpact.settle_from_paths(callpact.SettlementPaths(...))`` for the month's statement.
Names load on first use, so ``import callpact`` stays cheap.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("callpact")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

_PUBLIC = {
    "load_contract": ("callpact.contracts", "load_contract"),
    "Contract": ("callpact.contracts", "Contract"),
    "ContractVersion": ("callpact.contracts", "ContractVersion"),
    "Diagnostic": ("callpact.diagnostics", "Diagnostic"),
    "open_source": ("callpact.data.sources", "open_source"),
    "Workspace": ("callpact.data.workspace", "Workspace"),
    "ingest_path": ("callpact.data.ingest", "ingest_path"),
    "compute_scorecard": ("callpact.kpi.engine", "compute_scorecard"),
    "settle_from_paths": ("callpact.settlement.run", "settle_from_paths"),
    "SettlementPaths": ("callpact.settlement.run", "Paths"),
}

__all__ = [  # noqa: RUF022 - the public names in the order a reader meets them
    "__version__",
    "load_contract",
    "Contract",
    "ContractVersion",
    "Diagnostic",
    "open_source",
    "Workspace",
    "ingest_path",
    "compute_scorecard",
    "settle_from_paths",
    "SettlementPaths",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'callpact' has no attribute {name!r}")
