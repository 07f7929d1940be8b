"""Time claims: a backdated action is judged on its recording time until the other party
accepts the moment it states (on SQLite and PostgreSQL, through the services both front-ends
use)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from governance_world import T0, World, add_operator

from callpact.governance.aht_plan import service as aht
from callpact.governance.audit import service as audit
from callpact.governance.claim import service as claims
from callpact.governance.errors import GovernanceError, PermissionDenied
from callpact.governance.incident import service as incidents
from callpact.governance.removal import service as removals

CID = "northwind-harbor-2027"
DAY = timedelta(days=1)


def _late_answer(world: World) -> int:
    """A removal request at T0 (answer due in 5 days), answered on day 8 "as of day 2"."""
    add_operator(world, "A001")
    request = removals.request_removal(
        world.session, world.client_admin, CID, "A001", reason="rude to members", now=T0
    )
    removals.answer_removal(
        world.session,
        world.vendor_manager,
        CID,
        request.id,
        response="accepted",
        now=T0 + 8 * DAY,
        claimed_at=T0 + 2 * DAY,
    )
    return request.id


def _answer_state(world: World) -> str:
    [view] = removals.list_removals(world.session, world.client_viewer, CID, now=T0 + 9 * DAY)
    return view.clock.response.value


def test_a_backdated_answer_counts_when_recorded_until_the_client_accepts(world: World) -> None:
    _late_answer(world)
    assert _answer_state(world) == "late"  # recorded on day 8, due on day 5
    [claim] = claims.list_claims(world.session, world.client_viewer, CID)
    assert (claim.field, claim.claimed_at, claim.recorded_at, claim.status) == (
        "responded_at",
        T0 + 2 * DAY,
        T0 + 8 * DAY,
        "pending",
    )
    assert claim.claimed_by_side == "vendor"
    decided = claims.decide_claim(
        world.session,
        world.client_admin,
        CID,
        claim.id,
        accept=True,
        note="minutes of the call",
        now=T0 + 9 * DAY,
    )
    assert (decided.status, decided.decided_by) == ("accepted", world.client_admin.email)
    assert _answer_state(world) == "done"  # answered on day 2, as both parties now agree
    world.session.flush()
    assert audit.verify(world.session).ok
    changes = audit.history(world.session, "removal_requests", str(claim.record_id))
    assert [(e.action, e.actor) for e in changes][-1] == ("accept claim", world.client_admin.email)


def test_a_rejected_claim_leaves_the_recording_time(world: World) -> None:
    _late_answer(world)
    [claim] = claims.list_claims(world.session, world.client_admin, CID, status="pending")
    claims.decide_claim(
        world.session, world.client_admin, CID, claim.id, accept=False, now=T0 + 9 * DAY
    )
    assert _answer_state(world) == "late"
    assert [c.status for c in claims.list_claims(world.session, world.vendor_admin, CID)] == [
        "rejected"
    ]
    with pytest.raises(GovernanceError) as decided_twice:
        claims.decide_claim(
            world.session, world.client_admin, CID, claim.id, accept=True, now=T0 + 10 * DAY
        )
    assert decided_twice.value.code == "claim.decided"


@pytest.mark.parametrize("who", ["vendor_admin", "vendor_manager", "client_viewer", "auditor"])
def test_only_the_other_partys_admin_decides(world: World, who: str) -> None:
    _late_answer(world)
    [claim] = claims.list_claims(world.session, world.client_admin, CID)
    with pytest.raises(PermissionDenied):
        claims.decide_claim(
            world.session, getattr(world, who), CID, claim.id, accept=True, now=T0 + 9 * DAY
        )
    with pytest.raises(GovernanceError):  # another party's contract: not found, not shown
        claims.decide_claim(world.session, world.stranger, CID, claim.id, accept=True, now=T0)
    assert _answer_state(world) == "late"


def test_a_claim_after_the_recording_or_before_the_request_is_refused(world: World) -> None:
    cases = (("A001", T0 + 3 * DAY, "claim.in_future"), ("A002", T0 - DAY, "claim.before_record"))
    for person, claimed, code in cases:
        add_operator(world, person)
        request = removals.request_removal(
            world.session, world.client_admin, CID, person, reason="rude", now=T0
        )
        with pytest.raises(GovernanceError) as refused:
            removals.answer_removal(
                world.session,
                world.vendor_manager,
                CID,
                request.id,
                response="accepted",
                now=T0 + 2 * DAY,
                claimed_at=claimed,
            )
        assert (refused.value.code, refused.value.field) == (code, "responded_at")


def test_an_incident_reported_by_phone_is_on_time_once_the_client_accepts(world: World) -> None:
    detected = T0 + timedelta(hours=1)
    incidents.record_incident(
        world.session,
        world.vendor_manager,
        CID,
        incident_id="INC-1",
        category="legal_threat",
        severity="critical",  # to be reported within 1 hour
        occurred_at=detected,
        detected_at=detected,
        reported_at=detected + timedelta(minutes=30),  # by phone
        now=detected + timedelta(hours=3),  # recorded later
    )

    def status() -> str:
        [view] = incidents.list_incidents(world.session, world.client_admin, CID, now=T0 + DAY)
        return view.assessment.status.value

    assert status() == "late"
    [claim] = claims.list_claims(world.session, world.client_admin, CID)
    claims.decide_claim(world.session, world.client_admin, CID, claim.id, accept=True, now=T0 + DAY)
    assert status() == "on_time"


def test_an_earlier_completion_day_is_a_claim_on_the_day(world: World) -> None:
    aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    [measure, *_] = aht.list_measures(world.session, world.client_admin, CID, now=T0)
    ref = measure.measure.measure_ref
    owner = world.client_admin if measure.measure.owner != "vendor" else world.vendor_manager
    decider = world.vendor_admin if owner is world.client_admin else world.client_admin
    aht.update_status(
        world.session, owner, CID, ref, status="done", completed_on=date(2027, 1, 2), now=T0
    )
    assert measure.measure.completed_on == date(2027, 1, 4)  # T0's day in Chicago
    [claim] = claims.list_claims(world.session, decider, CID)
    claims.decide_claim(world.session, decider, CID, claim.id, accept=True, now=T0 + DAY)
    assert measure.measure.completed_on == date(2027, 1, 2)
    with pytest.raises(GovernanceError) as ahead:
        aht.update_status(
            world.session, owner, CID, ref, status="done", completed_on=date(2027, 1, 9), now=T0
        )
    assert ahead.value.code == "claim.in_future"
