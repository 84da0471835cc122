"""Background work on Celery: face checks off the request path and the scheduled jobs.

This module owns the one Celery app. ``CELERY_BROKER_URL`` (RabbitMQ) set: tasks go to the
broker and run in ``celery worker`` processes; unset: they run eagerly in the calling
process (the one-command demo, SQLite tests) through the same code.

Face-check tasks are acknowledged only when done (``acks_late``) and given back to the broker
if their worker dies (``reject_on_worker_lost``), so a killed worker's check is verified by
another; applying a verdict is idempotent (see ``study.verifying``).

Scheduled jobs: a domain registers ``(callable, every_seconds)`` in its ``init_app``::

    app.extensions.setdefault("skilltrace.jobs", {})["study.sweep"] = (fn, 60)

Celery beat sends each one every so often; :func:`run_job` runs it in an app context with a
one-runner-at-a-time lock in the live-state store. ``flask jobs run NAME`` runs one by hand.

Workers: ``celery -A skilltrace.tasks:worker_app worker``; beat: ``… beat``.
"""

from __future__ import annotations

import logging
import time

import click
from celery import Celery, Task, signals
from flask import Flask, current_app
from flask.cli import AppGroup

from skilltrace.state import LockBusy, current_state, held_lock

log = logging.getLogger(__name__)

FACE_QUEUE = "faces"
JOB_QUEUE = "jobs"
VERIFY_TIME_LIMIT_S = 60  # a burst takes well under a second; a stuck one is killed


class _AppTask(Task):
    """Runs inside an app context of the Flask app the Celery app was configured by."""

    def __call__(self, *args, **kwargs):
        with self.app.flask_app.app_context():
            return super().__call__(*args, **kwargs)


celery_app = Celery("skilltrace", task_cls=_AppTask, set_as_current=False)
celery_app.flask_app = None


def init_app(app: Flask) -> None:
    """Configure the Celery app from ``app``'s settings and build the beat schedule from the
    registered jobs (call after every domain's ``init_app``)."""
    broker = app.config["CELERY_BROKER_URL"]
    jobs = app.extensions.setdefault("skilltrace.jobs", {})
    jobs.setdefault("faces.purge_snapshots", (purge_snapshots, 6 * 3600))
    celery_app.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=4,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        task_default_queue="skilltrace",
        task_routes={
            "skilltrace.verify_check": {"queue": FACE_QUEUE},
            "skilltrace.run_job": {"queue": JOB_QUEUE},
        },
        beat_schedule={
            name: {
                "task": "skilltrace.run_job",
                "schedule": float(every),
                "args": (name,),
                "options": {"expires": float(every)},
            }
            for name, (_fn, every) in jobs.items()
        },
        timezone="Asia/Shanghai",
    )
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    app.cli.add_command(jobs_cli)


def purge_snapshots() -> int:
    """Delete check snapshot files older than FACE_SNAPSHOT_RETENTION_DAYS (``flask faces
    purge``); their rows stay."""
    from skilltrace.faces.services import purge_snapshots as purge

    return purge(current_app.config["FACE_SNAPSHOT_RETENTION_DAYS"])


@signals.worker_process_init.connect
def _load_face_models(**_kwargs) -> None:
    """Load the face models once per worker process, before the first check arrives."""
    app = celery_app.flask_app
    if app is None:
        return
    with app.app_context():
        from skilltrace.faces.services import face_engine

        getattr(face_engine(), "warm_up", lambda: None)()


@signals.worker_init.connect
def _load_face_models_unless_forking(sender=None, **_kwargs) -> None:
    """A solo or threads pool runs checks in the worker process itself: load the models
    there. A prefork worker loads nothing: each child loads its own (``worker_process_init``),
    as a model runtime's threads do not survive a fork and its state would abort a child."""
    if sender is not None and forks_children(sender.pool_cls):
        return
    _load_face_models()


