"""The monthly report page under load: p50/p95 with many learners and trace events.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h16_bench \\
    .venv/bin/python scripts/bench/report.py [--learners 100000] [--events 10000000] [--requests 60]

Builds a world on PostgreSQL (see ``_world.py``; the schema is dropped and remade) and fills it
with ``generate_series`` in SQL: 110 providers in Shaanxi's 11 cities, 550 classes with a
programme category, ``--learners`` learners (one class each, joined over the year), one study
session and three face checks per learner, two days of credited time per learner, and
``--events`` trace events spread over the learners and the year (1 % heartbeat anomalies).
Then it runs the scheduled aggregation for every month of the year (timed), the warnings job
(timed), and requests the report page as a province and as a city regulator in-process
(Flask test client, each request in a fresh app context), printing p50/p95 of the page.

The page reads only ``monthly_aggregates`` and ``report_targets`` (a few hundred rows), so its
time does not grow with the trace; the jobs do, linearly. With a smaller ``--events`` the
script prints the size it ran and a linear extrapolation of the jobs to 10 million events.
"""

from __future__ import annotations

import argparse
import time

import _world
from _world import BenchError, World

YEAR = 2026
TARGET_EVENTS = 10_000_000


def fill(db, learners: int, events: int) -> dict[str, float]:
    """Make the rows with generate_series; returns seconds per step."""
    from sqlalchemy import text

    steps = {
        "providers": """
            INSERT INTO providers (name, credit_code, city_code, status, created_at)
            SELECT '机构' || i, '9' || lpad(i::text, 17, '0'),
                   '61' || lpad(((i - 1) % 11 + 1)::text, 2, '0'), 'active', now()
            FROM generate_series(1, 110) i""",
        "staff": """
            INSERT INTO users (role, name, mobile, password_hash, provider_id, is_active_account,
                               created_at)
            SELECT 'provider_staff', '职员' || i, '180' || lpad(i::text, 8, '0'), 'x', i, true,
                   now() FROM generate_series(1, 110) i""",
        "courses": """
            INSERT INTO courses (provider_id, title, occupation, skill_level, description,
                                 required_tenths, status, created_at, updated_at)
            SELECT i, '课程' || i, '电工', '5', '', 10, 'approved', now(), now()
            FROM generate_series(1, 110) i""",
        "lessons": """
            INSERT INTO lessons (course_id, position, title, media_path, content_type, size_bytes,
                                 sha256, duration_s, width, height, codec, original_name,
                                 created_at)
            SELECT i, 1, '第1课', 'bench/' || i || '.webm', 'video/webm', 1, repeat('0', 64),
                   3600, 64, 48, 'vp8', '', now() FROM generate_series(1, 110) i""",
        "classes": f"""
            INSERT INTO training_classes (provider_id, course_id, name, code, start_date,
                                          end_date, capacity, status, created_by_id, created_at)
            SELECT (i - 1) % 110 + 1, (i - 1) % 110 + 1, '班' || i, 'B' || lpad(i::text, 7, '0'),
                   DATE '{YEAR}-01-01', DATE '{YEAR}-12-31', 10000, 'approved',
                   (i - 1) % 110 + 1, now()
            FROM generate_series(1, 550) i""",
        "categories": """
            INSERT INTO class_categories (class_id, category, set_by_id, set_at)
            SELECT i, (ARRAY['key_groups','migrant_workers','enterprise_staff','apprentices',
                             'school_county','startup'])[i % 6 + 1], 1, now()
            FROM generate_series(1, 550) i""",
        "learners": f"""
            INSERT INTO users (role, name, mobile, password_hash, is_active_account, created_at)
            SELECT 'learner', '学员' || i, '1' || lpad(i::text, 10, '0'), 'x', true, now()
            FROM generate_series(1, {learners}) i""",
        "members": f"""
            INSERT INTO class_members (class_id, learner_id, via, joined_at)
            SELECT (i - 1) % 550 + 1, 110 + i, 'code',
                   TIMESTAMPTZ '{YEAR}-01-01 08:00+08' + ((i * 7919) % 330) * interval '1 day'
            FROM generate_series(1, {learners}) i""",
        "sessions": f"""
            INSERT INTO study_sessions (learner_id, lesson_id, class_id, course_id, state,
                                        started_at, credited_seconds, client_info)
            SELECT 110 + i, (i - 1) % 110 + 1, (i - 1) % 550 + 1, (i - 1) % 110 + 1, 'ended',
                   TIMESTAMPTZ '{YEAR}-01-02 09:00+08' + ((i * 7919) % 330) * interval '1 day',
                   2700, '10.' || (i % 250) || '.' || (i % 199) || '.1 bench'
            FROM generate_series(1, {learners}) i""",
        "checks": """
            INSERT INTO face_checks (session_id, learner_id, kind, nonce_hash, issued_at,
                                     deadline_at, status, tries)
            SELECT s.id, s.learner_id, 'random', repeat('0', 64),
                   s.started_at + k * interval '10 minutes',
                   s.started_at + k * interval '11 minutes',
                   CASE WHEN (s.id + k) % 17 = 0 THEN 'failed'
                        WHEN (s.id + k) % 29 = 0 THEN 'missed' ELSE 'passed' END, 1
            FROM study_sessions s CROSS JOIN generate_series(1, 3) k""",
        "credited": """
            INSERT INTO credited_time (learner_id, lesson_id, course_id, day, seconds,
                                       capped_seconds)
            SELECT s.learner_id, s.lesson_id, s.course_id,
                   to_char((s.started_at AT TIME ZONE 'Asia/Shanghai') + d * interval '1 day',
                           'YYYY-MM-DD'),
                   1350 + (s.learner_id % 7) * 60, 0
            FROM study_sessions s CROSS JOIN generate_series(0, 1) d""",
        "trace": f"""
            INSERT INTO trace_events (learner_id, seq, kind, occurred_at, session_id, event_json,
                                      prev_hash, hash)
            SELECT 110 + (i - 1) % {learners} + 1, (i - 1) / {learners} + 1,
                   CASE WHEN i % 100 = 0 THEN 'heartbeat_anomaly'
                        WHEN i % 10 = 1 THEN 'check_passed'
                        ELSE 'stretch_credited' END,
                   TIMESTAMPTZ '{YEAR}-01-01 08:00+08' + (i % 28500000) * interval '1 second',
                   NULL,
                   CASE WHEN i % 100 = 0
                        THEN '{{"data": {{"codes": ["rate_too_high"]}}}}'
                        ELSE '{{"data": {{}}}}' END,
                   repeat('0', 64), md5(i::text) || md5((-i)::text)
            FROM generate_series(1, {events}) i""",
    }
    timings = {}
    for name, sql in steps.items():
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(text(sql))
        timings[name] = time.perf_counter() - started
        print(f"  {name:<11} {timings[name]:7.1f} s", flush=True)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=TARGET_EVENTS)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    try:
        with World() as world:
            run(world, args)
    except BenchError as error:
        _world.fail(str(error))


