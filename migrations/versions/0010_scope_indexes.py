"""scope indexes: trigram and composite indexes for the oversight lists

Revision ID: 0010_scope_indexes
Revises: 0005_study
"""

from alembic import op

revision = "0010_scope_indexes"
down_revision = "0009_check_attempts"
branch_labels = None
depends_on = None

TRIGRAM = (
    ("ix_users_name_trgm", "users", "name"),
    ("ix_users_mobile_trgm", "users", "mobile"),
    ("ix_users_id_number_masked_trgm", "users", "id_number_masked"),
    ("ix_training_classes_name_trgm", "training_classes", "name"),
    ("ix_courses_title_trgm", "courses", "title"),
)
PLAIN = (
    ("ix_study_sessions_learner_id_started_at", "study_sessions", ["learner_id", "started_at"]),
    ("ix_study_sessions_class_id_learner_id", "study_sessions", ["class_id", "learner_id"]),
    ("ix_face_checks_learner_id_status", "face_checks", ["learner_id", "status"]),
    ("ix_training_classes_start_date", "training_classes", ["start_date"]),
)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM:
        if postgres:
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
        else:
            op.create_index(name, table, [column])
    for name, table, columns in PLAIN:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(PLAIN):
        op.drop_index(name, table_name=table)
    for name, table, _column in reversed(TRIGRAM):
        op.drop_index(name, table_name=table)
