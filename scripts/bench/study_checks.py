"""Server time of a study face check: the sign-in check answered with 3 fresh webcam frames.

    .venv/bin/python scripts/bench/study_checks.py [--rounds 40] [--one-cpu]

Builds a world on PostgreSQL + Redis (see ``_world.py``: DATABASE_URL, default st_bench; REDIS_URL,
default Redis db 7), one learner in an open class enrolled from obama/obama.jpg. Each round
starts a session (``take_over``) and answers its sign-in check with a new burst of three
640x480 JPEG frames of obama/obama1.jpg (shifted and noised like a webcam), through the real
handler in-process, with no broker (the face check is verified and applied inside the request,
as a face worker would; ``load.py`` measures the queued path). "Server time" is the time inside
the WSGI call; the engine's ``inspect_burst`` is timed inside the same requests. Match only
and the replay memory off (the frames are of one still photo); ``faces.py`` times the
liveness path. Target: the answer <= 250 ms p50.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import _world
from _world import BenchError, Learner, World, percentiles

TARGET_MS = 250.0


class Timings:
    """Milliseconds of each WSGI call and of each ``verify_burst`` call, by path kind."""

    def __init__(self):
        self.requests: list[tuple[str, float]] = []
        self.bursts: list[float] = []

    def wrap_app(self, app) -> None:
        inner = app.wsgi_app

        def timed(environ, start_response):
            started = time.perf_counter()
            try:
                return list(inner(environ, start_response))
            finally:
                self.requests.append((environ["PATH_INFO"], (time.perf_counter() - started) * 1000))

        app.wsgi_app = timed

    def wrap_engine(self, engine) -> None:
        inner = engine.inspect_burst

        def timed(template, frames):
            started = time.perf_counter()
            try:
                return inner(template, frames)
            finally:
                self.bursts.append((time.perf_counter() - started) * 1000)

        engine.inspect_burst = timed

    def last_request(self, fragment: str) -> float:
        path, ms = self.requests[-1]
        if fragment not in path:
            raise BenchError(f"unexpected last request {path}")
        return ms


def run(rounds: int, warm: int) -> dict[str, list[float]]:
    from skilltrace.faces.services import face_engine

    # match only, and the replay memory off: every round shows the same still photo, which
    # the memory would rightly refuse from the second round on (its read costs ~1 ms)
    with World(CELERY_BROKER_URL="", FACE_CHALLENGE="none", FACE_REPLAY_MEMORY=False) as world:
        room = world.classroom(learners=1, lesson_seconds=3600)
        world.warm_up_faces()
        timings = Timings()
        timings.wrap_app(world.app)
        with world.app.app_context():
            timings.wrap_engine(face_engine())
        learner = Learner(world, *room.learners[0], room.lesson_id)
        frames = [_world.check_frames(seed) for seed in range(1, rounds + warm + 1)]
        rows: dict[str, list[float]] = {"start": [], "answer": [], "verify": [], "rest": []}
        for number, burst in enumerate(frames):
            started = learner.start(take_over=True)
            start_ms = timings.last_request("/study/sessions")
            before = len(timings.bursts)
            result = learner.answer(started["check"], frames=burst)
            answer_ms = timings.last_request("/checks/")
            if not result["passed"]:
                raise BenchError(f"round {number}: the check did not pass: {result}")
            if len(timings.bursts) != before + 1:
                raise BenchError("inspect_burst was not called exactly once by the answer")
            if number < warm:
                continue
            verify_ms = timings.bursts[-1]
            rows["start"].append(start_ms)
            rows["answer"].append(answer_ms)
            rows["verify"].append(verify_ms)
            rows["rest"].append(answer_ms - verify_ms)
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="timed rounds (>= 30)")
    parser.add_argument("--warm", type=int, default=3, help="untimed rounds first")
    parser.add_argument(
        "--one-cpu", action="store_true", help="pin to one CPU, as one gunicorn worker busy"
    )
    args = parser.parse_args()
    if args.rounds < 30:
        parser.error("--rounds must be at least 30")
    if args.one_cpu:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cpus = sorted(os.sched_getaffinity(0))
    print(f"Study face check, server time: {args.rounds} rounds, CPUs {cpus}, {_world.load_text()}")
    try:
        rows = run(args.rounds, args.warm)
    except BenchError as error:
        _world.fail(str(error))
    print(f"  after the run: {_world.load_text()}")
    print()
    print(f"  {'request / stage (ms)':<52} {'p50':>7} {'p95':>7}  target")
    labels = (
        ("answer", "POST .../checks/<id>, 3 frames (whole request)", TARGET_MS),
        ("verify", "  face_engine().inspect_burst inside it", None),
        ("rest", "  the rest of the request (DB, Redis, trace, snapshot)", None),
        ("start", "POST /study/sessions, take_over (for reference)", None),
    )
    for key, label, target in labels:
        p50, p95 = percentiles(rows[key])
        verdict = ""
        if target is not None:
            verdict = "ok" if p50 <= target else f"MISSED (> {target:.0f})"
        print(f"  {label:<52} {p50:7.1f} {p95:7.1f}  {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
