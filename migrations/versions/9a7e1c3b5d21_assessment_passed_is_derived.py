"""assessment.passed is derived from the score and the programme's pass mark

The course pins its programme's version, so the pass mark a score is judged against never
changes: Assessment.passed is now a property instead of a stored copy that could disagree.

Revision ID: 9a7e1c3b5d21
Revises: 3f1c2a9d7b40
Create Date: 2026-11-22 21:25:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a7e1c3b5d21"
down_revision = "3f1c2a9d7b40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("passed")


def downgrade():
    # Filled with false, then left to the next recorded score: the pass marks live in the
    # programme files, which a migration does not read.
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passed", sa.Boolean(), server_default=sa.false(), nullable=False))
