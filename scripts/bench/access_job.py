"""The access re-check: one ``study.recheck_access`` run against the same checks one by one.

    .venv/bin/python scripts/bench/access_job.py [--sessions 1000,10000,50000] [--rounds 5]

Builds a world on PostgreSQL + Redis (see ``_world.py``): one approved course and class, then
N learners in it with a running session each (rows inserted in bulk: the job reads rows, not
faces). For each N it times, median of ``--rounds``:

- ``job``: one ``recheck_access()`` run over all N running sessions (nobody refused, so it
  ends nobody and only reads);
- ``one by one``: ``study_access`` for a sample of 200 of those sessions, the six queries a
  heartbeat ran for its session's re-check before the job (the heartbeat paid more: it also
  went through Flask, the session lock and the trace), per session.

Prints both per session and their ratio, and what the job costs a province at 50,000
running sessions with a run every 30 s (half of ``STUDY_ACCESS_RECHECK_S``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import _world
from _world import BenchError, World

SAMPLE = 200
PROVINCE_SESSIONS, RUN_EVERY_S = 50_000, 30


def _add_running(room, first: int, count: int) -> list[tuple[int, int]]:
    """``count`` more learners in the room's class, each with a running session; (learner,
    lesson) pairs."""
    from sqlalchemy import insert, select

    from skilltrace.courses.models import ClassMember, TrainingClass
    from skilltrace.extensions import db
    from skilltrace.identity.models import User
    from skilltrace.study.models import StudySession

    class_ = db.session.get(TrainingClass, room.class_id)
    password_hash = db.session.scalar(
        select(User.password_hash).where(User.id == room.learners[0][0])
    )
    now = datetime.now(UTC)
    users = [
        {
            "role": "learner",
            "name": f"基准{n}",
            "mobile": f"15{n:09d}",
            "password_hash": password_hash,
        }
        for n in range(first, first + count)
    ]
    ids = db.session.scalars(insert(User).returning(User.id), users).all()
    db.session.execute(
        insert(ClassMember), [{"class_id": class_.id, "learner_id": i, "via": "code"} for i in ids]
    )
    db.session.execute(
        insert(StudySession),
        [
            {
                "learner_id": i,
                "lesson_id": room.lesson_id,
                "class_id": class_.id,
                "course_id": class_.course_id,
                "state": "active",
                "started_at": now,
                "credited_seconds": 0.0,
            }
            for i in ids
        ],
    )
    db.session.commit()
    return [(i, room.lesson_id) for i in ids]


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _one_by_one(study_access, learners, sample) -> float:
    """Seconds to check each sampled session's access as a heartbeat did."""
    started = time.perf_counter()
    for learner, (_learner_id, lesson_id) in zip(learners, sample, strict=True):
        study_access(learner, lesson_id)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1000,10000,50000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sessions.split(","))
    with World() as world:
        room = world.classroom(learners=1, lesson_seconds=3600)
        with world.app.app_context():
            from skilltrace.courses import study_access
            from skilltrace.extensions import db
            from skilltrace.identity.models import User
            from skilltrace.study.access import recheck_access

            print(f"access re-check, {args.rounds} rounds per size (medians)")
            pairs: list[tuple[int, int]] = []
            for size in sizes:
                pairs += _add_running(room, len(pairs) + 1, size - len(pairs))
                sample = pairs[:: max(1, len(pairs) // SAMPLE)][:SAMPLE]
                learners = [db.session.get(User, learner_id) for learner_id, _ in sample]
                job, single = [], []
                for _ in range(args.rounds):
                    db.session.expire_all()
                    job.append(_timed(recheck_access) / size)
                    db.session.expire_all()
                    single.append(_one_by_one(study_access, learners, sample) / len(sample))
                    db.session.rollback()
                job_us, single_us = statistics.median(job) * 1e6, statistics.median(single) * 1e6
                print(
                    f"  {size:>6} running: job {job_us * size / 1000:8.1f} ms per run "
                    f"({job_us:6.1f} us/session); one by one {single_us:7.1f} us/session; "
                    f"ratio {job_us / single_us:.3f}"
                )
            per_run = job_us * PROVINCE_SESSIONS / 1e6
            print(
                f"province: {PROVINCE_SESSIONS} running sessions, a run every {RUN_EVERY_S} s: "
                f"{per_run:.2f} s per run = {per_run / RUN_EVERY_S:.3f} core (job worker and "
                f"PostgreSQL together); one by one every 60 s: "
                f"{single_us * PROVINCE_SESSIONS / 1e6 / 60:.3f} core of queries alone"
            )


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        _world.fail(str(error))
