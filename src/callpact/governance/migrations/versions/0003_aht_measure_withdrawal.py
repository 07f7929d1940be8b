"""An AHT measure remembers the day an amendment withdrew it from the annex.

Every measure stored so far is left in the plan (``withdrawn_on`` null); the next
``governance register`` of the annex withdraws those its newest versions no longer list.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_on")
