"""study sessions: when the last credit a heartbeat left to a job was written

Revision ID: 0016_deferred_credit
Revises: 0015_claim_payee
Create Date: 2026-11-30 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0016_deferred_credit"
down_revision = "0015_claim_payee"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("study_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferred_credit_stamp", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("study_sessions", schema=None) as batch_op:
        batch_op.drop_column("deferred_credit_stamp")
