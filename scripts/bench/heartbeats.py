"""Heartbeat throughput under gunicorn, as a ratio to a bare Flask endpoint on the same server.

    .venv/bin/python scripts/bench/heartbeats.py [--learners 64] [--duration 20] [--warm-up 3]
                                                 [--rounds 3] [--workers 2] [--threads 4]

Sets up (in-process, with the app's services and API) K learners in an open class, each with a
study session whose sign-in check passed with real face frames, on PostgreSQL + Redis (see
``_world.py``). Then serves ``skilltrace:create_app()`` with ``gunicorn --worker-class gthread
--workers 2 --threads 4`` as ``scripts/run`` does (same settings through the environment; only
failed logins are throttled), logs every learner in over HTTP and drives
heartbeats from load generator processes (keep-alive connections, one per learner, each sending
its next heartbeat as soon as the previous answer arrives, the position following wall time).
Then the same server settings serve :func:`bare_app` (a POST endpoint parsing the JSON body and
answering a small JSON) under the same load. Every answer must be 200; any other status fails
the run. The pair is measured ``--rounds`` times, each server started afresh (the machine is shared:
single runs vary by +-15 %). Target: the median of the rounds' ratios, heartbeat requests/s
over the bare endpoint's, >= 0.5.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, request

TARGET_RATIO = 0.5
HERE = Path(__file__).resolve().parent


def server_args(workers: int, threads: int) -> tuple[str, ...]:
    return ("--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads))


# Heartbeats are sent back to back, each as soon as the previous answer arrives. The server
# folds every one however close to the previous (HEARTBEAT_MIN_SHARE 0: none is answered
# unfolded) and credits gaps up to 2 x HEARTBEAT_S = 4 s, so that a rare slow answer under this
# load is not taken for an idle learner.
BENCH_SETTINGS = {
    "CELERY_BROKER_URL": "",  # no check is answered while measuring: the sign-ins run in process
    "LOGIN_MAX_FAILURES_PER_IP": 1000,
    "STUDY_SESSION_TTL_S": 3600,
    "HEARTBEAT_S": 2.0,
    "HEARTBEAT_MIN_SHARE": 0.0,
}


def bare_app() -> Flask:
    """The baseline: the heartbeat route, parsing the JSON body, answering a small JSON."""
    app = Flask("bare")

    @app.post("/api/v1/study/sessions/<int:session_id>/heartbeats")
    def heartbeat(session_id: int):
        body = request.get_json()
        return {
            "session_id": session_id,
            "state": "active",
            "position": body["position"],
            "check": None,
        }

    return app


# -- load generator ---------------------------------------------------------------------------
@dataclass
class Caller:
    """One learner as the load generator sees it."""

    session_id: int
    cookie: str
    csrf: str
    origin: float  # wall time of video position 0 (the same in every round)


@dataclass
class Tally:
    """What one load-generator process saw."""

    latencies_ms: list[float] = field(default_factory=list)
    per_second: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def merge(self, other: Tally) -> None:
        self.latencies_ms += other.latencies_ms
        self.per_second.update(other.per_second)
        self.statuses.update(other.statuses)
        self.failures += other.failures
        self.sent += other.sent


def _drive(port: int, caller: Caller, start_at: float, measure_from: float, stop_at: float):
    tally = Tally()
    headers = {
        "Content-Type": "application/json",
        "Cookie": caller.cookie,
        "X-CSRFToken": caller.csrf,
    }
    path = f"/api/v1/study/sessions/{caller.session_id}/heartbeats"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    time.sleep(max(0.0, start_at - time.time()))
    origin = caller.origin
    while True:
        now = time.time()
        if now >= stop_at:
            break
        body = json.dumps(
            {"position": now - origin, "playing": True, "playback_rate": 1.0, "visible": True}
        )
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.sent += 1
            tally.statuses["connection error"] += 1
            if len(tally.failures) < 3:
                tally.failures.append(f"{type(error).__name__}: {error}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        done = time.time()
        tally.sent += 1
        if response.status != 200:
            tally.statuses[response.status] += 1
            if len(tally.failures) < 3:
                tally.failures.append(f"{response.status} {payload[:300]!r}")
        if now >= measure_from and done <= stop_at:
            tally.latencies_ms.append(elapsed_ms)
            tally.per_second[int(done - measure_from)] += 1
            if response.status == 200:
                tally.statuses[200] += 1
    conn.close()
    return tally


def _generator(port, callers, start_at, measure_from, stop_at, results) -> None:
    """One load-generator process: a thread and a keep-alive connection per learner."""
    tallies: list[Tally] = []

    def run(caller: Caller) -> None:
        tallies.append(_drive(port, caller, start_at, measure_from, stop_at))

    threads = [threading.Thread(target=run, args=(c,)) for c in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    results.put(total)


def load(port: int, callers: list[Caller], processes: int, warm_up: float, duration: float):
    """Drive heartbeats from ``processes`` processes; the merged tally of the measured part."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 2.0  # every process started and connected
    measure_from, stop_at = start_at + warm_up, start_at + warm_up + duration
    shares = [callers[i::processes] for i in range(processes)]
    workers = [
        context.Process(
            target=_generator, args=(port, share, start_at, measure_from, stop_at, results)
        )
        for share in shares
        if share
    ]
    for worker in workers:
        worker.start()
    total = Tally()
    try:
        for _ in workers:
            total.merge(results.get(timeout=warm_up + duration + 120))
    except BaseException:  # interrupted: do not wait for the generators to finish their run
        for worker in workers:
            worker.kill()
        raise
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    return total


