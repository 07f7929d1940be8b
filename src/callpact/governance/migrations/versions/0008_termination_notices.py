"""Termination notices: the client's use of a termination right, with its effective day.

The table starts empty, so the upgrade writes no audit entry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.database import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "termination_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_pk", sa.Integer(), nullable=False),
        sa.Column("ground", sa.String(20), nullable=False),
        sa.Column("statement_month", sa.String(7), nullable=True),
        sa.Column("kpi_ids", sa.Text(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(320), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_pk"],
            ["governed_contracts.id"],
            name="fk_termination_notices_contract_pk_governed_contracts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_termination_notices"),
    )
    op.create_index("ix_termination_notices_contract_pk", "termination_notices", ["contract_pk"])


def downgrade() -> None:
    op.drop_table("termination_notices")
