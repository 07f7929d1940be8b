"""Statements as shared records: the lifecycle step by step, who may take each step, and one
dispute followed from opening to the corrected invoice (amounts worked by hand)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from governance_world import CONTRACT_ID, T0, World

from callpact.governance.audit import service as audit
from callpact.governance.dispute import service as disputes
from callpact.governance.errors import GovernanceError, NotFound, PermissionDenied
from callpact.governance.organization.permissions import POLICY
from callpact.governance.statement import service as statements
from callpact.governance.statement.rules import STEPS, StatementState, Step, step_problem

FEBRUARY = "2027-02"


def february() -> dict[str, Any]:
    """A settled month: fee 60,000.00, a 4,320.00 service credit, a 250.00 late-report
    liability and a 900.00 bonus: net -3,670.00, invoice 56,330.00."""
    return {
        "format": "callpact.statement/1",
        "contract_id": CONTRACT_ID,
        "period": FEBRUARY,
        "currency": "USD",
        "rounding": {"unit": "0.01", "mode": "half_up"},
        "fee": "60000.00",
        "net_adjustment": "-3670.00",
        "invoice_total": "56330.00",
        "lines": [
            {"line_id": "fee", "kind": "fee", "amount": "60000.00", "reason": "fixed fee"},
            {"line_id": "credit:sl-voice", "kind": "credit", "amount": "4320.00", "reason": "SL"},
            {
                "line_id": "liability:INC-0002",
                "kind": "liability",
                "amount": "250.00",
                "reason": "late",
            },
            {"line_id": "bonus:csat", "kind": "bonus", "amount": "900.00", "reason": "CSAT"},
        ],
    }


def _issued(world: World) -> statements.StatementView:
    statements.store_statement(world.session, world.client_admin, CONTRACT_ID, february(), now=T0)
    return statements.take_step(
        world.session, world.client_admin, CONTRACT_ID, FEBRUARY, Step.ISSUE, now=T0
    )


def test_one_dispute_from_opening_to_the_corrected_invoice(world: World) -> None:
    s = world.session
    issued = _issued(world)
    assert (issued.number, issued.version, issued.state) == (
        "northwind-harbor-2027-2027-02",
        1,
        "issued",
    )
    dispute = disputes.open_dispute(
        s,
        world.vendor_manager,
        CONTRACT_ID,
        statement=FEBRUARY,
        line_id="credit:sl-voice",
        reason="the carrier outage of 9 Feb should have been excluded",
        now=T0 + timedelta(days=1),
    )
    assert (
        statements.get_statement(s, world.vendor_manager, CONTRACT_ID, FEBRUARY).state == "disputed"
    )
    with pytest.raises(GovernanceError, match=r"cannot be approved|approve applies"):
        statements.take_step(s, world.client_admin, CONTRACT_ID, FEBRUARY, Step.APPROVE, now=T0)
    # the client agrees to half the credit: the invoice rises by 2,160.00
    disputes.resolve_dispute(
        s,
        world.client_admin,
        CONTRACT_ID,
        dispute.id,
        resolution="adjusted",
        note="half the outage window confirmed",
        amount_adjustment=Decimal("2160.00"),
        now=T0 + timedelta(days=3),
    )
    corrected = statements.get_statement(s, world.vendor_admin, CONTRACT_ID, FEBRUARY)
    assert (corrected.version, corrected.kind, corrected.state) == (2, "debit_note", "issued")
    assert corrected.supersedes == "northwind-harbor-2027-2027-02 v1"
    assert corrected.net_adjustment == Decimal("-1510.00")  # -3,670 + 2,160
    assert corrected.invoice_total == Decimal("58490.00")  # 56,330 + 2,160
    doc = statements.document_of(s, world.vendor_admin, CONTRACT_ID, FEBRUARY)
    [line] = [ln for ln in doc["lines"] if ln["line_id"] == f"dispute:{dispute.id}"]
    assert (line["amount"], line["origin"]) == ("2160.00", "credit:sl-voice")
    # the original still reads as it was issued, the dispute resolved on it
    original = statements.get_statement(
        s, world.vendor_admin, CONTRACT_ID, f"{corrected.number} v1"
    )
    assert (original.state, original.invoice_total) == ("issued", Decimal("56330.00"))
    # the vendor accepts the correction; the client approves and finalizes it
    statements.take_step(s, world.vendor_admin, CONTRACT_ID, FEBRUARY, Step.ACCEPT, now=T0)
    statements.take_step(s, world.client_admin, CONTRACT_ID, FEBRUARY, Step.APPROVE, now=T0)
    final = statements.take_step(
        s, world.client_admin, CONTRACT_ID, FEBRUARY, Step.FINALIZE, now=T0
    )
    assert [t.to_state for t in final.transitions] == ["issued", "approved", "final"]
    assert audit.verify(s).problems == []


def test_upheld_dispute_reverses_the_line_and_rejected_moves_nothing(world: World) -> None:
    s = world.session
    _issued(world)
    rejected = disputes.open_dispute(
        s,
        world.vendor_admin,
        CONTRACT_ID,
        statement=FEBRUARY,
        line_id="bonus:csat",
        reason="bonus too small",
        now=T0,
    )
    disputes.resolve_dispute(
        s,
        world.client_admin,
        CONTRACT_ID,
        rejected.id,
        resolution="rejected",
        note="per the tiers",
        now=T0,
    )
    assert statements.get_statement(s, world.client_admin, CONTRACT_ID, FEBRUARY).version == 1
    upheld = disputes.open_dispute(
        s,
        world.vendor_admin,
        CONTRACT_ID,
        statement=FEBRUARY,
        line_id="liability:INC-0002",
        reason="reported within 4 h",
        now=T0,
    )
    disputes.resolve_dispute(
        s,
        world.client_admin,
        CONTRACT_ID,
        upheld.id,
        resolution="upheld",
        note="the call log shows 3 h 50 min",
        now=T0,
    )
    corrected = statements.get_statement(s, world.client_admin, CONTRACT_ID, FEBRUARY)
    # the 250.00 liability is given back: invoice 56,330 + 250
    assert (corrected.kind, corrected.invoice_total) == ("debit_note", Decimal("56580.00"))


@pytest.mark.parametrize(
    ("statement", "line_id", "match"),
    [
        ("2027-03", "fee", "no statement"),
        (FEBRUARY, "credit:nonexistent", "has no line 'credit:nonexistent'"),
        ("2029-01", "fee", "no statement"),
    ],
)
def test_a_dispute_on_a_line_that_does_not_exist_is_refused(
    world: World, statement: str, line_id: str, match: str
) -> None:
    _issued(world)
    with pytest.raises(GovernanceError, match=match):
        disputes.open_dispute(
            world.session,
            world.vendor_admin,
            CONTRACT_ID,
            statement=statement,
            line_id=line_id,
            reason="x",
            now=T0,
        )


def test_a_statement_held_for_missing_data_cannot_be_issued(world: World) -> None:
    held = {**february(), "held": ["csat: no surveys delivered for 2027-02"]}
    statements.store_statement(world.session, world.client_admin, CONTRACT_ID, held, now=T0)
    with pytest.raises(GovernanceError) as refused:
        statements.take_step(
            world.session, world.client_admin, CONTRACT_ID, FEBRUARY, Step.ISSUE, now=T0
        )
    assert refused.value.code == "statement.held"
    assert "csat: no surveys delivered for 2027-02" in refused.value.message
    # the data arrives, the month is settled again: the new draft can be issued
    statements.store_statement(
        world.session, world.client_admin, CONTRACT_ID, {**february(), "held": []}, now=T0
    )
    issued = statements.take_step(
        world.session, world.client_admin, CONTRACT_ID, FEBRUARY, Step.ISSUE, now=T0
    )
    assert issued.state == "issued"


def test_a_statement_outside_the_term_is_not_stored(world: World) -> None:
    outside = {**february(), "period": "2029-01"}
    with pytest.raises(GovernanceError, match="outside the contract's term"):
        statements.store_statement(world.session, world.client_admin, CONTRACT_ID, outside, now=T0)


def test_a_draft_cannot_be_disputed_and_a_final_one_is_corrected_not_resettled(
    world: World,
) -> None:
    s = world.session
    statements.store_statement(s, world.client_admin, CONTRACT_ID, february(), now=T0)
    with pytest.raises(GovernanceError, match="is draft"):
        disputes.open_dispute(
            s,
            world.vendor_admin,
            CONTRACT_ID,
            statement=FEBRUARY,
            line_id="fee",
            reason="x",
            now=T0,
        )
    # settling the month again while it is a draft replaces it with a new version
    again = statements.store_statement(s, world.client_admin, CONTRACT_ID, february(), now=T0)
    assert again.version == 2
    for step, who in [
        (Step.ISSUE, world.client_admin),
        (Step.ACCEPT, world.vendor_admin),
        (Step.APPROVE, world.client_admin),
        (Step.FINALIZE, world.client_admin),
    ]:
        statements.take_step(s, who, CONTRACT_ID, FEBRUARY, step, now=T0)
    with pytest.raises(GovernanceError, match="correct it"):
        statements.store_statement(s, world.client_admin, CONTRACT_ID, february(), now=T0)
    credit_note = statements.correct(
        s,
        world.client_admin,
        CONTRACT_ID,
        FEBRUARY,
        {**february(), "invoice_total": "56000.00", "net_adjustment": "-4000.00"},
        reason="SL recomputed after the outage was accepted",
        now=T0,
    )
    assert (credit_note.kind, credit_note.version, credit_note.state) == (
        "credit_note",
        3,
        "issued",
    )


def test_approval_waits_for_the_vendor_or_the_dispute_window(world: World) -> None:
    s = world.session
    _issued(world)
    with pytest.raises(GovernanceError, match="sets no dispute window"):
        statements.take_step(s, world.client_admin, CONTRACT_ID, FEBRUARY, Step.APPROVE, now=T0)


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("state", list(StatementState))
def test_step_state_matrix(step: Step, state: StatementState) -> None:
    allowed = {
        Step.ISSUE: {StatementState.DRAFT},
        Step.ACCEPT: {StatementState.ISSUED},
        Step.APPROVE: {StatementState.ISSUED},
        Step.FINALIZE: {StatementState.APPROVED},
    }[step]
    assert (step_problem(step, state) is None) is (state in allowed)


@pytest.mark.parametrize("step", list(Step))
def test_each_step_is_refused_to_every_role_but_its_own(world: World, step: Step) -> None:
    s = world.session
    statements.store_statement(s, world.client_admin, CONTRACT_ID, february(), now=T0)
    holders = POLICY[STEPS[step].action]
    for actor in (
        world.client_admin,
        world.client_viewer,
        world.vendor_admin,
        world.vendor_manager,
        world.auditor,
        world.stranger,
    ):
        if actor.role in holders and actor is not world.stranger:
            continue
        with pytest.raises(PermissionDenied):
            statements.take_step(s, actor, CONTRACT_ID, FEBRUARY, step, now=T0)


def test_other_organization_sees_no_statement(world: World) -> None:
    _issued(world)
    with pytest.raises(PermissionDenied):
        statements.get_statement(world.session, world.stranger, CONTRACT_ID, FEBRUARY)
    with pytest.raises(NotFound):
        statements.get_statement(world.session, world.client_admin, CONTRACT_ID, "2027-05")
    # a viewer reads but takes no step
    with pytest.raises(PermissionDenied):
        statements.take_step(
            world.session, world.client_viewer, CONTRACT_ID, FEBRUARY, Step.APPROVE, now=T0
        )
