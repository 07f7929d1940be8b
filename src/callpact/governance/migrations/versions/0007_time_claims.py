"""Time claims: a party's stated moment beside the server's recording time.

The table starts empty: every record so far keeps the time it holds, so the upgrade writes no
audit entry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.database import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "time_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_pk", sa.Integer(), nullable=False),
        sa.Column("record_table", sa.String(60), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_ref", sa.String(200), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(320), nullable=False),
        sa.Column("claimed_by_side", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_pk"],
            ["governed_contracts.id"],
            name="fk_time_claims_contract_pk_governed_contracts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_time_claims"),
    )
    op.create_index("ix_time_claims_contract_pk", "time_claims", ["contract_pk"])


def downgrade() -> None:
    op.drop_table("time_claims")
