"""The statement lifecycle and the money a dispute's resolution moves, as pure rules.

States: ``draft → issued → disputed ⇄ issued → approved → final``. The operator's settlement
stores a draft; the client's admin issues it to the vendor; the vendor reviews it (accepts it,
or disputes lines, which makes it ``disputed`` until every dispute is resolved); the client's
admin approves it once the vendor has accepted it — or, where the annex sets a dispute window,
once the window has passed with no dispute open — and then makes it final. A final statement is
never edited: a correction is a new version that supersedes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from callpact.governance.organization.permissions import Action


class StatementState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    DISPUTED = "disputed"
    APPROVED = "approved"
    FINAL = "final"


class Step(StrEnum):
    ISSUE = "issue"
    ACCEPT = "accept"
    APPROVE = "approve"
    FINALIZE = "finalize"


@dataclass(frozen=True, slots=True)
class StepRule:
    """From which states a step may be taken, to which state, and the permission it needs
    (who holds it is the permission table's: ``organization.permissions.POLICY``)."""

    source: frozenset[StatementState]
    target: StatementState
    action: Action


STEPS: dict[Step, StepRule] = {
    Step.ISSUE: StepRule(
        frozenset({StatementState.DRAFT}), StatementState.ISSUED, Action.ISSUE_STATEMENT
    ),
    # The vendor's review without a dispute: the state stays issued, the acceptance is recorded.
    Step.ACCEPT: StepRule(
        frozenset({StatementState.ISSUED}), StatementState.ISSUED, Action.ACCEPT_STATEMENT
    ),
    Step.APPROVE: StepRule(
        frozenset({StatementState.ISSUED}), StatementState.APPROVED, Action.APPROVE_STATEMENT
    ),
    Step.FINALIZE: StepRule(
        frozenset({StatementState.APPROVED}), StatementState.FINAL, Action.FINALIZE_STATEMENT
    ),
}


def step_problem(step: Step, state: StatementState) -> str | None:
    """Why this step cannot be taken from this state, or None."""
    rule = STEPS[step]
    if state not in rule.source:
        sources = " or ".join(s.value for s in sorted(rule.source))
        return f"the statement is {state.value}; {step.value} applies to a {sources} statement"
    return None


def approval_problem(
    *, vendor_accepted: bool, issued_on: date | None, window_days: int | None, today: date
) -> str | None:
    """Why an issued statement with no open dispute may not be approved yet, or None."""
    if vendor_accepted:
        return None
    if window_days is None:
        return (
            "the vendor has not accepted it; the annex sets no dispute window, so approval "
            "waits for the vendor's review"
        )
    assert issued_on is not None
    closes = dispute_window_closes(issued_on, window_days)
    if today <= closes:
        return (
            f"the vendor has not accepted it and its dispute window of {window_days} days runs "
            f"until {closes.isoformat()}"
        )
    return None


def dispute_window_closes(issued_on: date, window_days: int) -> date:
    """The last day (inclusive) the vendor may dispute a statement issued on ``issued_on``."""
    return issued_on + timedelta(days=window_days)


# How each money line moves the invoice (fee + net adjustment); information lines move nothing.
INVOICE_SIGN: dict[str, int] = {
    "fee": 1,
    "bonus": 1,
    "earn_back": 1,
    "dispute": 1,
    "credit": -1,
    "liability": -1,
}


def invoice_effect(kind: str, amount: Decimal) -> Decimal | None:
    sign = INVOICE_SIGN.get(kind)
    return None if sign is None else amount * sign


def line_of(document: dict[str, Any], line_id: str) -> dict[str, Any] | None:
    return next((ln for ln in document.get("lines", []) if ln.get("line_id") == line_id), None)


def upheld_effect(line: dict[str, Any]) -> Decimal:
    """An upheld dispute removes the line's effect on the invoice."""
    effect = invoice_effect(line["kind"], Decimal(line["amount"]))
    return -effect if effect is not None else Decimal(0)


def corrected_document(
    document: dict[str, Any], *, dispute_id: int, line_id: str, effect: Decimal, reason: str
) -> dict[str, Any]:
    """The statement with a line ``dispute:<id>`` moving the invoice by ``effect`` (positive:
    the client pays the vendor more), the net adjustment and invoice total moved with it."""
    corrected = copy.deepcopy(document)
    unit = Decimal(corrected.get("rounding", {}).get("unit") or "0.01")
    effect = effect.quantize(unit)
    corrected["lines"].append(
        {
            "line_id": f"dispute:{dispute_id}",
            "kind": "dispute",
            "amount": str(effect),
            "kpi_id": None,
            "incident_id": None,
            "origin": line_id,
            "reason": reason,
        }
    )
    for key in ("net_adjustment", "invoice_total"):
        corrected[key] = str((Decimal(corrected[key]) + effect).quantize(unit))
    return corrected


def correction_kind(original_total: Decimal, corrected_total: Decimal) -> str:
    """A correction that lowers what the client owes is a credit note; one that raises it, a
    debit note."""
    return "credit_note" if corrected_total < original_total else "debit_note"
