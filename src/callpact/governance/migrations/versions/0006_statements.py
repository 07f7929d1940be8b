"""Statements as records: each stored version of a month's settlement and its lifecycle, and
disputes that name a stored statement's line.

The new tables start empty and the new dispute column is null for every dispute so far (they
named a month and a free-text line), so the upgrade writes no audit entry; ``audit verify``
reads the column as null in the entries written before it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callpact.governance.database import DecimalText, UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_pk", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("number", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("net_adjustment", DecimalText(), nullable=False),
        sa.Column("invoice_total", DecimalText(), nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.Column("vendor_reviewed_by", sa.String(320), nullable=True),
        sa.Column("vendor_reviewed_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_pk"],
            ["governed_contracts.id"],
            name="fk_statements_contract_pk_governed_contracts",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["statements.id"], name="fk_statements_supersedes_id_statements"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
        sa.UniqueConstraint("number", "version", name="uq_statements_number_version"),
    )
    op.create_index("ix_statements_contract_pk", "statements", ["contract_pk"])
    op.create_table(
        "statement_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name="fk_statement_transitions_statement_id_statements",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_statement_transitions"),
    )
    op.create_index(
        "ix_statement_transitions_statement_id", "statement_transitions", ["statement_id"]
    )
    with op.batch_alter_table("disputes") as batch:
        batch.add_column(sa.Column("statement_id", sa.Integer(), nullable=True))
        batch.create_index("ix_disputes_statement_id", ["statement_id"])


def downgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.drop_index("ix_disputes_statement_id")
        batch.drop_column("statement_id")
    op.drop_table("statement_transitions")
    op.drop_table("statements")
