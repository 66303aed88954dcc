"""drop the indexes that the unique indexes already cover

attendance (session_id), enrolment (course_id) and certificate (serial) each had an index of
their own beside a unique index that starts with the same column, which serves the same
lookups. Each was one more index to write at every check-in, enrolment and certificate.

Revision ID: c4e7a2d91f30
Revises: 5b8d0e2f4a17
Create Date: 2026-11-23 06:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e7a2d91f30"
down_revision = "5b8d0e2f4a17"
branch_labels = None
depends_on = None

COVERED = (("attendance", "session_id"), ("enrolment", "course_id"), ("certificate", "serial"))


def upgrade():
    for table, column in COVERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def downgrade():
    for table, column in COVERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
