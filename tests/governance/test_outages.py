"""Declared outages: the client decides each one once; only its admin may; a rejection says
why; the export is the file settlement reads."""

from __future__ import annotations

import pytest
from governance_world import T0, World

from callpact.governance.audit import service as audit
from callpact.governance.errors import GovernanceError, PermissionDenied
from callpact.governance.outage import service as outages

CID = "northwind-harbor-2027"


def test_decisions_are_recorded_once_and_exported(world: World) -> None:
    outages.decide_outage(world.session, world.client_admin, CID, "O-1", accept=True, now=T0)
    outages.decide_outage(
        world.session, world.client_admin, CID, "O-2", accept=False, note="no trace", now=T0
    )
    with pytest.raises(GovernanceError) as twice:
        outages.decide_outage(world.session, world.client_admin, CID, "O-1", accept=False,
                              note="changed my mind", now=T0)  # fmt: skip
    assert (twice.value.code, twice.value.field) == ("outage.decided", "outage_id")
    exported = outages.export_outage_decisions(world.session, world.vendor_admin, CID)
    assert exported["format"] == "callpact.outage-decisions/1"
    assert exported["accepted"] == ["O-1"]
    assert [(d["outage_ref"], d["decision"]) for d in exported["decisions"]] == [
        ("O-1", "accepted"),
        ("O-2", "rejected"),
    ]
    world.session.flush()
    assert audit.verify(world.session).ok


def test_a_rejection_needs_a_reason(world: World) -> None:
    with pytest.raises(GovernanceError) as refused:
        outages.decide_outage(world.session, world.client_admin, CID, "O-1", accept=False, now=T0)
    assert refused.value.field == "note"


@pytest.mark.parametrize("who", ["vendor_admin", "vendor_manager", "client_viewer", "auditor"])
def test_only_the_clients_admin_decides(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        outages.decide_outage(world.session, getattr(world, who), CID, "O-1", accept=True, now=T0)
    with pytest.raises(GovernanceError):
        outages.list_outage_decisions(world.session, world.stranger, CID)
