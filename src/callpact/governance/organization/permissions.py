"""Who may do what: the acting user, and the rule each governance operation checks.

Every operation names an :class:`Action`. An action is allowed when the acting user belongs to
one of the contract's two organizations *and* holds one of the roles the action lists. Reading is
open to every role of either party; changes are split along the contract's responsibilities
(the vendor runs staffing, training delivery and incident reporting; the client owns the
curriculum, approves trainers, asks for removals, issues breach notices and decides on cures).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callpact.governance.contract.models import GovernedContract
from callpact.governance.errors import PermissionDenied
from callpact.governance.organization.models import OrganizationKind, Role, User

ALL_ROLES = frozenset(Role)
VENDOR_STAFF = frozenset({Role.VENDOR_ADMIN, Role.VENDOR_MANAGER})
CLIENT_ADMIN = frozenset({Role.CLIENT_ADMIN})
ADMINS = frozenset({Role.CLIENT_ADMIN, Role.VENDOR_ADMIN})


class Action(StrEnum):
    READ = "read the contract's governance records"
    REGISTER_CONTRACT = "register a contract for governance"
    MANAGE_ROSTER = "change the program roster"
    APPROVE_STAFF = "approve a person for the program on the client's behalf"
    REQUEST_REMOVAL = "request that a person leave the program"
    ANSWER_REMOVAL = "answer a removal request"
    PUBLISH_CURRICULUM = "publish a curriculum version"
    APPROVE_TRAINER = "approve a trainer"
    SCHEDULE_TRAINING = "schedule a training session"
    ADD_OBSERVER = "add a client observer to a training session"
    RECORD_TRAINING_RESULTS = "record training attendance and exam scores"
    REPORT_INCIDENT = "record an incident"
    PLAN_AHT_MEASURE = "add a measure to the AHT plan"
    UPDATE_AHT_MEASURE = "update an AHT measure"
    SUBMIT_DOCUMENT = "submit a required document"
    ACCEPT_DOCUMENT = "accept a required document"
    ISSUE_NOTICE = "issue a breach notice"
    DECIDE_CURE = "decide on a cure period"
    TERMINATE = "give notice of termination"
    DECIDE_OUTAGE = "accept or reject a declared outage"
    OPEN_DISPUTE = "dispute a statement line"
    RESOLVE_DISPUTE = "resolve a dispute"
    ISSUE_STATEMENT = "issue a statement to the vendor for review"
    ACCEPT_STATEMENT = "accept a statement on the vendor's behalf"
    APPROVE_STATEMENT = "approve a statement"
    FINALIZE_STATEMENT = "make a statement final"
    DECIDE_CLAIM = "accept or reject the other party's time claim"
    VERIFY_AUDIT = "verify the audit trail"


POLICY: dict[Action, frozenset[Role]] = {
    Action.READ: ALL_ROLES,
    Action.REGISTER_CONTRACT: CLIENT_ADMIN,
    Action.MANAGE_ROSTER: VENDOR_STAFF,
    Action.APPROVE_STAFF: CLIENT_ADMIN,
    Action.REQUEST_REMOVAL: CLIENT_ADMIN,
    Action.ANSWER_REMOVAL: VENDOR_STAFF,
    Action.PUBLISH_CURRICULUM: CLIENT_ADMIN,
    Action.APPROVE_TRAINER: CLIENT_ADMIN,
    Action.SCHEDULE_TRAINING: VENDOR_STAFF,
    Action.ADD_OBSERVER: CLIENT_ADMIN,
    # Client trainers may deliver sessions too, so the client admin may record results.
    Action.RECORD_TRAINING_RESULTS: VENDOR_STAFF | CLIENT_ADMIN,
    # The vendor reports; the client records an incident it found that was never reported.
    Action.REPORT_INCIDENT: VENDOR_STAFF | CLIENT_ADMIN,
    Action.PLAN_AHT_MEASURE: ADMINS,
    # Further narrowed to the measure owner's side by the AHT service.
    Action.UPDATE_AHT_MEASURE: VENDOR_STAFF | CLIENT_ADMIN,
    # Further narrowed to the document owner's side by the document service.
    Action.SUBMIT_DOCUMENT: VENDOR_STAFF | CLIENT_ADMIN,
    Action.ACCEPT_DOCUMENT: CLIENT_ADMIN,
    Action.ISSUE_NOTICE: CLIENT_ADMIN,
    Action.DECIDE_CURE: CLIENT_ADMIN,
    Action.TERMINATE: CLIENT_ADMIN,
    Action.DECIDE_OUTAGE: CLIENT_ADMIN,
    Action.OPEN_DISPUTE: VENDOR_STAFF | CLIENT_ADMIN,
    # Further narrowed to the side that did not open the dispute by the dispute service.
    Action.RESOLVE_DISPUTE: ADMINS,
    Action.ISSUE_STATEMENT: CLIENT_ADMIN,
    Action.ACCEPT_STATEMENT: frozenset({Role.VENDOR_ADMIN}),
    Action.APPROVE_STATEMENT: CLIENT_ADMIN,
    Action.FINALIZE_STATEMENT: CLIENT_ADMIN,
    # Further narrowed to the side that did not make the claim by the claim service.
    Action.DECIDE_CLAIM: ADMINS,
    Action.VERIFY_AUDIT: frozenset({Role.AUDITOR, Role.CLIENT_ADMIN, Role.VENDOR_ADMIN}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The user on whose behalf a service operation runs."""

    user_id: int
    email: str
    organization_id: int
    organization_name: str
    side: OrganizationKind
    role: Role

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(
            user_id=user.id,
            email=user.email,
            organization_id=user.organization_id,
            organization_name=user.organization.name,
            side=OrganizationKind(user.organization.kind),
            role=Role(user.role),
        )

    def describe(self) -> str:
        return f"{self.email} ({self.role.value} at {self.organization_name})"


