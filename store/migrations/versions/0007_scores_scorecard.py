"""the scorecard that scored each customer

A config can assign customers to several scorecards (by segment, customer kind or source), each with
its own weights and bands; without the key stored next to the score nobody can tell which weights
and bands produced a customer's band. Null for customers the run could not score.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scorecard", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_column("scorecard")
