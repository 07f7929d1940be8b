"""An AHT measure remembers the day an amendment withdrew it from the annex.

Every measure stored so far is left in the plan (``withdrawn_on`` null); the next
``governance register`` of the annex withdraws those its newest versions no longer list. The
downgrade drops the column; each withdrawal it loses is logged under the actor ``system: schema
migration 0003``, so a database downgraded and upgraded again still verifies intact.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.audit.service import log_column_drop

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # the columns of ``aht_measures`` as this revision has them
    measures = sa.Table(
        "aht_measures",
        sa.MetaData(),
        sa.Column("id", sa.Integer()),
        sa.Column("contract_pk", sa.Integer()),
        sa.Column("measure_ref", sa.String()),
        sa.Column("what", sa.Text()),
        sa.Column("owner", sa.String()),
        sa.Column("due_on", sa.Date()),
        sa.Column("expected_s", sa.Integer()),
        sa.Column("status", sa.String()),
        sa.Column("completed_on", sa.Date()),
        sa.Column("withdrawn_on", sa.Date()),
    )
    log_column_drop(
        op.get_bind(), measures, "withdrawn_on", revision=revision, action="drop_withdrawn_on"
    )
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_on")
