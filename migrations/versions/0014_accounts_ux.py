"""accounts: a password reset by an administrator or regulator must be replaced at next login

Revision ID: 0014_accounts_ux
Revises: 0005_study
Create Date: 2026-11-30 04:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0014_accounts_ux"
down_revision = "0013_oversight"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
