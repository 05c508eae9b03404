"""churn risk per customer per scoring run

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("churn_model_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("churn_definition", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("churn_note", sa.Text(), nullable=True))
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("churn_risk", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("churn_drivers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_column("churn_drivers")
        batch_op.drop_column("churn_risk")
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.drop_column("churn_note")
        batch_op.drop_column("churn_definition")
        batch_op.drop_column("churn_model_version")
