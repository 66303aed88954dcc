"""a random key a phone remembers its trainee by; a self-scan kept beside a trainer's mark

trainee.device_key replaces the row id in the phone's cookie: SQLite gives an erased
trainee's id to the next one added, and a phone remembering it would check in a stranger.
attendance.self_scan_at keeps the time of a QR self-scan that met a mark the trainer set by
hand (absent, excused): the mark stands, and the trainer may accept the scan.

Revision ID: d17a3c5e9b01
Revises: d7f3a1c9e520
Create Date: 2026-12-07 11:00:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d17a3c5e9b01"
down_revision = "d7f3a1c9e520"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("trainee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_key", sa.String(length=32), nullable=True))
    trainee = sa.table("trainee", sa.column("id", sa.Integer), sa.column("device_key", sa.String))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(trainee.c.id))]
    if ids:
        connection.execute(
            trainee.update().where(trainee.c.id == sa.bindparam("tid")).values(device_key=sa.bindparam("key")),
            [{"tid": i, "key": secrets.token_urlsafe(16)} for i in ids],
        )
    with op.batch_alter_table("trainee", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_trainee_device_key"), ["device_key"])
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_scan_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("self_scan_at")
    with op.batch_alter_table("trainee", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_trainee_device_key"), type_="unique")
        batch_op.drop_column("device_key")