# -- the run ----------------------------------------------------------------------------------
def prepare(world, learners: int) -> list[tuple[int, str]]:
    """K learners whose sessions passed their sign-in check; [(session id, mobile)]."""
    from _world import BenchError, Learner

    room = world.classroom(learners, lesson_seconds=3600)
    world.warm_up_faces()
    sessions = []
    for user_id, mobile in room.learners:
        learner = Learner(world, user_id, mobile, room.lesson_id)
        started = learner.start()
        answered = learner.answer(started["check"])
        if not answered["passed"] or answered["state"] != "active":
            raise BenchError(f"sign-in check of learner {user_id}: {answered}")
        sessions.append((learner.session_id, mobile))
    return sessions


def measure(label, server, callers_for, args, meter_for) -> tuple[Tally, dict[str, float]]:
    """Drive ``server`` (stopped on the way out); the tally and the CPU seconds used."""
    from _world import BenchError, load_text

    try:
        server.wait_ready()
        callers = callers_for(server.port)
        print(f"  {label}: driving {len(callers)} learners, {load_text()}", flush=True)
        meter = meter_for(server)
        before = meter.sample()
        tally = load(server.port, callers, args.processes, args.warm_up, args.duration)
        cpu = meter.used(before, meter.sample())
    finally:
        server.stop()
    bad = sum(n for status, n in tally.statuses.items() if status != 200)
    if bad:
        raise BenchError(
            f"{label}: {bad} of {tally.sent} answers were not 200 ({dict(tally.statuses)}); "
            f"first: {tally.failures}"
        )
    if not tally.latencies_ms:
        raise BenchError(f"{label}: no request completed in the measured window")
    return tally, cpu


def live_state_figures(world, sessions) -> tuple[Counter, int, int]:
    """(heartbeat anomalies traced by code, largest open-stretch segment count, its bytes)."""
    from sqlalchemy import select

    from skilltrace.extensions import db
    from skilltrace.traces.models import TraceEvent

    with world.app.app_context():
        anomalies = Counter()
        events = select(TraceEvent.event_json).where(TraceEvent.kind == "heartbeat_anomaly")
        for text in db.session.scalars(events):
            anomalies.update(json.loads(text)["data"].get("codes", ["?"]))
        state = world.state()
        segments = size = 0
        for session_id, _ in sessions:
            raw = state.get(f"study:session:{session_id}") or ""
            stretch = json.loads(raw)["fold"]["session"]["stretch"] if raw else None
            count = len(stretch[1]) if stretch else 0
            if count >= segments:
                segments, size = count, len(raw)
        return anomalies, segments, size


