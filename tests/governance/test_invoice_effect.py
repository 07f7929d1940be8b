"""Each statement line's effect on the invoice, as the statement page signs it."""

from __future__ import annotations

from decimal import Decimal

from callpact.governance.statement.rules import invoice_effect


def test_credits_and_liabilities_lower_the_invoice_and_information_lines_move_nothing() -> None:
    assert invoice_effect("fee", Decimal("60000.00")) == Decimal("60000.00")
    assert invoice_effect("bonus", Decimal("600.00")) == Decimal("600.00")
    assert invoice_effect("earn_back", Decimal("10.00")) == Decimal("10.00")
    assert invoice_effect("credit", Decimal("1080.00")) == Decimal("-1080.00")
    assert invoice_effect("liability", Decimal("250.00")) == Decimal("-250.00")
    # a dispute's correction line carries its signed effect itself
    assert invoice_effect("dispute", Decimal("-125.00")) == Decimal("-125.00")
    for information in ("suspended", "waived", "kpi"):
        assert invoice_effect(information, Decimal("720.00")) is None
