"""subsidy claims: who is paid (the provider, or an enterprise for 以工代训 / 企业新型学徒)

Revision ID: 0015_claim_payee
Revises: 0014_accounts_ux
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0015_claim_payee"
down_revision = "0014_accounts_ux"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "payee_kind", sa.String(length=16), nullable=False, server_default="provider"
            )
        )
        batch_op.add_column(sa.Column("payee_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("payee_credit_code", sa.String(length=18), nullable=True))


def downgrade():
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.drop_column("payee_credit_code")
        batch_op.drop_column("payee_name")
        batch_op.drop_column("payee_kind")
