"""A gunicorn server started and always stopped by a benchmark, and the CPU it uses.

Used by ``heartbeats.py``: :class:`Server` runs ``gunicorn`` in its own process group on a free
port; :class:`CpuMeter` reads the CPU time of that group, of the PostgreSQL backends of the
bench database (``/proc``, Linux) and of redis-server (``INFO cpu``); :func:`http_login` logs a
learner in over HTTP.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _world import REPO_ROOT, BenchError

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_stats() -> list[tuple[int, int, float, str]]:
    """(pid, process group, CPU seconds, command line) of every readable process (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        found.append((int(entry.name), int(fields[2]), cpu, cmdline))
    return found


class CpuMeter:
    """CPU seconds used by the server's process group, by the PostgreSQL backends connected
    to the bench database, by redis-server and RabbitMQ (all their clients: other users add
    noise), and by the whole box."""

    def __init__(self, server_pgid: int, database: str, redis_client):
        self.pgid, self.database, self.redis = server_pgid, database, redis_client

    def sample(self) -> dict[str, dict[int, float] | float]:
        server, postgres, rabbitmq = {}, {}, {}
        for pid, group, cpu, cmdline in _proc_stats():
            if group == self.pgid:
                server[pid] = cpu
            elif cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
                postgres[pid] = cpu
            elif "beam.smp" in cmdline.split(" ", 1)[0] and "rabbit" in cmdline:
                rabbitmq[pid] = cpu
        info = self.redis.info("cpu")
        return {
            "server": server,
            "postgres": postgres,
            "rabbitmq": rabbitmq,
            "redis": info["used_cpu_user"] + info["used_cpu_sys"],
            "box": _box_busy(),
        }

    @staticmethod
    def used(before, after) -> dict[str, float]:
        used = {}
        for key in ("server", "postgres", "rabbitmq"):
            used[key] = sum(cpu - before[key].get(pid, 0.0) for pid, cpu in after[key].items())
        used["redis"] = after["redis"] - before["redis"]
        used["box"] = after["box"] - before["box"]
        return used


def _box_busy() -> float:
    """CPU seconds the whole box has spent busy (all CPUs; /proc/stat, Linux)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def pinned_to(cpus: str) -> list[str]:
    """A command prefix running a process (and its children) on ``cpus`` (``taskset -c``
    list); empty: any CPU."""
    return ["taskset", "-c", cpus] if cpus else []


class Server:
    """``gunicorn`` serving ``target`` on a free port; always stopped by ``stop``."""

    def __init__(
        self, target: str, args: tuple[str, ...], env: dict[str, str], pythonpath=None, cpus=""
    ):
        self.port = free_port()
        # Kept open for the server's lifetime (closed, and so deleted, by ``stop``).
        self.log = tempfile.NamedTemporaryFile(prefix="st-bench-gunicorn-")  # noqa: SIM115
        command = [*pinned_to(cpus), str(GUNICORN), *args, "--bind", f"127.0.0.1:{self.port}"]
        command += ["--log-level", "warning", "--graceful-timeout", "5"]
        if pythonpath is not None:
            command += ["--pythonpath", str(pythonpath)]
        self.process = subprocess.Popen(
            [*command, target],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go with it
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/auth/csrf")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        # Workers left behind by a master that did not stop in time (our process group only).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        self.log.close()


def http_login(port: int, mobile: str, password: str) -> tuple[str, str]:
    """Log in through the JSON API; returns (Cookie header, CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"login": mobile, "password": password})
    conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    if response.status != 200:
        raise BenchError(f"login of {mobile} over HTTP: {response.status} {payload[:300]!r}")
    cookies = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies), json.loads(payload)["csrf_token"]
