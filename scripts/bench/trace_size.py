"""Bytes per attested hour: what an honest learner's hour of study adds to the database and disk.

    .venv/bin/python scripts/bench/trace_size.py [--learners 8] [--lesson-minutes 60]

Builds a world on PostgreSQL + Redis (see ``_world.py``) with a lesson video of one hour (64x48
VP8, 1 fps) and default study settings (heartbeat 15 s, a random check 300-900 s after each
passed one). Each learner studies the whole lesson as the browser player does, in-process
through the API on a manual server clock: sign-in check, a heartbeat every 15 s with the
position following wall time, each check answered 2 s after it arrives with 3 fresh webcam
frames of a real photo (the video pauses while the camera grabs them), the closing check at
the end. Learners study side by side; one learner warms the tables up first so the figures
are not the first pages of empty tables.

Prints, per attested hour (credited seconds / 3600): the growth of the tables on disk
(``pg_total_relation_size``: heap, indexes, TOAST; in 8 kB pages) and of the rows' own bytes
(``pg_column_size``), split into trace, ledger tables and snapshots (rows + encrypted files
under MEDIA_ROOT/snapshots), the trace rows written by kind, and the peak Redis memory of one
session's study keys (``MEMORY USAGE``).
"""

from __future__ import annotations

import argparse
import heapq
import time
from collections import Counter
from pathlib import Path

import _world
from _world import BenchError, Learner, World

GROUPS = {
    "trace": ("trace_events", "trace_heads"),
    "ledger": ("study_sessions", "face_checks", "credited_time", "lesson_progress"),
    "snapshots": ("face_snapshots",),
}
TABLES = tuple(t for tables in GROUPS.values() for t in tables)
CAPTURE_S = 2.0  # camera on, 3 frames 500 ms apart, upload: the video is paused meanwhile
START_GAP_S = 7.0  # learners start this far apart


def honest(learner: Learner, duration: float, heartbeat_s: float, tally: Counter):
    """An honest learner's whole lesson; yields the server seconds until it acts again."""

    def passed(answer: dict, state: str) -> None:
        tally["checks"] += 1
        if not answer["passed"] or answer["state"] != state:
            raise BenchError(f"an honest check failed: {answer}")

    started = learner.start()
    yield CAPTURE_S
    passed(learner.answer(started["check"]), "active")
    position = 0.0
    body = learner.beat(position)  # the player reports as soon as the video starts
    tally["heartbeats"] += 1
    while position < duration:
        paused = 0.0
        if body["check"] is not None:
            yield CAPTURE_S
            passed(learner.answer(body["check"]), "active")
            paused = CAPTURE_S
        played = min(heartbeat_s - paused, duration - position)
        yield played
        position += played
        body = learner.beat(position)
        tally["heartbeats"] += 1
        if body["state"] != "active" and body["check"] is None:
            raise BenchError(f"honest heartbeat answered {body}")
    ending = learner.end()
    if ending["state"] != "closing":
        raise BenchError(f"ending did not open a closing check: {ending}")
    yield CAPTURE_S
    passed(learner.answer(ending["check"]), "ended")


def simulate(clock, runs: list, observe=None) -> None:
    """Run the learners' generators on the manual clock, in server-time order."""
    queue = [(clock.value + i * START_GAP_S, i, run) for i, run in enumerate(runs)]
    heapq.heapify(queue)
    while queue:
        at, number, run = heapq.heappop(queue)
        clock.value = max(clock.value, at)
        try:
            delay = next(run)
        except StopIteration:
            delay = None
        if observe is not None:
            observe(number)
        if delay is not None:
            heapq.heappush(queue, (clock.value + delay, number, run))


