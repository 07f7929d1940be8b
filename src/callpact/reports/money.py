"""The one money formatter: every amount a person reads (CLI, HTML, PDF, portal) goes here.

An amount is shown in its currency's minor units (JPY 0, USD 2, KWD 3) with the locale's
separators (Babel, CLDR data): ``USD 60,000.00`` in ``en_US``, ``USD 60.000,00`` in ``de_DE``.
Documents name the currency by its ISO code, never a symbol ($ is also CAD, AUD, MXN…).
"""

from __future__ import annotations

from decimal import Decimal

from callpact.contracts.currency import minor_units

DEFAULT_LOCALE = "en_US"
MINUS = "−"  # U+2212: a minus that reads as one in a right-aligned column


def _number(amount: Decimal, currency: str, locale: str) -> str:
    from babel.numbers import format_decimal

    digits = minor_units(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(
        format_decimal(abs(amount), format=pattern, locale=locale, decimal_quantization=True)
    )


def format_amount(
    amount: Decimal | str | int,
    currency: str,
    *,
    locale: str = DEFAULT_LOCALE,
    signed: bool = False,
) -> str:
    """The amount alone, in the currency's minor units: ``60,000.00``, ``−2,160.00``;
    ``signed`` writes ``+`` before a positive amount (a signed column)."""
    value = Decimal(amount)
    text = _number(value, currency, locale)
    if value < 0 and any(ch in "123456789" for ch in text):  # no "−0.00"
        return MINUS + text
    if signed and value > 0:
        return "+" + text
    return text


def format_money(
    amount: Decimal | str | int,
    currency: str,
    *,
    locale: str = DEFAULT_LOCALE,
    signed: bool = False,
) -> str:
    """The amount with its currency code: ``USD 60,000.00``, ``JPY 1,234,568``, ``−KWD 12.500``."""
    text = format_amount(amount, currency, locale=locale, signed=signed)
    if text[:1] in (MINUS, "+"):
        return f"{text[0]}{currency} {text[1:]}"
    return f"{currency} {text}"
