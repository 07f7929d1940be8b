"""Organizations and their users."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callpact.governance.database import Base, UtcDateTime


class OrganizationKind(StrEnum):
    CLIENT = "client"
    VENDOR = "vendor"


class Role(StrEnum):
    """What a user may do, within the contracts of the organization they belong to."""

    CLIENT_ADMIN = "client_admin"
    CLIENT_VIEWER = "client_viewer"
    VENDOR_ADMIN = "vendor_admin"
    VENDOR_MANAGER = "vendor_manager"
    AUDITOR = "auditor"


# Roles open to each kind of organization; an auditor may sit on either side.
ROLES_BY_KIND: dict[OrganizationKind, frozenset[Role]] = {
    OrganizationKind.CLIENT: frozenset({Role.CLIENT_ADMIN, Role.CLIENT_VIEWER, Role.AUDITOR}),
    OrganizationKind.VENDOR: frozenset({Role.VENDOR_ADMIN, Role.VENDOR_MANAGER, Role.AUDITOR}),
}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    users: Mapped[list[User]] = relationship(back_populates="organization")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")