def side_in(actor: Actor, contract: GovernedContract) -> OrganizationKind | None:
    """The actor's side of this contract, or None when their organization is not a party."""
    if actor.organization_id == contract.client_org_id:
        return OrganizationKind.CLIENT
    if actor.organization_id == contract.vendor_org_id:
        return OrganizationKind.VENDOR
    return None


def require(actor: Actor, contract: GovernedContract, action: Action) -> OrganizationKind:
    """Refuse unless the actor's organization is a party to the contract and their role may act.

    Returns the actor's side of the contract.
    """
    side = side_in(actor, contract)
    if side is None:
        raise PermissionDenied(
            actor.describe(),
            f"{action.value} on contract {contract.contract_id}",
            f"{actor.organization_name} is not a party to it (client {contract.client.name}, "
            f"vendor {contract.vendor.name})",
        )
    allowed = POLICY[action]
    if actor.role not in allowed:
        roles = ", ".join(sorted(role.value for role in allowed))
        raise PermissionDenied(
            actor.describe(),
            f"{action.value} on contract {contract.contract_id}",
            f"the role {actor.role.value} may not; allowed roles: {roles}",
        )
    return side


def require_side(
    actor: Actor, contract: GovernedContract, action: Action, sides: set[OrganizationKind], why: str
) -> OrganizationKind:
    """:func:`require`, then also require the actor to be on one of ``sides``."""
    side = require(actor, contract, action)
    if side not in sides:
        raise PermissionDenied(
            actor.describe(), f"{action.value} on contract {contract.contract_id}", why
        )
    return side


def require_role(actor: Actor, action: Action) -> None:
    """For operations not tied to one contract (verifying the whole audit trail)."""
    allowed = POLICY[action]
    if actor.role not in allowed:
        roles = ", ".join(sorted(role.value for role in allowed))
        raise PermissionDenied(
            actor.describe(), action.value, f"the role {actor.role.value} may not; allowed: {roles}"
        )
