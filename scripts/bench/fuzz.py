"""Fuzz the API with schemathesis as every role, long: 0 server errors is the target.

    .venv/bin/python scripts/bench/fuzz.py [--examples 100]

Runs ``tests/api/test_fuzz.py`` (a seeded world: provider, approved course and class, an
enrolled learner with a study session and an open check; each role logged in; the world's ids
mixed into the generated path parameters and bodies) with ``--examples`` examples per operation
and role instead of the suite's 4, against the database and Redis of DATABASE_URL/REDIS_URL
(PostgreSQL: int32 overflow and NUL bytes only fail there). Prints the requests and statuses
per role and the server errors found; exits non-zero on any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fuzz.jsonl"
        env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples), "FUZZ_REPORT": str(report)}
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/api/test_fuzz.py", "-q", "-p", "no:warnings"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        rows = (
            [json.loads(line) for line in report.read_text().splitlines()]
            if report.exists()
            else []
        )
    total: Counter = Counter()
    print(f"schemathesis fuzz, {args.examples} examples per operation and role, {elapsed:.0f} s")
    for row in rows:
        role = row.pop("role")
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row.items()) if k != "requests")
        print(f"  {role:15} {row.get('requests', 0):6} requests  ({statuses})")
        total.update(row)
    server_errors = sum(v for k, v in total.items() if k.isdigit() and int(k) >= 500)
    print(
        f"  total           {total.get('requests', 0):6} requests, server errors: {server_errors}"
    )
    if run.returncode != 0:
        print(run.stdout[-4000:], run.stderr[-2000:], sep="\n")
    return 0 if run.returncode == 0 and server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