def table_bytes(world, learner_ids: list[int]) -> dict[str, tuple[int, int, int]]:
    """Per table: (bytes on disk, row bytes of these learners, rows of these learners)."""
    from sqlalchemy import text

    from skilltrace.extensions import db

    sizes = {}
    with world.app.app_context():
        for table in TABLES:
            disk = db.session.scalar(text(f"SELECT pg_total_relation_size('{table}')"))
            rows, count = db.session.execute(
                text(
                    f"SELECT coalesce(sum(pg_column_size(t.*)), 0), count(*) FROM {table} t "
                    "WHERE t.learner_id = ANY(:ids)"
                ),
                {"ids": learner_ids},
            ).one()
            sizes[table] = (int(disk), int(rows), int(count))
        db.session.rollback()
    return sizes


def snapshot_files(world) -> dict[Path, int]:
    folder = world.media_root / "snapshots"
    return {p: p.stat().st_size for p in folder.glob("*.bin")} if folder.is_dir() else {}


class RedisPeak:
    """Peak MEMORY USAGE of one session's study keys, sampled after each of its steps."""

    def __init__(self, world, learner: Learner):
        self.world, self.learner = world, learner
        self.peak_total = 0
        self.peak: dict[str, int] = {}
        self.segments = 0

    def __call__(self, _number: int) -> None:
        import json

        if self.learner.session_id is None:
            return
        keys = {
            "study:session:<id>": f"study:session:{self.learner.session_id}",
            "study:active:<learner>": f"study:active:{self.learner.user_id}",
            "study:frames:<learner>": f"study:frames:{self.learner.user_id}",
        }
        with self.world.app.app_context():
            state = self.world.state()
            usage = {
                label: state.client.memory_usage(state.prefix + key, samples=0) or 0
                for label, key in keys.items()
            }
            raw = state.get(keys["study:session:<id>"])
        total = sum(usage.values())
        if total > self.peak_total:
            self.peak_total, self.peak = total, usage
        session = json.loads(raw)["fold"]["session"] if raw else None
        if session and session["stretch"]:
            self.segments = max(self.segments, len(session["stretch"][1]))


def trace_kinds(world, learner_ids: list[int]) -> Counter:
    from sqlalchemy import func, select

    from skilltrace.extensions import db
    from skilltrace.traces.models import TraceEvent

    with world.app.app_context():
        rows = db.session.execute(
            select(TraceEvent.kind, func.count())
            .where(TraceEvent.learner_id.in_(learner_ids))
            .group_by(TraceEvent.kind)
        ).all()
        db.session.rollback()
    return Counter(dict(rows))


def credited_seconds(world, learner_ids: list[int]) -> float:
    from sqlalchemy import func, select

    from skilltrace.extensions import db
    from skilltrace.study.models import CreditedTime

    with world.app.app_context():
        total = db.session.scalar(
            select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
                CreditedTime.learner_id.in_(learner_ids)
            )
        )
        db.session.rollback()
    return float(total)


def run(learners: int, lesson_minutes: int) -> dict:
    from skilltrace.clock import ManualClock

    with World() as world:
        room = world.classroom(learners + 1, lesson_seconds=lesson_minutes * 60)
        world.warm_up_faces()
        clock = ManualClock()
        world.app.extensions["skilltrace.clock"] = clock
        heartbeat_s = float(world.app.config["HEARTBEAT_S"])
        settings = {k: world.app.config[k] for k in ("HEARTBEAT_S", "FACE_CHECK_MIN_S")}
        settings["FACE_CHECK_MAX_S"] = world.app.config["FACE_CHECK_MAX_S"]
        (warm_id, warm_mobile), *measured = room.learners
        # A first learner fills the first pages of every table and index (10 minutes).
        warm = Learner(world, warm_id, warm_mobile, room.lesson_id)
        simulate(clock, [honest(warm, 600.0, heartbeat_s, Counter())])
        ids = [user_id for user_id, _ in measured]
        crowd = [Learner(world, user_id, mobile, room.lesson_id) for user_id, mobile in measured]
        before, files_before = table_bytes(world, ids), snapshot_files(world)
        kinds_before = trace_kinds(world, ids)
        tally: Counter = Counter()
        peak = RedisPeak(world, crowd[0])
        started = time.perf_counter()
        simulate(
            clock,
            [honest(learner, room.lesson_duration_s, heartbeat_s, tally) for learner in crowd],
            observe=lambda number: peak(number) if number == 0 else None,
        )
        elapsed = time.perf_counter() - started
        after, files_after = table_bytes(world, ids), snapshot_files(world)
        new_files = {p: s for p, s in files_after.items() if p not in files_before}
        return {
            "room": room,
            "settings": settings,
            "learners": len(crowd),
            "credited": credited_seconds(world, ids),
            "tally": tally,
            "kinds": trace_kinds(world, ids) - kinds_before,
            "tables": {
                t: tuple(a - b for a, b in zip(after[t], before[t], strict=True)) for t in TABLES
            },
            "files": (len(new_files), sum(new_files.values())),
            "peak": peak,
            "elapsed": elapsed,
        }