def run(world: World, args) -> None:
    from skilltrace.extensions import db
    from skilltrace.identity.models import Role
    from skilltrace.identity.services import account_service
    from skilltrace.oversight.report import aggregate_month
    from skilltrace.oversight.targets import seed_targets
    from skilltrace.oversight.warnings import run_warnings

    app = world.app
    print(f"filling: {args.learners} learners, {args.events} trace events ({_world.load_text()})")
    with app.app_context():
        fill(db, args.learners, args.events)
        seed_targets(YEAR)
        province = account_service().create_staff(
            Role.REGULATOR, "省监管", "17700000001", "bench-password-1", region_scope="61"
        )
        city = account_service().create_staff(
            Role.REGULATOR, "市监管", "17700000002", "bench-password-1", region_scope="6101"
        )
        logins = [(province.mobile, "61"), (city.mobile, "6101")]
        started = time.perf_counter()
        for month in range(1, 13):
            aggregate_month(f"{YEAR}-{month:02d}")
        aggregate_s = time.perf_counter() - started
        app.config["OVERSIGHT_LOOKBACK_DAYS"] = 400  # the whole generated year
        started = time.perf_counter()
        found = run_warnings()
        warnings_s = time.perf_counter() - started
    print(f"aggregation job, 12 months: {aggregate_s:.2f} s")
    print(f"warnings job over the whole year: {warnings_s:.2f} s ({found['findings']} findings)")
    for mobile, region in logins:
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login", json={"login": mobile, "password": "bench-password-1"}
        )
        if response.status_code != 200:
            raise BenchError(f"login failed: {response.get_json()}")
        path = f"/oversight/report?year={YEAR}&region={region}"
        for _ in range(5):  # warm-up
            client.get(path)
        samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise BenchError(f"{path}: {response.status_code}")
        p50, p95 = _world.percentiles(samples)
        print(
            f"report page {region:>4}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({args.requests} requests)"
        )
    if args.events < TARGET_EVENTS:
        factor = TARGET_EVENTS / args.events
        print(
            f"ran {args.events} events (not {TARGET_EVENTS}); the page reads aggregates only and "
            f"stays flat; the jobs scale ~linearly: x{factor:.1f} -> aggregation "
            f"~{aggregate_s:.1f} s (no trace read), warnings ~{warnings_s * factor:.0f} s"
        )
    print(_world.load_text())


if __name__ == "__main__":
    main()
