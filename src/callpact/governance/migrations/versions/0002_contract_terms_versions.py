"""Every version of a contract's governance terms: the base annex and each amendment.

Each contract already registered gets its stored terms as its first version, effective from the
terms' start date; ``governed_contracts.terms_json`` stays as the first version's terms. Every
version row the migration writes (and every one its downgrade drops) is appended to the audit
trail under the actor ``system: schema migration 0002``, so ``audit verify`` reads the upgrade
as the logged change it is, not as rows inserted behind the trail's back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from callpact.governance.audit.service import append, migration_actor, row_state

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
    _log_every_version(terms_versions, action="add_terms")


def _log_every_version(terms_versions: sa.Table, *, action: str) -> None:
    """One audit entry per version row, ``add_terms`` (after: the row) as the upgrade writes it
    or ``remove_terms`` (before: the row) as the downgrade drops it."""
    connection = op.get_bind()
    at = datetime.now(UTC)
    stored = connection.execute(sa.select(terms_versions).order_by(terms_versions.c.id))
    for row in stored.mappings().all():
        state = row_state(terms_versions, dict(row))
        added = action == "add_terms"
        append(
            connection,
            at=at,
            actor=migration_actor(revision),
            entity_type=terms_versions.name,
            entity_id=str(row["id"]),
            action=action,
            before=None if added else state,
            after=state if added else None,
        )


def downgrade() -> None:
    _log_every_version(
        sa.Table(
            "governed_contract_terms",
            sa.MetaData(),
            sa.Column("id", sa.Integer()),
            sa.Column("contract_pk", sa.Integer()),
            sa.Column("effective_from", sa.Date()),
            sa.Column("terms_json", sa.JSON()),
        ),
        action="remove_terms",
    )
    with op.batch_alter_table("governed_contract_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governed_contract_terms_contract_pk"))

    op.drop_table("governed_contract_terms")
