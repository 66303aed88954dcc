"""dated issuer settings; certificate serial counters per serial scope

The issuing body, signer, symbol and serial pattern become data the admin keeps, dated, so
a paper keeps the issuer in force when it was issued. Serial counters were kept per unit and
year (serials "215/2026/0001" carried a district code that no longer exists); they are now
kept per scope, the serial with everything but its number filled in, so two bodies or two
patterns whose serials could coincide share a counter. Existing counters keep their numbers
under the scope of the serials they made.

Revision ID: d18b2f3c4d51
Revises: d18a1e2b3c40
Create Date: 2026-12-07 11:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d18b2f3c4d51"
down_revision = "d18a1e2b3c40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "issuer_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("body_lines", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("serial_pattern", sa.String(length=80), nullable=False),
        sa.Column("certifying_title", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_issuer_setting_created_by_id_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_issuer_setting_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_setting")),
        sa.UniqueConstraint("unit_id", "valid_from", name=op.f("uq_issuer_setting_unit_id")),
    )
    op.create_table(
        "certificate_serial_counter",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_certificate_serial_counter")),
    )
    op.execute(
        "INSERT INTO certificate_serial_counter (scope, last) "
        "SELECT unit.code || '/' || CAST(serial_counter.year AS VARCHAR(4)) || '/{number:04d}', serial_counter.last "
        "FROM serial_counter JOIN unit ON unit.id = serial_counter.unit_id"
    )
    op.drop_table("serial_counter")


def downgrade():
    op.create_table(
        "serial_counter",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_serial_counter_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "year", name=op.f("pk_serial_counter")),
    )
    # counters of the new scopes have no unit to go back to; they are dropped
    op.drop_table("certificate_serial_counter")
    op.drop_table("issuer_setting")
