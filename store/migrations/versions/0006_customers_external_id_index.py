"""index for the API's customer list sorted by external id

The list's keyset order for ``orderBy: {field: EXTERNAL_ID}`` is ``(external_id, id)``; without an
index in that order every page sorts the whole customers table (the ``(source, external_id)``
unique constraint leads with source, so it cannot serve the order).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_external_id_id", ["external_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_external_id_id")
