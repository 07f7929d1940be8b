"""The error codes are a closed, documented list; the permission rule holds for every action ×
role × own/other organization."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callpact.governance.contract.models import GovernedContract
from callpact.governance.errors import ERROR_CODES, GovernanceError, PermissionDenied
from callpact.governance.organization.models import (
    ROLES_BY_KIND,
    Organization,
    OrganizationKind,
    Role,
)
from callpact.governance.organization.permissions import POLICY, Action, Actor, require

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_in_the_source_is_listed_and_documented() -> None:
    used = {
        m.group(1)
        for path in (ROOT / "src" / "callpact").rglob("*.py")
        for m in re.finditer(r'code="([a-z_.]+)"', path.read_text(encoding="utf-8"))
    }
    assert used <= set(ERROR_CODES), used - set(ERROR_CODES)
    docs = (ROOT / "docs" / "governance.md").read_text(encoding="utf-8")
    assert [c for c in ERROR_CODES if f"`{c}`" not in docs] == []


def test_an_unlisted_code_is_refused() -> None:
    with pytest.raises(ValueError, match="undocumented"):
        GovernanceError("x", code="made.up")
    error = GovernanceError("bad month", field="month")
    assert (error.code, error.field, str(error)) == ("governance.refused", "month", "bad month")


CLIENT_ORG, VENDOR_ORG, OTHER_ORG = 1, 2, 3
CONTRACT = GovernedContract(
    id=1,
    contract_id="c-1",
    client_org_id=CLIENT_ORG,
    vendor_org_id=VENDOR_ORG,
    client=Organization(id=CLIENT_ORG, name="Client", kind="client"),
    vendor=Organization(id=VENDOR_ORG, name="Vendor", kind="vendor"),
)


def _actor(role: Role, organization_id: int) -> Actor:
    side = OrganizationKind.CLIENT if role.value.startswith("client") else OrganizationKind.VENDOR
    return Actor(1, "someone@example.org", organization_id, f"org {organization_id}", side, role)


CASES = [
    (action, role, org)
    for action in Action
    for role in Role
    for org in (CLIENT_ORG, VENDOR_ORG, OTHER_ORG)
    # a role sits only in an organization of a kind that may hold it (auditors on either side)
    if (org == CLIENT_ORG and role in ROLES_BY_KIND[OrganizationKind.CLIENT])
    or (org == VENDOR_ORG and role in ROLES_BY_KIND[OrganizationKind.VENDOR])
    or org == OTHER_ORG
]


@pytest.mark.parametrize(("action", "role", "org"), CASES)
def test_permission_matrix(action: Action, role: Role, org: int) -> None:
    actor = _actor(role, org)
    allowed = org != OTHER_ORG and role in POLICY[action]
    if allowed:
        side = require(actor, CONTRACT, action)
        assert side is (OrganizationKind.CLIENT if org == CLIENT_ORG else OrganizationKind.VENDOR)
    else:
        with pytest.raises(PermissionDenied) as refused:
            require(actor, CONTRACT, action)
        assert refused.value.code == "permission_denied"
        reason = "not a party" if org == OTHER_ORG else f"the role {role.value} may not"
        assert reason in str(refused.value)
