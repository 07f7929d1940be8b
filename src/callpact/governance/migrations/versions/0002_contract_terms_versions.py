"""Every version of a contract's governance terms: the base annex and each amendment.

Each contract already registered gets its stored terms as its first version, effective from the
terms' start date; ``governed_contracts.terms_json`` stays as the first version's terms.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    terms_versions = op.create_table(
        "governed_contract_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_pk", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("terms_json", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_pk"],
            ["governed_contracts.id"],
            name=op.f("fk_governed_contract_terms_contract_pk_governed_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governed_contract_terms")),
        sa.UniqueConstraint(
            "contract_pk",
            "effective_from",
            name=op.f("uq_governed_contract_terms_contract_pk"),
        ),
    )
    with op.batch_alter_table("governed_contract_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governed_contract_terms_contract_pk"), ["contract_pk"], unique=False
        )

    # The terms stored so far become each contract's first version.
    contracts = sa.table(
        "governed_contracts",
        sa.column("id", sa.Integer()),
        sa.column("terms_json", sa.JSON()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(contracts.c.id, contracts.c.terms_json)).all()
    if rows:
        op.bulk_insert(
            terms_versions,
            [
                {
                    "contract_pk": contract_pk,
                    "effective_from": date.fromisoformat(terms["start"]),
                    "terms_json": terms,
                }
                for contract_pk, terms in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("governed_contract_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governed_contract_terms_contract_pk"))

    op.drop_table("governed_contract_terms")