def report(result: dict) -> None:
    hours = result["credited"] / 3600
    if hours <= 0:
        raise BenchError("nothing was credited")
    tally, kinds = result["tally"], result["kinds"]
    room = result["room"]
    print(
        f"  {result['learners']} learners x {room.lesson_duration_s / 3600:.2f} h lesson; "
        f"settings {result['settings']}; simulated in {result['elapsed']:.0f} s"
    )
    print(
        f"  attested: {result['credited']:,.0f} s = {hours:.3f} h; per attested hour: "
        f"{tally['heartbeats'] / hours:.0f} heartbeats, {tally['checks'] / hours:.1f} face "
        f"checks, {sum(kinds.values()) / hours:.1f} trace rows"
    )
    print("\n  trace rows per attested hour, by kind:")
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"    {kind:<24} {count / hours:7.2f}")
    print(f"\n  {'per attested hour':<26} {'on disk':>10} {'row bytes':>10} {'rows':>7}")
    totals = [0.0, 0.0]
    for group, tables in GROUPS.items():
        disk = sum(result["tables"][t][0] for t in tables)
        rows = sum(result["tables"][t][1] for t in tables)
        for table in tables:
            d, r, n = result["tables"][table]
            print(f"    {table:<24} {d / hours:10,.0f} {r / hours:10,.0f} {n / hours:7.1f}")
        if group == "snapshots":
            count, size = result["files"]
            print(
                f"    {'files (encrypted)':<24} {size / hours:10,.0f} {size / hours:10,.0f}", end=""
            )
            print(f" {count / hours:7.1f}")
            disk, rows = disk + size, rows + size
        print(f"  {group + ' total':<26} {disk / hours:10,.0f} {rows / hours:10,.0f}")
        totals[0] += disk / hours
        totals[1] += rows / hours
    print(f"  {'all':<26} {totals[0]:10,.0f} {totals[1]:10,.0f}")
    print(
        "  (on disk: growth of pg_total_relation_size, heap + indexes + TOAST, in whole 8 kB\n"
        "  pages: a small table shows 0 until its last page fills; row bytes: pg_column_size\n"
        "  of the rows, without indexes; files: size of the encrypted snapshot files)"
    )
    peak = result["peak"]
    print("\n  Redis, one session, peak MEMORY USAGE of its study keys (bytes):")
    for label, size in peak.peak.items():
        print(f"    {label:<24} {size:8,}")
    print(
        f"    {'total':<24} {peak.peak_total:8,}"
        f"   (open stretch peaked at {peak.segments} segments)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=8, help="learners studying the hour")
    parser.add_argument("--lesson-minutes", type=int, default=60, help="lesson length (>= 60)")
    args = parser.parse_args()
    if args.learners < 1 or args.lesson_minutes < 60:
        parser.error("--learners >= 1 and --lesson-minutes >= 60")
    print(f"Bytes per attested hour (honest learners, real face checks); {_world.load_text()}")
    try:
        result = run(args.learners, args.lesson_minutes)
        report(result)
    except BenchError as error:
        _world.fail(str(error))


if __name__ == "__main__":
    main()
