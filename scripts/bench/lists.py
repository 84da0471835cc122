"""Benchmark: regulators' list and search pages on 100,000 learners and 1,000 classes.

Builds a world on the bench database (PostgreSQL; see ``_world.py``) with COPY: 20 providers
in the 11 cities, 50 courses, 1,000 classes, 100,000 learners (each in one class, one in ten in
a second), 60,000 study sessions and 6,000 failed or missed checks. Then a province regulator
and a Xi'an regulator call the list API (``/api/v1/learners``, ``/api/v1/lists/classes``,
``/api/v1/lists/courses``) with searches and filters through the Flask test client, and the
p50/p95 per kind of request is printed. Target: p95 <= 200 ms.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/st_bench \\
        .venv/bin/python scripts/bench/lists.py [--learners 100000] [--classes 1000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from _world import PASSWORD, BenchError, World, fail, load_text, percentiles

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健"
    "俊帆帅旭宁龙林欣悦"
)
CITIES = [f"61{n:02d}" for n in range(1, 12)]


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build(world: World, learners: int, classes: int) -> dict:
    """Bulk-insert the world; returns ids the timings use."""
    from skilltrace.extensions import db
    from skilltrace.identity.models import Role
    from skilltrace.identity.services import account_service

    rng = random.Random(13)
    now = datetime.now(UTC)
    service = account_service()
    province = service.create_staff(
        Role.REGULATOR, "省监管", "13800000001", PASSWORD, None, None, "61"
    )
    xian = service.create_staff(
        Role.REGULATOR, "西安监管", "13800000002", PASSWORD, None, None, "6101"
    )
    db.session.commit()
    raw = db.session.connection().connection.driver_connection
    cur = raw.cursor()
    providers = [
        (i, f"机构{i}", f"91{CITIES[i % 11]}00MA{i:08d}", CITIES[i % 11]) for i in range(1, 21)
    ]
    copy_rows(
        cur,
        "providers",
        ["id", "name", "credit_code", "city_code", "status", "created_at"],
        ((i, name, code, city, "active", now) for i, name, code, city in providers),
    )
    copy_rows(
        cur,
        "courses",
        [
            "id",
            "provider_id",
            "title",
            "occupation",
            "skill_level",
            "description",
            "required_tenths",
            "status",
            "created_at",
            "updated_at",
        ],
        (
            (i, 1 + i % 20, f"课程{i}电工安全", "电工", "5", "", 80, "approved", now, now)
            for i in range(1, 51)
        ),
    )
    copy_rows(
        cur,
        "lessons",
        [
            "id",
            "course_id",
            "position",
            "title",
            "media_path",
            "content_type",
            "size_bytes",
            "sha256",
            "duration_s",
            "width",
            "height",
            "codec",
            "original_name",
            "created_at",
        ],
        (
            (
                i,
                i,
                1,
                "第1课",
                f"bench/{i}.webm",
                "video/webm",
                1,
                "0" * 64,
                600.0,
                640,
                360,
                "vp9",
                "",
                now,
            )
            for i in range(1, 51)
        ),
    )
    today = date.today()
    class_rows = []
    for i in range(1, classes + 1):
        course = 1 + i % 50
        start = today - timedelta(days=rng.randint(0, 120))
        class_rows.append(
            (
                i,
                1 + course % 20,
                course,
                f"{i}期培训班",
                f"B{i:07d}",
                start,
                start + timedelta(days=60),
                500,
                rng.choice(["approved"] * 8 + ["submitted", "rejected"]),
                province.id,
                now,
            )
        )
    copy_rows(
        cur,
        "training_classes",
        [
            "id",
            "provider_id",
            "course_id",
            "name",
            "code",
            "start_date",
            "end_date",
            "capacity",
            "status",
            "created_by_id",
            "created_at",
        ],
        class_rows,
    )
    first = 1000
    copy_rows(
        cur,
        "users",
        [
            "id",
            "role",
            "name",
            "id_number_lookup",
            "id_number_masked",
            "mobile",
            "password_hash",
            "is_active_account",
            "created_at",
        ],
        (
            (
                first + n,
                "learner",
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                f"lookup{n:012d}",
                f"6101{n % 100:02d}********{n % 10000:04d}",
                f"15{n:09d}",
                "x",
                True,
                now,
            )
            for n in range(learners)
        ),
    )
    members, sessions, checks = [], [], []
    member_id = session_id = check_id = 0
    for n in range(learners):
        learner = first + n
        class_id = 1 + n % classes
        for cid in (class_id, 1 + (n * 7 + 3) % classes) if n % 10 == 0 else (class_id,):
            member_id += 1
            members.append((member_id, cid, learner, "code", now))
        if n % 5 < 3:  # three in five have studied
            session_id += 1
            course = 1 + class_id % 50
            started = now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440))
            sessions.append(
                (session_id, learner, course, class_id, course, "ended", started, 300.0)
            )
            if n % 10 == 1:
                check_id += 1
                checks.append(
                    (
                        check_id,
                        session_id,
                        learner,
                        "random",
                        "0" * 64,
                        started,
                        started,
                        rng.choice(["failed", "missed"]),
                        1,
                    )
                )
    copy_rows(cur, "class_members", ["id", "class_id", "learner_id", "via", "joined_at"], members)
    copy_rows(
        cur,
        "study_sessions",
        [
            "id",
            "learner_id",
            "lesson_id",
            "class_id",
            "course_id",
            "state",
            "started_at",
            "credited_seconds",
        ],
        sessions,
    )
    copy_rows(
        cur,
        "face_checks",
        [
            "id",
            "session_id",
            "learner_id",
            "kind",
            "nonce_hash",
            "issued_at",
            "deadline_at",
            "status",
            "tries",
        ],
        checks,
    )
    for table in (
        "providers",
        "courses",
        "lessons",
        "training_classes",
        "users",
        "class_members",
        "study_sessions",
        "face_checks",
    ):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    db.session.commit()
    cur = db.session.connection().connection.driver_connection.cursor()
    cur.execute("ANALYZE")
    db.session.commit()
    return {
        "province": province.mobile,
        "xian": xian.mobile,
        "classes": classes,
        "members": len(members),
        "sessions": len(sessions),
        "checks": len(checks),
    }


def requests(rng: random.Random, classes: int) -> dict:
    """Kinds of request -> a function making one URL."""
    return {
        "learners: first page": lambda: "/api/v1/learners",
        "learners: surname": lambda: f"/api/v1/learners?q={rng.choice(SURNAMES)}",
        "learners: two characters": lambda: (
            f"/api/v1/learners?q={rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
        ),
        "learners: mobile part": lambda: f"/api/v1/learners?q={rng.randint(0, 9999):04d}",
        "learners: ID part": lambda: f"/api/v1/learners?q=6101{rng.randint(0, 99):02d}",
        "learners: class": lambda: f"/api/v1/learners?class={rng.randint(1, classes)}",
        "learners: flagged": lambda: "/api/v1/learners?state=flagged",
        "learners: studying, page 5": lambda: "/api/v1/learners?state=studying&page=5",
        "learners: studied since": lambda: (
            f"/api/v1/learners?from={date.today() - timedelta(days=rng.randint(1, 30))}"
        ),
        "classes: city and state": lambda: (
            f"/api/v1/lists/classes?city={rng.choice(CITIES)}&state=approved"
        ),
        "classes: name": lambda: f"/api/v1/lists/classes?q={rng.randint(1, classes)}期",
        "courses: title": lambda: f"/api/v1/lists/courses?q=课程{rng.randint(1, 50)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the world (to EXPLAIN queries)")
    parser.add_argument("--sql", action="store_true", help="print each kind's SQL once")
    args = parser.parse_args()
    if args.sql:
        import logging

        logging.basicConfig()
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
        args.rounds = 1
    try:
        with World() as world, world.app.app_context():
            started = time.perf_counter()
            facts = build(world, args.learners, args.classes)
            print(
                f"world: {args.learners} learners, {facts['classes']} classes, "
                f"{facts['members']} memberships, {facts['sessions']} sessions, "
                f"{facts['checks']} failed/missed checks, built in "
                f"{time.perf_counter() - started:.1f} s; {load_text()}"
            )
            worst = 0.0
            for who in ("province", "xian"):
                client = world.app.test_client()
                response = client.post(
                    "/api/v1/auth/login", json={"login": facts[who], "password": PASSWORD}
                )
                if response.status_code != 200:
                    raise BenchError(f"login failed: {response.get_json()}")
                rng = random.Random(7)
                for kind, make in requests(rng, args.classes).items():
                    samples, total = [], None
                    for _ in range(args.rounds):
                        url = make()
                        t0 = time.perf_counter()
                        response = client.get(url)
                        samples.append((time.perf_counter() - t0) * 1000)
                        if response.status_code != 200:
                            raise BenchError(f"{url}: {response.status_code} {response.get_json()}")
                        total = response.get_json()["total"]
                    p50, p95 = percentiles(samples)
                    worst = max(worst, p95)
                    print(
                        f"{who:9s} {kind:30s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                        f"  (last total {total})"
                    )
            print(
                f"worst p95 {worst:.1f} ms (target <= 200 ms): {'OK' if worst <= 200 else 'MISSED'}"
            )
    except BenchError as error:
        fail(str(error))


if __name__ == "__main__":
    sys.exit(main())
