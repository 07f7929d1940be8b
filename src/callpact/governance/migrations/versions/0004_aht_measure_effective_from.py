"""An AHT measure remembers the day the amendment that adds it to the annex takes effect.

Every measure stored so far is left in the plan from the start (``effective_from`` null), so the
upgrade writes no value and needs no audit entry: ``audit verify`` reads the column as null in
the entries written before it. The next ``governance register`` of the annex dates those an
amendment adds, logged as it does so. The downgrade drops the column; a measure with a date there
loses it, and each such loss is logged under the actor ``system: schema migration 0004`` (its
state before, and after over the columns left), so a database downgraded and upgraded again still
verifies intact.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.audit.service import log_column_drop

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns_0003() -> list[sa.Column[object]]:
    """The columns of ``aht_measures`` as revision 0003 has them (fresh: a column belongs to
    one table)."""
    return [
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
    ]


def upgrade() -> None:
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_from", sa.Date(), nullable=True))


def downgrade() -> None:
    measures = sa.Table(
        "aht_measures", sa.MetaData(), *_columns_0003(), sa.Column("effective_from", sa.Date())
    )
    log_column_drop(
        op.get_bind(), measures, "effective_from", revision=revision, action="drop_effective_from"
    )
    with op.batch_alter_table("aht_measures", schema=None) as batch_op:
        batch_op.drop_column("effective_from")
