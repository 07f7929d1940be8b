"""Money: ``Decimal`` amounts, rounded once per statement line with the contract's rule.

A contract states its rounding as a unit (``0.01``) and a mode (``half_up``, ``half_even``,
``down``, ``up``). Intermediate amounts (pool × share × weight, linear interpolation) stay exact;
only the amount printed on a line is rounded, and only there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

ROUNDING_MODES: Mapping[str, str] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Rounding:
    """The contract's rounding rule: every line is rounded to ``unit`` with ``mode``."""

    unit: Decimal = Decimal("0.01")
    mode: str = "half_up"

    def __post_init__(self) -> None:
        if self.mode not in ROUNDING_MODES:
            raise ValueError(f"unknown rounding mode {self.mode!r} ({', '.join(ROUNDING_MODES)})")
        if self.unit <= 0:
            raise ValueError("the rounding unit must be positive")

    def apply(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.unit, rounding=ROUNDING_MODES[self.mode])

    def floor(self, amount: Decimal) -> Decimal:
        """The largest multiple of the unit not above ``amount`` (for caps: never exceed)."""
        return amount.quantize(self.unit, rounding=ROUND_DOWN)


def round_lines_within(
    amounts: Sequence[Decimal], cap: Decimal | None, rounding: Rounding
) -> tuple[list[Decimal], bool]:
    """Round each exact amount once so that the rounded lines never sum above ``cap``.

    When the exact total stays within the cap and the rounded lines do too, each line is simply
    rounded with the contract's rule. Otherwise the cap binds: the cap (floored to the rounding
    unit) is shared out in proportion to the exact amounts by the largest-remainder method, so
    the lines sum to the cap exactly and each line is still rounded only once.
    Returns the rounded lines and whether the cap bound.
    """
    if any(a < 0 for a in amounts):
        raise ValueError("amounts under a cap must not be negative")
    rounded = [rounding.apply(a) for a in amounts]
    if cap is None:
        return rounded, False
    limit = rounding.floor(cap)
    total = sum(amounts, ZERO)
    if total <= cap and sum(rounded, ZERO) <= limit:
        return rounded, False
    return allocate(limit, amounts, rounding.unit), True


def allocate(total: Decimal, weights: Sequence[Decimal], unit: Decimal) -> list[Decimal]:
    """Share ``total`` (a multiple of ``unit``) out in proportion to ``weights``.

    Largest-remainder method: every share is floored to the unit, then the units left over go
    one each to the largest remainders (ties to the earlier line), so the shares sum to ``total``.
    """
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        return [ZERO for _ in weights]
    units = int((total / unit).to_integral_value(rounding=ROUND_DOWN))
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(n) * unit for n in floors]


def money_text(amount: Decimal) -> str:
    """An amount as the statement's JSON writes it: a plain decimal string."""
    return format(amount, "f")


def decimal_text(value: Decimal | None) -> str | None:
    """A figure (a KPI value, a share) as JSON writes it: a plain decimal string, or null."""
    return None if value is None else format(value, "f")
