"""Killed workers strand no learner: a face worker SIGKILLed mid-check has its attempt verified
by another (crediting exactly once), and a web worker SIGKILLed while holding a session's lock
does not keep the learner's next request waiting for the lock's TTL.

Both run real processes (``celery worker``, ``gunicorn``) against the test's PostgreSQL, Redis
and RabbitMQ, so they need ``DATABASE_URL``, ``REDIS_URL`` and ``CELERY_BROKER_URL``.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from media_fixtures import jpeg_frames
from skilltrace.extensions import db
from skilltrace.study.models import AttemptStatus, CheckAttempt
from skilltrace.traces.models import TraceEvent

BIN = Path(sys.executable).parent
needs_services = pytest.mark.skipif(
    not (
        os.environ.get("DATABASE_URL", "").startswith("postgresql")
        and os.environ.get("REDIS_URL")
        and os.environ.get("CELERY_BROKER_URL")
    ),
    reason="needs PostgreSQL, Redis and RabbitMQ (CI has them)",
)


@pytest.fixture
def study(app, classroom, login):
    """The study driver on the real clock (the servers started here have no other)."""
    from study_fixtures import StudyDriver

    client = app.test_client()
    return StudyDriver(client, login(client, classroom.learner), None, classroom)


def server_env(app) -> dict:
    """The environment of a server process sharing the test app's database, store and keys."""
    keys = (
        "DATABASE_URL",
        "REDIS_URL",
        "STATE_KEY_PREFIX",
        "MEDIA_ROOT",
        "SECRET_KEY",
        "SKILLTRACE_DATA_KEY",
        "CELERY_BROKER_URL",
        "FACE_CHALLENGE",
        "FACE_REPLAY_MEMORY",
    )
    return {**os.environ, **{key: str(app.config[key]) for key in keys}}


def big_frames(study, count=5):
    """Large genuine frames (the check takes long enough to be caught mid-way)."""
    from PIL import Image

    frames = []
    for frame in jpeg_frames(study.room.photos / "obama/obama1.jpg", count, 99):
        image = Image.open(io.BytesIO(frame)).resize((1440, 1080))  # the largest 4:3 frame accepted
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        frames.append(out.getvalue())
    return frames


