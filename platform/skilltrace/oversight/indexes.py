"""Indexes the oversight lists need on other domains' tables (no tables of its own).

Trigram (pg_trgm) GIN indexes let ``ILIKE '%part%'`` searches of names, mobiles, masked ID
numbers, class names and course titles use an index on PostgreSQL; on SQLite they are plain
indexes. Migration 0010_scope_indexes creates them.
"""

from __future__ import annotations

from sqlalchemy import Index

from skilltrace.courses.models import Course, TrainingClass
from skilltrace.identity.models import User
from skilltrace.study.models import FaceCheck, StudySession


def _trigram(name: str, column) -> Index:
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column.name: "gin_trgm_ops"},
    )


TRIGRAM_INDEXES = (
    _trigram("ix_users_name_trgm", User.__table__.c.name),
    _trigram("ix_users_mobile_trgm", User.__table__.c.mobile),
    _trigram("ix_users_id_number_masked_trgm", User.__table__.c.id_number_masked),
    _trigram("ix_training_classes_name_trgm", TrainingClass.__table__.c.name),
    _trigram("ix_courses_title_trgm", Course.__table__.c.title),
)
PLAIN_INDEXES = (
    Index(
        "ix_study_sessions_learner_id_started_at",
        StudySession.__table__.c.learner_id,
        StudySession.__table__.c.started_at,
    ),
    Index(
        "ix_study_sessions_class_id_learner_id",
        StudySession.__table__.c.class_id,
        StudySession.__table__.c.learner_id,
    ),
    Index("ix_face_checks_learner_id_status", FaceCheck.__table__.c.learner_id, FaceCheck.status),
    Index("ix_training_classes_start_date", TrainingClass.__table__.c.start_date),
)
