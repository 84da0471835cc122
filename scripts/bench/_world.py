"""Shared set-up of the study benchmarks: a clean ``st_bench`` schema, the app, a classroom.

A *world* is the app built with ``create_app`` against PostgreSQL (``DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/st_bench``) and Redis (``REDIS_URL``, default
``redis://127.0.0.1:6379/7``), a fresh schema made by the migrations, a private key prefix in
Redis, a temporary MEDIA_ROOT and fresh keys. Closing it drops what it made: the schema is
emptied, the Redis keys under its prefix deleted, the media folder removed.

The database name must contain ``bench`` (the schema is dropped twice per run), and only one
benchmark may use it at a time (a PostgreSQL advisory lock says so).
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
for _folder in ("platform", "tests"):  # tests/media_fixtures.py: photos as webcam frames
    if str(REPO_ROOT / _folder) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT / _folder))

SHARED_FACES = Path(
    os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces")
)
ENROLL_PHOTO = SHARED_FACES / "people" / "obama" / "obama.jpg"
CHECK_PHOTO = SHARED_FACES / "people" / "obama" / "obama1.jpg"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/st_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
PASSWORD = "bench-horse-42"
LOCK_KEY = 0x5354_BE4C  # advisory lock: one benchmark at a time on the bench database


class BenchError(Exception):
    """The benchmark cannot run (missing service, photo, wrong database...)."""


def fail(message: str) -> None:
    """Print why the benchmark cannot run and exit non-zero."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of a list of timings."""
    if not samples:
        raise BenchError("no samples")
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} (1/5 min) on {os.cpu_count()} CPUs"


def bench_urls() -> tuple[str, str]:
    """The database and Redis URLs, refusing a database not meant for benchmarks."""
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgresql"):
        raise BenchError(f"DATABASE_URL must be PostgreSQL, got {parts.scheme!r}")
    if "bench" not in name:
        raise BenchError(
            f"refusing database {name!r}: the benchmarks drop its schema; use one whose name "
            "contains 'bench' (default st_bench)"
        )
    return database_url, redis_url