def post_frames(client, study, check, frames):
    files = [("frames", (f"f{i}.jpg", frame, "image/jpeg")) for i, frame in enumerate(frames)]
    return client.post(
        f"/api/v1/study/sessions/{study.session_id}/checks/{check['id']}",
        data={"nonce": check["nonce"]},
        files=files,
        headers={"X-CSRFToken": study.csrf},
    )


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def start_face_worker(app, name: str, pool: list[str]) -> tuple[subprocess.Popen, Path]:
    """A ``celery worker`` on the faces queue with ``pool`` options, logging to a file; the
    process and its log (wait for ``ready.`` in it)."""
    from skilltrace.tasks import FACE_QUEUE

    log = Path(app.config["MEDIA_ROOT"]).parent / f"{name}-worker.log"
    worker = subprocess.Popen(
        [BIN / "celery", "-A", "skilltrace.tasks:worker_app", "worker", *pool]
        + ["-Q", FACE_QUEUE, "-l", "INFO", "-n", f"{name}-{os.getpid()}@%h"],
        env={**server_env(app), "FACE_CHALLENGE": "none"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return worker, log


@needs_services
def test_a_face_worker_killed_mid_check_is_replaced_and_credits_once(
    study, app, face_worker, monkeypatch
):
    from skilltrace.tasks import FACE_QUEUE

    monkeypatch.setitem(app.config, "FACE_CHECK_ANSWER_WAIT_S", 0)
    control = face_worker.app.control
    mine = [face_worker.hostname]
    control.cancel_consumer(FACE_QUEUE, destination=mine, reply=True)  # only the doomed one
    worker, log = start_face_worker(app, "doomed", ["-P", "solo"])
    try:
        wait_for(lambda: b"ready." in log.read_bytes(), 90, "the worker to start")
        started = study.start().get_json()
        check = started["check"]
        accepted = study.post_answer(check, frames=big_frames(study))
        assert accepted.status_code == 202, accepted.get_json()
        # The worker verifies the faces, takes the session lock and opens the transaction
        # applying the verdict; a SHARE lock on the attempts table holds it there.
        blocker = db.engine.connect()
        blocker.execute(text("LOCK TABLE check_attempts IN SHARE MODE"))
        attempt_id = accepted.get_json()["attempt_id"]
        lock_key = f"lock:study:session:{study.session_id}"
        from skilltrace.state import current_state

        wait_for(lambda: current_state().get(lock_key), 60, "the worker to apply the verdict")
        time.sleep(0.3)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        blocker.rollback()
        blocker.close()
        db.session.expire_all()
        pending = db.session.get(CheckAttempt, attempt_id).status
        assert pending == AttemptStatus.PENDING, "the worker finished before it was killed"
        control.add_consumer(FACE_QUEUE, destination=mine, reply=True)  # another one takes over
        result = study.verdict(study.client.get(accepted.get_json()["poll"]), timeout=60)
        assert result.status_code == 200 and result.get_json()["passed"], str(result.get_json())
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        control.add_consumer(FACE_QUEUE, destination=mine, reply=True)
    db.session.expire_all()
    passed = db.session.scalar(
        select(func.count())
        .select_from(TraceEvent)
        .where(TraceEvent.learner_id == study.room.learner.id, TraceEvent.kind == "check_passed")
    )
    assert passed == 1
    assert db.session.get(CheckAttempt, attempt_id).status == AttemptStatus.PASSED


@needs_services
def test_a_prefork_worker_verifies_checks_in_its_children(study, app, face_worker):
    """compose.yaml's face workers are prefork (``-c <cores>``): the parent forks its children
    and each loads the models itself; none may die of what the parent loaded."""
    from skilltrace.tasks import FACE_QUEUE

    control = face_worker.app.control
    mine = [face_worker.hostname]
    control.cancel_consumer(FACE_QUEUE, destination=mine, reply=True)  # only the prefork one
    pool = ["-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle"]
    worker, log = start_face_worker(app, "prefork", pool)
    try:
        wait_for(lambda: b"ready." in log.read_bytes(), 90, "the worker to start")
        check = study.start().get_json()["check"]
        frames = jpeg_frames(study.room.photos / "obama/obama1.jpg", 3, 7)
        accepted = study.post_answer(check, frames=frames)
        assert accepted.status_code in (200, 202), accepted.get_json()
        result = study.verdict(accepted, timeout=90)
        assert result.status_code == 200 and result.get_json()["passed"], str(result.get_json())
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        control.add_consumer(FACE_QUEUE, destination=mine, reply=True)
    output = log.read_text(errors="replace")
    assert "exited with" not in output and "terminate called" not in output, output[-2000:]


@needs_services
def test_a_burst_that_keeps_killing_its_worker_is_failed_not_redelivered_forever(
    study, app, face_worker, monkeypatch
):
    """A task is given back to the broker when its worker dies; a burst that kills every
    worker it reaches (a crash in native image code) would loop through the pool forever.
    After three runs that never finished it is failed unverified, and the pool goes on."""
    from skilltrace.state import current_state
    from skilltrace.study.verifying import MAX_UNFINISHED_RUNS
    from skilltrace.tasks import FACE_QUEUE

    monkeypatch.setitem(app.config, "FACE_CHECK_ANSWER_WAIT_S", 0)
    control = face_worker.app.control
    mine = [face_worker.hostname]
    control.cancel_consumer(FACE_QUEUE, destination=mine, reply=True)  # only the prefork one
    pool = ["-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle"]
    worker, log = start_face_worker(app, "poisoned", pool)
    blocker = db.engine.connect()
    try:
        wait_for(lambda: b"ready." in log.read_bytes(), 90, "the worker to start")
        check = study.start().get_json()["check"]
        accepted = study.post_answer(check, frames=big_frames(study))
        assert accepted.status_code == 202, accepted.get_json()
        # Each run verifies the faces, takes the session lock and stops at the verdict's
        # UPDATE (the SHARE lock): there it is killed, as a poisoned burst would kill it.
        blocker.execute(text("LOCK TABLE check_attempts IN SHARE MODE"))
        lock_key = f"lock:study:session:{study.session_id}"
        killed: list[int] = []

        def next_holder() -> int | None:
            holder = current_state().get(lock_key)
            pid = int(holder.split(":")[1]) if holder else None
            return pid if pid not in killed else None

        for run in range(MAX_UNFINISHED_RUNS):
            wait_for(next_holder, 90, f"run {run + 1} to reach the verdict")
            pid = next_holder()
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        blocker.rollback()
        result = study.verdict(study.client.get(accepted.get_json()["poll"]), timeout=90)
        body = result.get_json()
        assert result.status_code == 200 and not body["passed"], body
        assert body["reason"] == "answer_unverifiable" and body["check"]["id"] == check["id"]
        frames = jpeg_frames(study.room.photos / "obama/obama1.jpg", 3, 11)
        again = study.post_answer(check, frames=frames)
        assert study.verdict(again, timeout=90).get_json()["passed"]  # the pool works on
    finally:
        blocker.close()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        control.add_consumer(FACE_QUEUE, destination=mine, reply=True)
    db.session.expire_all()
    statuses = db.session.scalars(
        select(CheckAttempt.status).where(CheckAttempt.check_id == check["id"])
    ).all()
    assert sorted(statuses) == [AttemptStatus.FAILED, AttemptStatus.PASSED]
    assert log.read_text(errors="replace").count("SIGKILL") >= MAX_UNFINISHED_RUNS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_services
def test_a_web_worker_killed_holding_the_session_lock_does_not_strand_the_learner(
    study, app, password
):
    from skilltrace.state import current_state

    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120"]
        + ["skilltrace:create_app()"],
        env={**server_env(app), "FACE_CHALLENGE": "none"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=60)
        wait_for(lambda: _up(client), 90, "gunicorn")
        login = client.post(
            "/api/v1/auth/login", json={"login": study.room.learner.mobile, "password": password}
        )
        assert login.status_code == 200, login.text
        study.csrf = login.json()["csrf_token"]
        started = client.post(
            "/api/v1/study/sessions",
            json={"lesson_id": study.room.lesson.id},
            headers={"X-CSRFToken": study.csrf},
        )
        assert started.status_code == 201, started.text
        study.session_id = started.json()["session_id"]
        check = started.json()["check"]
        blocker = db.engine.connect()  # stalls the answer inside its session lock
        blocker.execute(text("LOCK TABLE check_attempts IN ACCESS EXCLUSIVE MODE"))
        lock_key = f"lock:study:session:{study.session_id}"
        threading.Thread(
            target=lambda: _quietly(post_frames, client, study, check, big_frames(study, 3)),
            daemon=True,
        ).start()
        wait_for(lambda: current_state().get(lock_key), 30, "the answer to take the lock")
        holder_pid = int(current_state().get(lock_key).split(":")[1])
        os.kill(holder_pid, signal.SIGKILL)
        blocker.rollback()
        blocker.close()
        retry = httpx.Client(base_url=base, timeout=60, cookies=client.cookies)
        began = time.monotonic()
        answered = post_frames(retry, study, check, big_frames(study, 3))
        took = time.monotonic() - began
        assert answered.status_code in (200, 202), answered.text
        assert took < 10  # not the 409 "busy" after waiting for the lock, nor its TTL
        body = answered.json()
        while answered.status_code == 202:
            time.sleep(0.2)
            answered = retry.get(body["poll"])
            body = answered.json()
        assert body["passed"], body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def _up(client) -> bool:
    try:
        return client.get("/api/v1/auth/csrf").status_code == 200
    except httpx.HTTPError:
        return False


def _quietly(fn, *args):
    with contextlib.suppress(httpx.HTTPError):  # its worker was killed
        fn(*args)


@pytest.mark.parametrize(
    "pool, forks",
    [
        ("prefork", True),
        ("solo", False),
        ("threads", False),
        ("celery.concurrency.prefork:TaskPool", True),
        ("celery.concurrency.solo:TaskPool", False),
    ],
)
def test_a_worker_loads_face_models_itself_only_if_it_does_not_fork(pool, forks):
    from celery.concurrency import get_implementation

    from skilltrace.tasks import forks_children

    assert forks_children(pool) is forks
    assert forks_children(get_implementation(pool)) is forks
