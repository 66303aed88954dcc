"""areas: what a trainer works in (a province, a pre-2025 district, a cụm of communes)

A trainer is given an area by the admin; a course belongs to one. A cụm limits its trainers
to its communes' trainees and its own courses. Existing trainers and courses get none: they
keep working on their whole unit, as before.

Revision ID: d18c3a4e5f62
Revises: d18b2f3c4d51
Create Date: 2026-12-07 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d18c3a4e5f62"
down_revision = "d18b2f3c4d51"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_area_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "area_commune",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_area_commune_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_area_commune_unit_id_unit")),
        sa.PrimaryKeyConstraint("area_id", "unit_id", name=op.f("pk_area_commune")),
    )
    for table in ("user", "course"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_area_id"), ["area_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_area_id_area"), "area", ["area_id"], ["id"])


def downgrade():
    for table in ("course", "user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_area_id_area"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_area_id"))
            batch_op.drop_column("area_id")
    op.drop_table("area_commune")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_unit_id"))
    op.drop_table("area")
