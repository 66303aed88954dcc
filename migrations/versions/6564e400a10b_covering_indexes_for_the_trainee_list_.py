"""covering indexes for the trainee list and its search

The list pages in name order (name_key) and searches anywhere in the folded name, which no
index can seek; carrying the folded name and the commune in the indexes lets a search scan an
index instead of the table (bench/scale.py: a search at 50,000 trainees).

Revision ID: 6564e400a10b
Revises: e6934c803769
Create Date: 2026-11-22 18:49:51.722124

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6564e400a10b"
down_revision = "e6934c803769"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("trainee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trainee_name_folded"))
        batch_op.drop_index(batch_op.f("ix_trainee_name_key"))
        batch_op.create_index("ix_trainee_name_order", ["name_key", "id", "name_folded", "commune_id"], unique=False)
        batch_op.create_index("ix_trainee_name_search", ["name_folded", "commune_id"], unique=False)


def downgrade():
    with op.batch_alter_table("trainee", schema=None) as batch_op:
        batch_op.drop_index("ix_trainee_name_search")
        batch_op.drop_index("ix_trainee_name_order")
        batch_op.create_index(batch_op.f("ix_trainee_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_trainee_name_folded"), ["name_folded"], unique=False)
