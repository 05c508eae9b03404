"""indexes for the API's hot reads: a customer's newest alerts, customers sorted by name

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 18:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_customer_id_id", ["customer_id", "id"], unique=False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_name_id", ["name", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_name_id")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_customer_id_id")
