"""Outage decisions: the client's acceptance or rejection of an outage the vendor declared.

The table starts empty, so the upgrade writes no audit entry.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.database import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outage_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_pk", sa.Integer(), nullable=False),
        sa.Column("outage_ref", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_pk"],
            ["governed_contracts.id"],
            name="fk_outage_decisions_contract_pk_governed_contracts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outage_decisions"),
        sa.UniqueConstraint("contract_pk", "outage_ref", name="uq_outage_decisions_contract_pk"),
    )
    op.create_index("ix_outage_decisions_contract_pk", "outage_decisions", ["contract_pk"])


def downgrade() -> None:
    op.drop_table("outage_decisions")
