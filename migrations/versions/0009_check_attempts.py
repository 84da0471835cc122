"""check attempts (accept, verify on a face worker, apply once) and the liveness challenge

Revision ID: 0009_check_attempts
Revises: 0005_study
Create Date: 2026-11-30 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_check_attempts"
down_revision = "0007_appeals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("face_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("challenge", sa.String(length=16), nullable=True))
    op.create_table(
        "check_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("distances_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"], ["face_checks.id"], name=op.f("fk_check_attempts_check_id_face_checks")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_check_attempts_learner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_check_attempts_session_id_study_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_attempts")),
        sa.UniqueConstraint("check_id", "attempt_no", name=op.f("uq_check_attempts_check_id")),
    )
    with op.batch_alter_table("check_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_attempts_check_id"), ["check_id"])
        batch_op.create_index(batch_op.f("ix_check_attempts_learner_id"), ["learner_id"])
        batch_op.create_index(batch_op.f("ix_check_attempts_status"), ["status"])


def downgrade():
    op.drop_table("check_attempts")
    with op.batch_alter_table("face_checks", schema=None) as batch_op:
        batch_op.drop_column("challenge")
