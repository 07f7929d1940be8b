"""Organizations and users: create them, and name the operator who administers them.

Creating organizations and users is administration of the database itself: the operator who
runs ``callpact org add`` / ``callpact user add`` holds the database, so it is logged under the
actor :data:`OPERATOR`, never under a party's e-mail. A party's own actions are taken as a
signed-in user (:mod:`callpact.governance.identity`).
"""

from __future__ import annotations

import os
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.errors import GovernanceError, NotFound
from callpact.governance.identity.rules import password_problem
from callpact.governance.organization.models import (
    ROLES_BY_KIND,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from callpact.governance.organization.permissions import Actor

OPERATOR = "system:operator"
CHEAP_HASH_ENV = "CALLPACT_CHEAP_PASSWORD_HASH"


def password_hasher() -> PasswordHasher:
    """argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane); cheap parameters only when
    tests ask for them through ``CALLPACT_CHEAP_PASSWORD_HASH=1`` (never in production)."""
    if os.environ.get(CHEAP_HASH_ENV) == "1":
        return cheap_password_hasher()
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def cheap_password_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)


def add_organization(session: Session, name: str, kind: str, *, now: datetime) -> Organization:
    try:
        org_kind = OrganizationKind(kind)
    except ValueError:
        raise GovernanceError(f"organization kind must be client or vendor, not {kind!r}") from None
    if session.scalars(select(Organization).where(Organization.name == name)).first():
        raise GovernanceError(f"an organization named {name!r} already exists")
    organization = Organization(name=name, kind=org_kind.value, created_at=now)
    session.add(organization)
    audit.record(session, actor=OPERATOR, at=now, entity=organization, action="create", before=None)
    return organization


def organization_by_name(session: Session, name: str) -> Organization:
    organization = session.scalars(select(Organization).where(Organization.name == name)).first()
    if organization is None:
        raise NotFound(f"no organization named {name!r} (add it with `callpact org add`)")
    return organization


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    organization: str,
    role: str,
    password: str,
    now: datetime,
    hasher: PasswordHasher | None = None,
) -> User:
    """Add a user to an organization with a role that kind of organization may hold."""
    org = organization_by_name(session, organization)
    try:
        user_role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise GovernanceError(f"unknown role {role!r}; roles: {roles}") from None
    kind = OrganizationKind(org.kind)
    if user_role not in ROLES_BY_KIND[kind]:
        allowed = ", ".join(sorted(r.value for r in ROLES_BY_KIND[kind]))
        raise GovernanceError(
            f"a {kind.value} organization's user cannot be {user_role.value}; allowed: {allowed}"
        )
    email = email.strip().lower()
    if "@" not in email:
        raise GovernanceError(f"not an e-mail address: {email!r}")
    if session.scalars(select(User).where(User.email == email)).first():
        raise GovernanceError(f"a user {email} already exists")
    problem = password_problem(password, email)
    if problem is not None:
        raise GovernanceError(problem, code="password.policy", field="password")
    user = User(
        email=email,
        name=name,
        organization_id=org.id,
        role=user_role.value,
        password_hash=(hasher or password_hasher()).hash(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    audit.record(session, actor=OPERATOR, at=now, entity=user, action="create", before=None)
    return user


def actor_for(session: Session, email: str) -> Actor:
    """The user with this e-mail as an actor, for the operator's own scripted history
    (``governance seed``); a party acting for itself signs in instead."""
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user {email!r} (add one with `callpact user add`)", field="email")
    if not user.active:
        raise GovernanceError(f"the user {email} is deactivated")
    return Actor.from_user(user)


def operator_for(session: Session, organization: str) -> Actor:
    """The deployment's operator doing a setup step on ``organization``'s behalf (registering
    its contract): permitted as that organization's admin, audited as :data:`OPERATOR`."""
    org = organization_by_name(session, organization)
    kind = OrganizationKind(org.kind)
    role = Role.CLIENT_ADMIN if kind is OrganizationKind.CLIENT else Role.VENDOR_ADMIN
    return Actor(
        user_id=0,
        email=OPERATOR,
        organization_id=org.id,
        organization_name=org.name,
        side=kind,
        role=role,
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))
