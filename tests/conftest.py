"""Shared fixtures: one app per run, schema made by ``flask db upgrade``, each test isolated.

``DATABASE_URL``/``REDIS_URL`` select PostgreSQL and Redis; unset, the suite uses a temporary
SQLite file and the in-process store. Under ``CI=true`` both must be set and reachable.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from skilltrace.crypto import new_key_b64

pytest_plugins = ["study_fixtures"]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = Path(
    os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces")
)
TEST_PASSWORD = "correct-horse-42"


def numeral(n: int) -> str:
    """``n`` in Chinese digits (12 → 一二): a real name carries letters only."""
    return "".join("零一二三四五六七八九"[int(d)] for d in str(n))


IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    if IN_CI and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise pytest.UsageError("CI=true needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis)")
    if IN_CI:
        _require_broker(os.environ.get("CELERY_BROKER_URL", ""))


def _require_broker(url: str) -> None:
    """Under CI the face checks run on real Celery workers: RabbitMQ must answer."""
    if not url:
        raise pytest.UsageError("CI=true needs CELERY_BROKER_URL (RabbitMQ)")
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001 - any failure to connect fails the run
        raise pytest.UsageError(f"CI=true: RabbitMQ at {url} is unreachable: {error}") from None


def reset_schema(db) -> None:
    """Drop everything, then build the schema with the migrations."""
    import flask_migrate

    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    flask_migrate.upgrade(revision="head")


class FreshContextClient(FlaskClient):
    """Runs each request as a server does: outside the test's context, so Flask pushes the
    request's own app context and ends it (its ``g``, its database session) before a streamed
    body is read. The test keeps its own context and session for assertions. ``with client:``
    (Flask's context preservation) runs in the test's context, in an app context of its own."""

    def open(self, *args, **kwargs):
        if self.preserve_context:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        server = contextvars.Context()
        response = server.run(super().open, *args, **kwargs)
        if response.is_streamed:
            server.run(response.make_sequence)  # read as a server reads it: after the request
        return response


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    from skilltrace import create_app
    from skilltrace.extensions import db

    tmp = tmp_path_factory.mktemp("skilltrace")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "STATE_KEY_PREFIX": f"st-test-{uuid.uuid4().hex[:8]}:",
            "MEDIA_ROOT": str(tmp / "media"),
            "SECRET_KEY": "test-secret-key",
            "SKILLTRACE_DATA_KEY": new_key_b64(),
            "SERVER_NAME": "localhost",
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        reset_schema(db)
    yield app
    with app.app_context():
        from skilltrace.state import current_state

        current_state().delete_prefix("")
        db.engine.dispose()


def truncate_all(db) -> None:
    from sqlalchemy.exc import OperationalError

    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        for attempt in range(3):  # a face worker may still be applying a verdict: deadlock
            try:
                db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                break
            except OperationalError:
                db.session.rollback()
                if attempt == 2:
                    raise
    else:
        for name in reversed(tables):
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def app(_app):
    """The app inside an app context; every table and the state store are emptied after."""
    from skilltrace.extensions import db
    from skilltrace.security import rate_limiter
    from skilltrace.state import current_state
    from skilltrace.tasks import celery_app
    from skilltrace.tasks import init_app as bind_tasks

    if celery_app.flask_app is not _app:  # a test built another app: tasks are ours again
        bind_tasks(_app)
    with _app.app_context():
        yield _app
        db.session.rollback()
        truncate_all(db)
        current_state().delete_prefix("")
        rate_limiter().storage.reset()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role, **fields)`` creates an account with TEST_PASSWORD."""
    from skilltrace.identity.codes import id_check_digit
    from skilltrace.identity.models import Role
    from skilltrace.identity.services import NewAccount, account_service

    counter = {"n": 0}

    def make(role: str = "learner", provider=None, scope: str = "61", name: str | None = None):
        counter["n"] += 1
        n = counter["n"]
        mobile = f"139{n:08d}"
        first17 = f"61010219900101{n:03d}"
        id_number = first17 + id_check_digit(first17)
        service = account_service()
        if role == Role.LEARNER:
            return service.register_learner(
                NewAccount(name or f"学员{numeral(n)}", id_number, mobile, TEST_PASSWORD, True)
            )
        if role == Role.PROVIDER_STAFF and provider is None:
            provider = make_provider()
        return service.create_staff(
            Role(role),
            name or f"职员{numeral(n)}",
            mobile,
            TEST_PASSWORD,
            provider=provider,
            region_scope=scope,
        )

    def make_provider(city: str = "6101", name: str | None = None):
        from skilltrace.identity.codes import credit_check_char

        counter["n"] += 1
        first17 = f"91{city}00MA6U{counter['n']:05d}"
        return account_service().create_provider(
            name or f"培训机构{counter['n']}", first17 + credit_check_char(first17), city
        )

    make.provider = make_provider
    return make


def _csrf_token(client) -> str:
    return client.get("/api/v1/auth/csrf").get_json()["csrf_token"]


def _login(client, user, password: str = TEST_PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", json={"login": user.mobile, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


@pytest.fixture
def password() -> str:
    """The password of every account ``make_user`` creates."""
    return TEST_PASSWORD


@pytest.fixture
def csrf_token():
    """``csrf_token(client)``: a CSRF token bound to the client's session."""
    return _csrf_token


@pytest.fixture
def login():
    """``login(client, user)``: log in through the JSON API; returns the CSRF token."""
    return _login


@pytest.fixture
def shared_faces() -> Path:
    if not SHARED_FACES.is_dir():
        pytest.fail(f"shared face photos not found at {SHARED_FACES}")
    return SHARED_FACES
