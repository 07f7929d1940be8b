"""callpact: the SLA annex of an outsourced contact center, executable.

A contract file both parties sign, one KPI engine both parties trust, a monthly settlement that
follows the contract to the cent, and the governance workflows around it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("callpact")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