def report(rounds: list[dict[str, tuple[Tally, dict[str, float]]]], args) -> float:
    """Print every round; return the median ratio."""
    from _world import percentiles

    server = f"server (gthread, {args.workers} workers x {args.threads} threads)"
    print(f"\n  {'round':<6}{server:<44} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}", end="")
    print("   CPU ms/req: gunicorn  PostgreSQL  Redis")
    ratios = []
    for number, rows in enumerate(rounds, 1):
        rates = []
        for label, (tally, cpu) in rows.items():
            rates.append(len(tally.latencies_ms) / args.duration)
            p50, p95 = percentiles(tally.latencies_ms)
            per = {key: seconds * 1000 / tally.sent for key, seconds in cpu.items()}
            print(
                f"  {number:<6}{label:<44} {rates[-1]:7.0f} {p50:7.1f} {p95:7.1f}"
                f"   {per['server']:20.2f} {per['postgres']:11.2f} {per['redis']:6.2f}"
            )
        ratios.append(rates[0] / rates[1])
        print(f"  {'':<6}ratio heartbeat / bare: {ratios[-1]:.3f}")
    median = statistics.median(ratios)
    verdict = "ok" if median >= TARGET_RATIO else f"MISSED (< {TARGET_RATIO})"
    listed = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"\n  ratio, median of {len(ratios)} rounds: {median:.3f} ({listed})")
    print(f"  target >= {TARGET_RATIO}: {verdict}")
    return median


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4, help="load-generator processes")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warm-up", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both apps)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (both apps)")
    parser.add_argument("--rounds", type=int, default=3, help="heartbeat + bare runs (median)")
    args = parser.parse_args()
    if args.duration < 5 or min(args.learners, args.processes, args.rounds) < 1:
        parser.error("--duration >= 5, --learners, --processes, --rounds >= 1")
    sys.path.insert(0, str(HERE))
    import _world
    from _serve import CpuMeter, Server, http_login
    from _world import BenchError, World

    print(
        f"Heartbeat throughput: {args.learners} learners, {args.processes} generator "
        f"processes, {args.warm_up:g} s warm-up + {args.duration:g} s measured; "
        f"{_world.load_text()}"
    )
    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so every server is stopped.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        with World(**BENCH_SETTINGS) as world:
            sessions = prepare(world, args.learners)
            print(f"  {len(sessions)} sessions signed in (real face checks)", flush=True)

            callers: list[Caller] = []
            origin = time.time()

            def logged_in(port: int) -> list[Caller]:
                callers[:] = [
                    Caller(session_id, *http_login(port, mobile, _world.PASSWORD), origin)
                    for session_id, mobile in sessions
                ]
                return callers

            database = world.database_url.rsplit("/", 1)[-1].split("?", 1)[0]
            with world.app.app_context():
                redis_client = world.state().client

            def meter_for(server: Server) -> CpuMeter:
                return CpuMeter(server.process.pid, database, redis_client)

            serve = server_args(args.workers, args.threads)
            rounds = []
            for _ in range(args.rounds):
                rows = {}
                server = Server("skilltrace:create_app()", serve, world.env())
                rows["POST /study/sessions/<id>/heartbeats"] = measure(
                    "skilltrace", server, logged_in, args, meter_for
                )
                # The same requests, cookie and CSRF header included (the bare app ignores them).
                server = Server("heartbeats:bare_app()", serve, world.env(), pythonpath=HERE)
                rows["bare Flask: same route, JSON in, JSON out"] = measure(
                    "bare Flask", server, lambda port: callers, args, meter_for
                )
                rounds.append(rows)
            anomalies, segments, size = live_state_figures(world, sessions)
    except BenchError as error:
        _world.fail(str(error))
    except KeyboardInterrupt:
        print(
            "interrupted: servers stopped, bench database and Redis keys cleaned", file=sys.stderr
        )
        raise SystemExit(130) from None
    report(rounds, args)
    pauses = args.learners * (args.rounds - 1)
    print(
        f"\n  heartbeat anomalies traced: {dict(anomalies) or 0} (positions follow wall time; "
        f"the first beat after the pause between rounds is a gap_too_long: {pauses} expected)"
    )
    print(
        f"  largest open stretch after the run: {segments} segments, "
        f"{size:,} bytes of live-state JSON (steady viewing is one segment; a gap starts one)"
    )
    print(f"  after the run: {_world.load_text()}")


if __name__ == "__main__":
    main()
