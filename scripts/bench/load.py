"""Load simulation: learners heartbeating and answering the face checks the server issues.

    .venv/bin/python scripts/bench/load.py [--populations 25,50] [--scale 40]
        [--duration 30] [--face-workers 2] [--web-workers 2] [--threads 4] [--compare-at 50]
        [--rounds 3] [--web-cpus 0 --worker-cpus 1 --jobs-cpus 1]

Serves ``skilltrace:create_app()`` with gunicorn (gthread, as ``scripts/run``) on PostgreSQL +
Redis (see ``_world.py``) and face checks on ``celery worker --concurrency K`` on RabbitMQ
(``--broker``/``BENCH_BROKER_URL``, default the local one, vhost ``/``: a vhost that no
other app's workers consume, or they take the bench's tasks). Simulated learners (asyncio +
aiohttp, in 2 generator processes) log in over HTTP, start a session, answer its sign-in check,
then heartbeat every ``HEARTBEAT_S`` and answer every check the server issues with fresh
camera-like frames (3 JPEGs of obama/obama1.jpg, 640x480, shifted and noised: ``_world``),
polling the 202 verdict as the player does (after the answer's ``Retry-After``, 1 s: not
scaled, as it is the player's pace while a face worker is at the burst, not a study timing).

Time scaling: every server timing is divided by ``--scale`` (heartbeat every 15/S s, a check
every 300/S-900/S s after the last one, the class-access re-check every 60/S s rounded to
whole seconds), so one simulated learner sends the requests of S
production learners; populations are reported as production learners (simulated x S). The
answer window (60 s) and session TTL stay as in production. Checks are match only
(``FACE_CHALLENGE=none``: the frames are of a still photo) with the replay memory off (it
refuses a still photo shown twice, as it should).

Each population runs with checks on the Celery workers; at ``--compare-at`` the same load
also runs without random checks (the baseline for heartbeat latency), ``--rounds`` times
in turn with the checks on workers, starting and ending with a baseline (the machine is
shared and drifts over minutes: each round is compared with the mean of the baselines just
before and after it, and the ratio is the median of the rounds'), and once with checks
answered inside the web workers (no broker: tasks run eagerly).
Random checks are opened, deferred credits written and class access re-checked by the
``study.issue_checks``, ``study.write_credits`` and ``study.recheck_access`` jobs, on a jobs
worker running beat, as in production.
A population is sustained when heartbeat p95 <= 100 ms, check-answer p95 <= 3 s (at least
one check measured) and no request failed. The measured window opens once every learner's
sign-in check passed (models loaded, sessions active). The last line is
``sustained: N learners (heartbeat p95 X ms, check p95 Y ms)``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import _world
from _load_learners import Tally, generate
from _load_parts import FaceWorkers, set_autogroup_nice
from _load_report import HEADER, pct, row
from _serve import CpuMeter, Server
from _world import BenchError, World

PRODUCTION = {
    "HEARTBEAT_S": 15.0,
    "FACE_CHECK_MIN_S": 300,
    "FACE_CHECK_MAX_S": 900,
    "STUDY_ACCESS_RECHECK_S": 60,
}
GENERATORS = 2


def scaled_settings(scale: float, broker: str, recheck_scaled: bool = True) -> dict:
    recheck = PRODUCTION["STUDY_ACCESS_RECHECK_S"]
    return {
        "HEARTBEAT_S": PRODUCTION["HEARTBEAT_S"] / scale,
        "FACE_CHECK_MIN_S": int(PRODUCTION["FACE_CHECK_MIN_S"] / scale),
        "FACE_CHECK_MAX_S": int(PRODUCTION["FACE_CHECK_MAX_S"] / scale),
        # Every minute a running session re-checks class and provider through the database
        # (every 4th heartbeat in production). Scaled too (whole seconds: an int setting), so
        # every phase has production's mix of quiet and re-checking beats, spread over time,
        # not one wave of them 60 s after the sign-ins that a window may or may not catch.
        "STUDY_ACCESS_RECHECK_S": max(1, round(recheck / scale)) if recheck_scaled else recheck,
        "FACE_CHALLENGE": "none",
        # The frames are of one still photo, which the replay memory rightly refuses as soon
        # as a learner shows it twice: left on, the run measures a storm of refused retries,
        # not learners. Its cost per check (one indexed read, three inserts) stays small.
        "FACE_REPLAY_MEMORY": False,
        "CELERY_BROKER_URL": broker,
        # The job opening due checks runs every 0.5 s (production: 1 s; beat is not meant
        # for 1/S s): a check is seen up to ~2 heartbeats after it fell due.
        "FACE_CHECK_ISSUE_EVERY_S": 0.5,
        "LOGIN_MAX_ATTEMPTS_PER_IP": 100000,
        "HEARTBEAT_SERVER_TIMING": True,  # each answer says its time inside the app
        "STUDY_SESSION_TTL_S": 600,
    }


# -- one measured phase ------------------------------------------------------------------------
_PHASES = iter(range(1, 1000))


def phase(
    world, room, sim: int, args, on_workers: bool, bursts_per_learner: int, checks: bool = True
) -> dict:
    """One population under one setting: checks on the face workers, in the web workers, or
    (``checks`` False: the baseline) no random check in the measured window."""
    import redis

    broker = args.broker if on_workers else ""
    settings = scaled_settings(args.scale, broker, args.scale_access_recheck)
    if not checks:
        settings.update(FACE_CHECK_MIN_S=10**6, FACE_CHECK_MAX_S=10**6)
    env = world.env(**settings)
    pool = ("--worker-class", "gthread", "--threads", str(args.threads))
    web_workers = args.web_workers - args.heartbeat_workers

    def web(processes: int) -> Server:
        app = "skilltrace:create_app()"
        return Server(app, (*pool, "--workers", str(processes)), env, cpus=args.web_cpus)

    server = web(web_workers)
    # Heartbeats on their own processes, as a proxy routing by path would send them.
    beats = web(args.heartbeat_workers) if args.heartbeat_workers else None
    workers = (
        FaceWorkers(
            env,
            args.face_workers,
            args.worker_nice,
            args.worker_idle,
            args.worker_cpus,
            args.jobs_cpus,
        )
        if on_workers
        else None
    )
    try:
        server.wait_ready()
        if beats:
            beats.wait_ready()
            if args.heartbeat_nice:
                set_autogroup_nice(beats.process.pid, args.heartbeat_nice)
        if workers:
            workers.wait_ready()
        heartbeat_s = PRODUCTION["HEARTBEAT_S"] / args.scale
        learners = room.learners[:sim]
        phase_no = next(_PHASES)  # fresh frames in every phase (a copy is a replay)
        bursts = [
            [
                _world.check_frames(10**6 * phase_no + 1000 * n + k)
                for k in range(bursts_per_learner)
            ]
            for n in range(len(learners))
        ]
        start_by = max(5.0, sim / 15)  # logins and sign-ins spread over the warm-up
        window = (
            multiprocessing.Value("d", 0.0),
            multiprocessing.Value("d", 0.0),
            multiprocessing.Value("i", 0),
        )
        meter = CpuMeter(server.process.pid, world.database_url.rsplit("/", 1)[-1], redis.Redis())
        queue = multiprocessing.Queue()
        procs = []
        for g in range(GENERATORS):
            mine = learners[g::GENERATORS]
            procs.append(
                multiprocessing.Process(
                    target=generate,
                    args=(
                        (server.port, beats.port if beats else server.port),
                        mine,
                        bursts[g::GENERATORS],
                        room.lesson_id,
                        heartbeat_s,
                        window,
                        start_by,
                        queue,
                    ),
                )
            )
        for proc in procs:
            proc.start()
        deadline = time.time() + start_by + 120
        while window[2].value < len(learners) and time.time() < deadline:
            time.sleep(0.2)
        if window[2].value < len(learners):
            print(f"    only {window[2].value} of {len(learners)} signed in; measuring anyway")
        window[0].value = time.time() + args.warm_up
        window[1].value = window[0].value + args.duration
        time.sleep(max(0.0, window[0].value - time.time()))
        before = meter.sample()
        worker_before = _group_cpu(workers.process.pid) if workers else 0.0
        beats_before = _group_cpu(beats.process.pid) if beats else 0.0
        jobs_before = _group_cpu(workers.jobs.pid) if workers else 0.0
        time.sleep(max(0.0, window[1].value - time.time()))
        used = meter.used(before, meter.sample())
        worker_cpu = (_group_cpu(workers.process.pid) - worker_before) if workers else 0.0
        jobs_cpu = (_group_cpu(workers.jobs.pid) - jobs_before) if workers else 0.0
        beats_cpu = (_group_cpu(beats.process.pid) - beats_before) if beats else 0.0
        tally = Tally()
        for _ in procs:
            tally.merge(queue.get(timeout=120))
        for proc in procs:
            proc.join(30)
    finally:
        server.stop()
        if beats:
            beats.stop()
        if workers:
            workers.stop()
    return {
        "tally": tally,
        "web_cpu": used["server"] + beats_cpu,
        "worker_cpu": worker_cpu,
        "jobs_cpu": jobs_cpu,
        "cpu": used,
        "checks": checks,
    }


def _group_cpu(pgid: int) -> float:
    from _serve import _proc_stats

    return sum(cpu for _pid, group, cpu, _cmd in _proc_stats() if group == pgid)


def _middle(values: list[float]) -> int:
    """The index of the median value (the upper one of an even count)."""
    return sorted(range(len(values)), key=values.__getitem__)[len(values) // 2]


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _interrupted)  # unwind: every server and worker is stopped
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--populations", default="25,50", help="simulated learners")
    parser.add_argument("--scale", type=float, default=40.0, help="time-scaling factor S")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warm-up", type=float, default=4.0, help="after the sign-ins")
    parser.add_argument("--face-workers", type=int, default=2, help="K celery processes")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the face workers with --no-worker-idle: on a box they share with "
        "the web workers, the kernel serves heartbeats first (0: equal shares)",
    )
    parser.add_argument(
        "--worker-idle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the face workers under SCHED_IDLE (chrt --idle), as compose.yaml "
        "does, instead of niced: they get only the CPU nothing else wants, and a waking web "
        "thread preempts them at once",
    )
    parser.add_argument(
        "--worker-cpus",
        default="",
        help="CPUs the face workers may run on (taskset -c list, e.g. 1); empty: any",
    )
    parser.add_argument(
        "--jobs-cpus", default="", help="CPUs the jobs worker and beat may run on; empty: any"
    )
    parser.add_argument(
        "--web-cpus",
        default="",
        help="CPUs the gunicorn workers may run on (e.g. 0 with --worker-cpus 1 --jobs-cpus 1:"
        " the web tier on a core of its own, check work on the other); empty: any",
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--heartbeat-workers",
        type=int,
        default=0,
        help="of the web workers, how many serve only heartbeats (a gunicorn of their own, "
        "as behind a proxy routing heartbeats by path); 0: every worker serves everything",
    )
    parser.add_argument(
        "--heartbeat-nice",
        type=int,
        default=0,
        help="with --heartbeat-workers, the niceness of their gunicorn's session (negative: "
        "a larger CPU weight than the rest of the box, as cpu_shares would give a container)",
    )
    parser.add_argument(
        "--scale-access-recheck",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time-scale the class-access re-check like every other timing (production's "
        "mix: 1 heartbeat in 4 goes through the database); --no-scale-access-recheck keeps "
        "it at 60 s, as the runs before 2026-11-30's sixth session did",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--compare-at", type=int, default=50, help="also run checks in web")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="at --compare-at, pairs of phases (checks on workers, no checks) measured",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL") or "amqp://guest:guest@127.0.0.1:5672//",
        help="RabbitMQ URL; use a vhost no other app's workers consume (BENCH_BROKER_URL)",
    )
    args = parser.parse_args()
    populations = sorted(int(p) for p in args.populations.split(","))
    scale = args.scale
    print(
        f"Load simulation: populations {populations} simulated x {scale:g} (time scale) ="
        f" {[int(p * scale) for p in populations]} learners; {args.web_workers} gunicorn"
        f" workers x {args.threads} threads, {args.face_workers} face workers;"
        f" {_world.load_text()}",
        flush=True,
    )
    pins = [
        f"{what} on CPUs {cpus}"
        for what, cpus in (
            ("web", args.web_cpus),
            ("face workers", args.worker_cpus),
            ("jobs worker", args.jobs_cpus),
        )
        if cpus
    ]
    print(
        f"  pinned: {', '.join(pins)}; Redis, PostgreSQL and the load generators on any"
        if pins
        else "  nothing pinned",
        flush=True,
    )
    print(
        f"  heartbeat every {PRODUCTION['HEARTBEAT_S'] / scale:.2f} s, a check every"
        f" {PRODUCTION['FACE_CHECK_MIN_S'] / scale:.0f}-"
        f"{PRODUCTION['FACE_CHECK_MAX_S'] / scale:.0f}"
        f" s after the last; {args.duration:g} s measured per phase. Latencies in ms;"
        " cpu/chk: face-worker CPU ms per check (in-web: all web CPU per check)."
    )
    best = None
    try:
        with World(**scaled_settings(scale, "")) as world:
            room = world.classroom(
                learners=max(populations + [args.compare_at]), lesson_seconds=7200
            )
            world.warm_up_faces()
            print(HEADER, flush=True)
            bursts = max(2, int(args.duration * 2 * scale / PRODUCTION["FACE_CHECK_MIN_S"])) + 1
            for sim in sorted(set(populations + [args.compare_at])):
                label = f"{int(sim * scale)} learners, checks"
                if sim != args.compare_at:
                    result = phase(world, room, sim, args, True, bursts)
                    hb95, ck95, ok = row(f"{label} on workers", result, args)
                    if ok:
                        best = (int(sim * scale), hb95, ck95)
                    continue
                ratios, inside, held = [], [], []
                baseline = f"{int(sim * scale)} learners, no checks"
                base = phase(world, room, sim, args, True, bursts, checks=False)
                base_before, _ck, _ok = row(f"{baseline} (before round 1)", base, args)
                in_before = pct(base["tally"].inside, 95)
                for n in range(1, args.rounds + 1):
                    result = phase(world, room, sim, args, True, bursts)
                    hb95, ck95, ok = row(f"{label} on workers (round {n})", result, args)
                    base = phase(world, room, sim, args, True, bursts, checks=False)
                    base_after, _ck, _ok = row(f"{baseline} (after round {n})", base, args)
                    in_after = pct(base["tally"].inside, 95)
                    # Bracketed: the shared box drifts over minutes, so each round is compared
                    # with the mean of the baselines measured just before and just after it.
                    ratios.append(hb95 / ((base_before + base_after) / 2))
                    inside.append(pct(result["tally"].inside, 95) / ((in_before + in_after) / 2))
                    held.append((ok, hb95, ck95))
                    base_before, in_before = base_after, in_after
                row(f"{label} in web", phase(world, room, sim, args, False, bursts), args)
                middle = _middle(ratios)
                print(
                    "  heartbeat p95 with checks on workers / without checks (the mean of the"
                    " baselines before and after each round):"
                    f" {', '.join(f'{r:.2f}' for r in ratios)};"
                    f" median {ratios[middle]:.2f} (target <= 1.2)"
                )
                print(
                    "  the same, inside the app only (Server-Timing p95):"
                    f" {', '.join(f'{r:.2f}' for r in inside)};"
                    f" median {inside[_middle(inside)]:.2f}"
                )
                if sim in populations and all(ok for ok, _hb, _ck in held):
                    _ok, hb95, ck95 = held[middle]
                    best = max(best or (0, 0, 0), (int(sim * scale), hb95, ck95))
    except BenchError as error:
        _world.fail(str(error))
    if best is None:
        print("sustained: 0 learners (heartbeat p95 - ms, check p95 - ms)")
    else:
        print(
            f"sustained: {best[0]} learners "
            f"(heartbeat p95 {best[1]:.0f} ms, check p95 {best[2]:.0f} ms)"
        )


if __name__ == "__main__":
    main()
