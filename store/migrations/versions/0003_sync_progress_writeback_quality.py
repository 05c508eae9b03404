"""sync progress, write-back state and data-quality reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    op.create_table(
        "writeback_state",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("written_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "entity", "external_id", name=op.f("pk_writeback_state")),
    )
    op.create_table(
        "quality_reports",
        sa.Column("id", _PK, autoincrement=True, nullable=False),
        sa.Column("sync_run_id", _PK, nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sync_run_id"], ["sync_runs.id"], name=op.f("fk_quality_reports_sync_run_id_sync_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_reports")),
    )
    with op.batch_alter_table("quality_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_reports_sync_run_id"), ["sync_run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_reports_sync_run_id"))
    op.drop_table("quality_reports")
    op.drop_table("writeback_state")
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("progress")