def lesson_video(target: Path, seconds: int) -> Path:
    """A tiny VP8 WebM lesson (64x48, 1 fps) of ``seconds`` seconds."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"VP80"), 1, (64, 48))
    if not writer.isOpened():
        raise BenchError("OpenCV cannot write VP8 WebM here")
    for i in range(seconds):
        frame = np.full((48, 64, 3), 235, np.uint8)
        x = int(i / seconds * 60)
        frame[20:28, x : x + 4] = (80, 110, 10)
        writer.write(frame)
    writer.release()
    return target


def check_frames(seed: int, count: int = 3, photo: Path = CHECK_PHOTO) -> list[bytes]:
    """A fresh burst of 640x480 JPEG webcam frames of ``photo`` (each shifted a few pixels,
    never two by the same shift, plus sensor noise), as the tests make them."""
    from media_fixtures import jpeg_frames

    return jpeg_frames(photo, count, seed)


@dataclass
class Room:
    """What the study benchmarks study in, as ids (usable in any app context)."""

    lesson_id: int
    lesson_duration_s: float
    class_id: int
    learners: list[tuple[int, str]]  # (user id, mobile)


class World:
    """The app on the bench database and Redis, with a clean schema; a context manager."""

    def __init__(self, **overrides):
        if not SHARED_FACES.is_dir() or not ENROLL_PHOTO.is_file() or not CHECK_PHOTO.is_file():
            raise BenchError(f"shared face photos not found under {SHARED_FACES}")
        from skilltrace.crypto import new_key_b64

        self.database_url, self.redis_url = bench_urls()
        self.media_root = Path(tempfile.mkdtemp(prefix="st-bench-media-"))
        self.settings = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "STATE_KEY_PREFIX": f"st-bench-{uuid.uuid4().hex[:8]}:",
            "MEDIA_ROOT": str(self.media_root),
            "SECRET_KEY": new_key_b64(),
            "SKILLTRACE_DATA_KEY": new_key_b64(),
            # The bench learners answer with jittered frames of one still photo: match only,
            # no replay memory (it would refuse the photo from its second showing on).
            "FACE_CHALLENGE": "none",
            "FACE_REPLAY_MEMORY": False,
            **overrides,
        }
        self.app = None
        self._lock_conn = None
        self._state_reached = self._schema_made = False

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> World:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        import psycopg
        from sqlalchemy.exc import OperationalError

        from skilltrace import create_app

        dsn = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        try:
            self._lock_conn = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise BenchError(
                f"cannot connect to {dsn} ({error}); create it with "
                "psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE st_bench'"
            ) from None
        got = self._lock_conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
        if not got[0]:
            self._lock_conn.close()
            self._lock_conn = None
            raise BenchError("another benchmark is using the bench database; run one at a time")
        self.app = create_app(self.settings)
        self.app.test_client_class = _fresh_context_client()
        if self.app.extensions["skilltrace.state"].__class__.__name__ != "RedisState":
            raise BenchError("REDIS_URL is empty: the study benchmarks need Redis")
        with self.app.app_context():
            try:
                self.state().ping()
            except Exception as error:
                raise BenchError(f"Redis at {self.redis_url} is not reachable: {error}") from None
            self._state_reached = self._schema_made = True
            try:
                self._reset_schema()
            except OperationalError as error:
                raise BenchError(f"database error: {error}") from None

    def close(self) -> None:
        if self.app is not None:
            from skilltrace.extensions import db

            with self.app.app_context():
                db.session.remove()
                try:
                    if self._schema_made:
                        self._empty_schema()
                finally:
                    if self._state_reached:
                        try:
                            self.state().delete_prefix("")
                        except Exception as error:  # report it, keep cleaning up
                            print(f"warning: Redis keys not deleted: {error}", file=sys.stderr)
                    db.engine.dispose()
            self.app = None
        if self._lock_conn is not None:
            self._lock_conn.close()
            self._lock_conn = None
        shutil.rmtree(self.media_root, ignore_errors=True)

    def _empty_schema(self) -> None:
        from sqlalchemy import text

        from skilltrace.extensions import db

        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))

    def _reset_schema(self) -> None:
        import logging

        import flask_migrate

        self._empty_schema()
        logging.disable(logging.INFO)  # alembic's per-revision lines
        try:
            flask_migrate.upgrade(revision="head")
        finally:
            logging.disable(logging.NOTSET)

    def state(self):
        from skilltrace.state import current_state

        return current_state()

    def env(self, **extra) -> dict[str, str]:
        """Environment for a server process running ``create_app()`` on this world."""
        values = {**self.settings, **extra}
        return {**os.environ, **{k: str(v) for k, v in values.items()}}

    # -- content ---------------------------------------------------------------------------
    def classroom(self, learners: int, lesson_seconds: int) -> Room:
        """An approved course with one lesson of ``lesson_seconds``, a class open today and
        ``learners`` learners who joined it and enrolled the same real photo (from the second
        on, the enrollment is held as a possible duplicate identity and a regulator approves
        it, as for twins)."""
        from sqlalchemy import select

        from skilltrace.courses.classes import class_service, local_today
        from skilltrace.courses.services import CourseData, course_service
        from skilltrace.extensions import db
        from skilltrace.faces.models import FaceReviewCase
        from skilltrace.faces.review import review_service
        from skilltrace.faces.services import enrollment_service
        from skilltrace.identity.codes import credit_check_char, id_check_digit
        from skilltrace.identity.models import Role
        from skilltrace.identity.services import NewAccount, account_service

        photo = ENROLL_PHOTO.read_bytes()
        video = lesson_video(self.media_root / "bench-lesson.webm", lesson_seconds)
        with self.app.app_context():
            accounts = account_service()
            first17 = "916101" + "00MA6U" + "00001"
            provider = accounts.create_provider(
                "基准培训机构", first17 + credit_check_char(first17), "6101"
            )
            staff = accounts.create_staff(
                Role.PROVIDER_STAFF, "基准职员", "13700000001", PASSWORD, provider=provider
            )
            regulator = accounts.create_staff(
                Role.REGULATOR, "基准监管", "13700000002", PASSWORD, region_scope="61"
            )
            courses = course_service()
            course = courses.create_course(staff, CourseData("电工安全", "电工", "5", "基准", "1"))
            with video.open("rb") as stream:
                courses.add_lesson(staff, course, "第1课", io.BytesIO(stream.read()), "l1.webm")
            video.unlink()
            courses.submit(staff, course)
            courses.decide(regulator, course, True, "同意")
            classes = class_service()
            today = local_today()
            class_ = classes.open_class(
                staff,
                course,
                "基准班",
                today,
                today + timedelta(days=30),
                max(30, learners),
                today=today,
            )
            classes.decide(regulator, class_, True, today=today)
            made = []
            for n in range(1, learners + 1):
                first17 = f"61010219900101{n:03d}"
                mobile = f"139{n:08d}"
                learner = accounts.register_learner(
                    NewAccount(
                        "学员" + "".join("零一二三四五六七八九"[int(d)] for d in str(n)),
                        first17 + id_check_digit(first17),
                        mobile,
                        PASSWORD,
                        True,
                    )
                )
                classes.join(learner, class_.code)
                enrollment = enrollment_service().enroll(learner, photo)
                if enrollment.status == "duplicate_identity_review":
                    case = db.session.scalar(
                        select(FaceReviewCase).where(FaceReviewCase.enrollment_id == enrollment.id)
                    )
                    review_service().decide(case.id, regulator, True, "基准：不同的人")
                    db.session.refresh(enrollment)
                if enrollment.status != "active":
                    raise BenchError(f"enrollment of learner {n} is {enrollment.status}")
                made.append((learner.id, mobile))
            lesson = course.lessons[0]
            return Room(lesson.id, float(lesson.duration_s), class_.id, made)

    def warm_up_faces(self) -> None:
        """Load the face models and run one burst, so no timed request pays for them."""
        from skilltrace.faces.services import face_engine

        with self.app.app_context():
            engine = face_engine()
            engine.warm_up()
            template = engine.analyze_image(ENROLL_PHOTO.read_bytes()).encoding
            verdict = engine.verify_burst(template, check_frames(10_000))
            if not verdict.passed:
                raise BenchError(f"warm-up burst did not pass: {verdict.reason}")


class Learner:
    """One learner driving the study API through a test client (in-process)."""

    def __init__(self, world: World, user_id: int, mobile: str, lesson_id: int):
        self.client = world.app.test_client()
        self.user_id, self.mobile, self.lesson_id = user_id, mobile, lesson_id
        response = self.client.post(
            "/api/v1/auth/login", json={"login": mobile, "password": PASSWORD}
        )
        if response.status_code != 200:
            raise BenchError(f"login failed: {response.status_code} {response.get_json()}")
        self.csrf = response.get_json()["csrf_token"]
        self.session_id: int | None = None
        self.seed = user_id * 1_000_000

    def post(self, path: str, expect: int = 200, **kwargs):
        response = self.client.post(path, headers={"X-CSRFToken": self.csrf}, **kwargs)
        if response.status_code != expect:
            raise BenchError(
                f"POST {path}: {response.status_code} {response.get_data(as_text=True)}"
            )
        return response.get_json()

    def start(self, take_over: bool = False) -> dict:
        body = self.post(
            "/api/v1/study/sessions",
            expect=201,
            json={"lesson_id": self.lesson_id, "take_over": take_over},
        )
        self.session_id = body["session_id"]
        return body

    def answer(self, check: dict, frames: list[bytes] | None = None) -> dict:
        if frames is None:
            self.seed += 1
            frames = check_frames(self.seed)
        data = {
            "nonce": check["nonce"],
            "frames": [(io.BytesIO(f), f"f{i}.jpg") for i, f in enumerate(frames)],
        }
        return self.post(
            f"/api/v1/study/sessions/{self.session_id}/checks/{check['id']}",
            data=data,
            content_type="multipart/form-data",
        )

    def beat(self, position: float, playing: bool = True) -> dict:
        return self.post(
            f"/api/v1/study/sessions/{self.session_id}/heartbeats",
            json={"position": position, "playing": playing, "playback_rate": 1.0, "visible": True},
        )

    def end(self) -> dict:
        return self.post(f"/api/v1/study/sessions/{self.session_id}/end", json={})


def _fresh_context_client():
    """A test client running each request in its own app context, as a server does."""
    from flask.testing import FlaskClient

    class FreshContextClient(FlaskClient):
        def open(self, *args, **kwargs):
            with self.application.app_context():
                return super().open(*args, **kwargs)

    return FreshContextClient
