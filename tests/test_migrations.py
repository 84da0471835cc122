"""The migrations are the schema: they match the models and go down and up again."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from skilltrace.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_upgrade_downgrade_upgrade(app):
    before = set(inspect(db.engine).get_table_names())
    assert "users" in before
    db.session.remove()
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade(revision="head")
    assert set(inspect(db.engine).get_table_names()) == before
