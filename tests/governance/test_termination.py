"""`notice terminate`: the client uses a termination right of the annex, effective the annex's
notice days after the notice's local day; a chronic-breach termination needs a stored statement
that shows the right."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from governance_world import T0, World

from callpact.governance.annex import terms_from_annex
from callpact.governance.errors import GovernanceError, PermissionDenied
from callpact.governance.notice import service as notices
from callpact.governance.statement import service as statements

CID = "northwind-harbor-2027"


def _statement(period: str, rights: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "callpact.statement/1",
        "contract_id": CID,
        "period": period,
        "currency": "USD",
        "rounding": {"unit": "0.01", "mode": "half_up"},
        "fee": "60000.00",
        "net_adjustment": "0.00",
        "invoice_total": "60000.00",
        "lines": [{"line_id": "fee", "kind": "fee", "amount": "60000.00", "reason": "fee"}],
        "termination": {"right": bool(rights), "rights": rights},
    }


def _annex(**contract: Any) -> dict[str, Any]:
    return {"contract": {"id": CID, "term": {"start": "2027-01-01"}, **contract}}


def test_the_annex_rights_and_their_notice_days() -> None:
    annex = _annex(
        termination={
            "for_convenience_notice_days": 90,
            "chronic_breach": {"consecutive_months": 3, "notice_days": 30},
        }
    )
    assert terms_from_annex(annex).termination_notice_days == {
        "convenience": 90,
        "chronic_breach": 30,
    }
    # chronic breach without its own notice days: the convenience period; neither: at once
    only_chronic = _annex(termination={"chronic_breach": {"consecutive_months": 2}})
    assert terms_from_annex(only_chronic).termination_notice_days == {"chronic_breach": 0}
    assert terms_from_annex(_annex()).termination_notice_days == {}


def test_termination_for_convenience_is_effective_after_the_notice_days(world: World) -> None:
    # 23:30 in Chicago on 31 March is 1 April in UTC: the notice's day is 31 March
    evening = datetime(2027, 4, 1, 4, 30, tzinfo=UTC)
    notice = notices.terminate(
        world.session, world.client_admin, CID, ground="convenience", now=evening
    )
    assert (notice.notice_days, notice.effective_on) == (30, date(2027, 4, 30))
    found = notices.termination_of(world.session, world.vendor_admin, CID)
    assert found is not None
    assert found.issued_by == world.client_admin.email
    with pytest.raises(GovernanceError, match="already terminated"):
        notices.terminate(world.session, world.client_admin, CID, ground="convenience", now=T0)


def test_a_chronic_breach_termination_needs_a_statement_showing_the_right(world: World) -> None:
    with pytest.raises(GovernanceError, match="no stored statement") as refused:
        notices.terminate(world.session, world.client_admin, CID, ground="chronic_breach", now=T0)
    assert refused.value.field == "ground"
    statements.store_statement(
        world.session, world.client_admin, CID, _statement("2027-02", []), now=T0
    )
    right = {"kpi_id": "sl-voice", "triggered_in": "2027-03", "rule": "3 consecutive months"}
    statements.store_statement(
        world.session, world.client_admin, CID, _statement("2027-03", [right]), now=T0
    )
    april = datetime(2027, 4, 5, 15, tzinfo=UTC)
    notice = notices.terminate(
        world.session, world.client_admin, CID, ground="chronic_breach", now=april
    )
    assert (notice.statement_month, notice.kpi_ids, notice.effective_on) == (
        "2027-03",
        "sl-voice",
        date(2027, 5, 5),
    )


@pytest.mark.parametrize("who", ["vendor_admin", "vendor_manager", "client_viewer", "auditor"])
def test_only_the_clients_admin_terminates(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        notices.terminate(world.session, getattr(world, who), CID, ground="convenience", now=T0)


def test_an_unknown_ground_is_refused(world: World) -> None:
    with pytest.raises(GovernanceError) as refused:
        notices.terminate(world.session, world.client_admin, CID, ground="boredom", now=T0)
    assert refused.value.field == "ground"
