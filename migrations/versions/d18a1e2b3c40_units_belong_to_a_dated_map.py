"""units belong to a dated map, identified by map and code

Official codes are reused between the pre-2025 three-level map and the two-level map of
1/7/2025 (7246 was Xã Canh Nậu and is now Xã Xuân Lương), so a code alone no longer names a
unit. Every unit loaded so far came from the pre-2025 list and goes on that map. A unit whose
people were moved to another (by the conversion to the new map, or a merge) records it.

Revision ID: d18a1e2b3c40
Revises: d17a3c5e9b01
Create Date: 2026-12-07 11:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d18a1e2b3c40"
down_revision = "d17a3c5e9b01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("map", sa.String(length=10), nullable=False, server_default="pre2025"))
        batch_op.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.alter_column("map", server_default=None)
        batch_op.drop_constraint(batch_op.f("uq_unit_code"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_unit_map"), ["map", "code"])
        batch_op.create_index(batch_op.f("ix_unit_successor_id"), ["successor_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_unit_successor_id_unit"), "unit", ["successor_id"], ["id"])


def downgrade():
    # Only a database still on one map can go back: codes must be unique again.
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_unit_successor_id_unit"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_unit_successor_id"))
        batch_op.drop_constraint(batch_op.f("uq_unit_map"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_unit_code"), ["code"])
        batch_op.drop_column("successor_id")
        batch_op.drop_column("map")
