"""enrolment keeps the commune its trainee belonged to when enrolled

Reports count a trainee in the commune of their enrolment, so moving a trainee later, or
converting units to the 2025 map, leaves the figures of past periods as they were. Existing
enrolments take their trainee's commune of today: the closest record there is.

Revision ID: 5b1e0c7d2a94
Revises: 26c8fe3e72c7
Create Date: 2026-12-07 14:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1e0c7d2a94"
down_revision = "26c8fe3e72c7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE enrolment SET commune_id = "
        "(SELECT trainee.commune_id FROM trainee WHERE trainee.id = enrolment.trainee_id)"
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_enrolment_commune_id"), ["commune_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_enrolment_commune_id_unit"), "unit", ["commune_id"], ["id"])


def downgrade():
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_enrolment_commune_id_unit"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_enrolment_commune_id"))
        batch_op.drop_column("commune_id")
