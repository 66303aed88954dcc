"""report stamp per unit: a change in one district leaves the other districts' kept figures

The single row (id 1) becomes the row of scope 0, the changes that may touch every unit; each
managing unit gets its own row with its first change. The province report is put together
from the districts' figures, so a check-in in one district rebuilds only that district's
(training/reports/cache.py).

Revision ID: 5b8d0e2f4a17
Revises: 9a7e1c3b5d21
Create Date: 2026-11-23 00:20:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b8d0e2f4a17"
down_revision = "9a7e1c3b5d21"
branch_labels = None
depends_on = None


def upgrade():
    # The stamp's value means nothing once changed (random, compared for equality only), so
    # the table is made afresh rather than altered.
    op.drop_table("report_stamp")
    stamp = op.create_table(
        "report_stamp",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_report_stamp")),
    )
    op.bulk_insert(stamp, [{"scope": 0, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("report_stamp")
    stamp = op.create_table(
        "report_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_stamp")),
    )
    op.bulk_insert(stamp, [{"id": 1, "version": secrets.randbits(62)}])
