"""Parts of the load simulation (``load.py``): the simulated player's HTTP client and the
face-worker processes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import _world
from _serve import pinned_to
from _world import BenchError

CELERY = Path(sys.executable).parent / "celery"
# The jobs worker's weight against the web's: nice 6 is 272 against 1024, about the quarter
# compose.yaml gives it (cpu_shares: 256 against 1024).
JOBS_AUTOGROUP_NICE = 6


@dataclass
class Reply:
    """What the learner's player reads of an answer."""

    status_code: int
    body: bytes
    server_timing: str = ""  # the answer's Server-Timing header, if any
    retry_after: float = 1.0  # the answer's Retry-After (a 202's: when to poll again)

    @property
    def server_ms(self) -> tuple[float, str] | None:
        """(milliseconds inside the app, "quiet" or "flask") from ``Server-Timing``."""
        if not self.server_timing.startswith("app;"):
            return None
        fields = dict(part.split("=", 1) for part in self.server_timing.split(";")[1:])
        return float(fields["dur"]), fields.get("desc", "")

    def json(self):
        import json

        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Player:
    """One learner's HTTP client: aiohttp with a cookie jar, kept-alive connections. (httpx,
    used before, took ~3 ms of CPU per request; on a 2-core box the load generators then used a
    quarter of the machine the server was measured on.)"""

    def __init__(self, base: str):
        import aiohttp

        self.base = base
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # 127.0.0.1: an IP address
            timeout=aiohttp.ClientTimeout(total=60),
            # Idle connections are dropped before gunicorn's 2 s keep-alive closes them: a
            # request sent on a connection the server is closing at that moment fails with
            # "Connection reset" or "Server disconnected" (a few per run otherwise).
            connector=aiohttp.TCPConnector(keepalive_timeout=1.0),
        )

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.session.close()

    async def post(self, path, json=None, data=None, files=None, headers=None, base=None) -> Reply:
        import aiohttp

        body = None
        if files is not None:
            body = aiohttp.FormData()
            for name, value in (data or {}).items():
                body.add_field(name, value)
            for name, (filename, content, kind) in files:
                body.add_field(name, content, filename=filename, content_type=kind)
        async with self.session.post(
            (base or self.base) + path, json=json, data=body, headers=headers
        ) as response:
            return await _reply(response)

    async def get(self, path) -> Reply:
        async with self.session.get(self.base + path) as response:
            return await _reply(response)


async def _reply(response) -> Reply:
    headers = response.headers
    return Reply(
        response.status,
        await response.read(),
        headers.get("Server-Timing", ""),
        float(headers.get("Retry-After", 1)),
    )


def set_autogroup_nice(pid: int, nice: int) -> None:
    """Give the session ``pid`` leads the niceness ``nice`` as a whole. With the kernel's
    autogroups on (``/proc/sys/kernel/sched_autogroup_enabled``), each session is scheduled
    as one group against the others at equal weight, whatever its processes' own niceness:
    a niced worker started in a session of its own would still take half the CPU from the web
    server's session. (compose.yaml's ``cpu_shares`` does the same with cgroups.)"""
    # No autogroups (the processes' own niceness applies), or not allowed: left as it is.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


class FaceWorkers:
    """``celery worker`` with K processes on the faces queue, in its own process group, and
    one ``celery worker -B`` on the jobs queue running the beat schedule (``study.issue_checks``
    opens the due checks), in another. As in compose.yaml, the face workers run at a low
    priority (SCHED_IDLE by default, or niced) and the jobs worker at normal priority with a
    quarter of the web's weight (autogroup nice 6, as ``cpu_shares: 256``): heartbeats stay
    quiet only while its jobs keep time, and face work must not starve it."""

    def __init__(
        self,
        env: dict,
        concurrency: int,
        nice: int = 0,
        idle: bool = False,
        cpus: str = "",
        jobs_cpus: str = "",
    ):
        priority = ["chrt", "--idle", "0"] if idle else ["nice", "-n", str(nice)]
        pinned = {"faces": pinned_to(cpus), "jobs": pinned_to(jobs_cpus)}
        self.logs, self.processes = [], []
        self.beat_dir = tempfile.TemporaryDirectory(prefix="st-bench-beat-")
        for queue, options in (
            ("faces", ["-c", str(concurrency)]),
            ("jobs", ["-c", "1", "-B", "--schedule", f"{self.beat_dir.name}/schedule"]),
        ):
            log = tempfile.NamedTemporaryFile(prefix=f"st-bench-celery-{queue}-")  # noqa: SIM115
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    pinned[queue]
                    + (priority if queue == "faces" else [])
                    + [str(CELERY), "-A", "skilltrace.tasks:worker_app", "worker", "-Q", queue]
                    + ["-n", f"{queue}@%h"]
                    + options
                    + ["-l", "INFO", "--without-gossip", "--without-mingle"],
                    cwd=_world.REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        self.process, self.jobs = self.processes  # the face workers; the jobs worker
        set_autogroup_nice(self.process.pid, 19 if idle else nice)
        set_autogroup_nice(self.jobs.pid, JOBS_AUTOGROUP_NICE)

    def wait_ready(self, timeout=120.0) -> None:
        deadline = time.time() + timeout
        for process, log in zip(self.processes, self.logs, strict=True):
            while time.time() < deadline:
                if b"ready." in Path(log.name).read_bytes():
                    break
                if process.poll() is not None:
                    deadline = 0
                time.sleep(0.3)
            else:
                raise BenchError(
                    f"celery worker did not start:\n{Path(log.name).read_text()[-2000:]}"
                )

    def stop(self) -> None:
        import signal

        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it had stopped already
        for log in self.logs:
            log.close()
        self.beat_dir.cleanup()