def forks_children(pool) -> bool:
    """Whether a Celery pool (alias, path or class) runs tasks in forked children."""
    from celery.concurrency import get_implementation
    from celery.concurrency.prefork import TaskPool

    implementation = get_implementation(pool) if isinstance(pool, str) else pool
    return isinstance(implementation, type) and issubclass(implementation, TaskPool)


def __getattr__(name: str):
    """``celery -A skilltrace.tasks:worker_app``: the Celery app of an app built from the
    environment (only worker and beat processes ask for it)."""
    if name == "worker_app":
        from skilltrace import create_app

        create_app()
        return celery_app
    raise AttributeError(name)


@celery_app.task(
    name="skilltrace.verify_check",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=VERIFY_TIME_LIMIT_S,
    soft_time_limit=VERIFY_TIME_LIMIT_S - 10,
    max_retries=20,
)
def verify_check(self, attempt_id: int) -> str:
    """Verify a parked check attempt and apply its verdict (at most once)."""
    from sqlalchemy.exc import OperationalError

    from skilltrace.study.verifying import verify_attempt

    try:
        return verify_attempt(attempt_id)
    except (LockBusy, OperationalError) as busy:  # a busy session, a database hiccup
        if self.app.conf.task_always_eager:
            return "busy: left pending for the next poll"
        raise self.retry(countdown=0.5, exc=busy) from None
    except Exception as error:  # noqa: BLE001 - the run is counted (verifying.MAX_UNFINISHED_RUNS)
        # A burst whose verification raises (a bug, the soft time limit) is run again at once
        # rather than left for study.expire_checks: after a few runs it is a failed try
        # within seconds, not an answer that waits 90 s and is then lost, never a try.
        log.exception("check attempt %s: verification failed; it is run again", attempt_id)
        if self.app.conf.task_always_eager:
            return "error: left pending for the next poll"
        raise self.retry(countdown=1, exc=error) from None


def enqueue_check(attempt_id: int) -> bool:
    """Hand an attempt to a face worker (eagerly, here and now, without a broker). False if
    the broker could not be reached: the attempt stays pending and the ``study.expire_checks``
    job hands it over again."""
    try:
        verify_check.delay(attempt_id)
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the job retries
        if eager():
            raise
        log.exception("face check %s: the broker is unreachable; left for the job", attempt_id)
        return False
    return True


def eager() -> bool:
    """Whether tasks run in the calling process (no broker configured)."""
    return bool(celery_app.conf.task_always_eager)


@celery_app.task(name="skilltrace.run_job", acks_late=True, time_limit=3600)
def run_job_task(name: str) -> str:
    return run_job(name)


def run_job(name: str) -> str:
    """Run the registered job ``name`` unless another runner holds its lock; says what
    happened (``done in …`` or ``skipped: already running``)."""
    jobs = current_app.extensions.get("skilltrace.jobs", {})
    if name not in jobs:
        raise KeyError(name)
    fn, every = jobs[name]
    started = time.monotonic()
    try:
        with held_lock(current_state(), f"job:{name}", ttl=max(60.0, 2 * every), wait=0):
            fn()
    except LockBusy:
        log.info("job %s: another runner is at it; skipped", name)
        return "skipped: already running"
    took = time.monotonic() - started
    log.info("job %s done in %.2f s", name, took)
    return f"done in {took:.2f} s"


jobs_cli = AppGroup("jobs", help="Scheduled jobs (Celery beat runs them; these run one now).")


@jobs_cli.command("list")
def list_jobs():
    """The registered jobs and how often beat runs them."""
    for name, (fn, every) in sorted(current_app.extensions.get("skilltrace.jobs", {}).items()):
        click.echo(f"{name}\tevery {every:g} s\t{(fn.__doc__ or '').strip().splitlines()[0]}")


@jobs_cli.command("run")
@click.argument("name")
def run_job_command(name: str):
    """Run the job NAME once now (with the same one-runner lock as beat)."""
    try:
        click.echo(f"{name}: {run_job(name)}")
    except KeyError:
        known = ", ".join(sorted(current_app.extensions.get("skilltrace.jobs", {})))
        raise click.ClickException(f"no job {name!r} (known: {known})") from None
