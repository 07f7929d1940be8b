"""Currencies as ISO 4217 defines them: which codes exist and how many minor units each has.

An amount is only right in its currency's minor units: JPY has none, USD two, KWD three. The
annex's rounding, its money figures and every document follow these. The facts come from the
CLDR data Babel ships (no network, no I/O beyond the package's own data).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

# Codes CLDR lists that are not currencies one invoices in (ISO 4217's "no currency",
# "testing" and precious metals).
_NOT_INVOICEABLE = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD"})


@cache
def _codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies()) - _NOT_INVOICEABLE


def is_iso4217(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency one can invoice in (USD yes, ABC no)."""
    return code in _codes()


def minor_units(code: str) -> int:
    """The currency's minor units (decimals): JPY 0, USD 2, KWD 3; 2 for an unknown code."""
    if not is_iso4217(code):
        return 2
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def minor_unit(code: str) -> Decimal:
    """The smallest amount of the currency: ``1`` for JPY, ``0.01`` for USD, ``0.001`` for KWD."""
    return Decimal(1).scaleb(-minor_units(code))


def decimals(amount: Decimal) -> int:
    """How many decimals ``amount`` is written with (``60000`` 0, ``0.50`` 2, ``1E+3`` 0)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
