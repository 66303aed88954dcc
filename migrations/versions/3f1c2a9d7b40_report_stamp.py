"""report stamp: when the figures a report counts last changed

One row whose version takes a new random value in every transaction that changes courses,
sessions, enrolments, attendance, results, certificates, trainees or units; each process keeps
the reports it built until the version moves (training/reports/cache.py).

Revision ID: 3f1c2a9d7b40
Revises: 6564e400a10b
Create Date: 2026-11-22 20:40:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3f1c2a9d7b40"
down_revision = "6564e400a10b"
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        "report_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_stamp")),
    )
    op.bulk_insert(stamp, [{"id": 1, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("report_stamp")
