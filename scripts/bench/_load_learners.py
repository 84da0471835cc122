"""The simulated learners of the load simulation (``load.py``): one asyncio coroutine per
learner (log in, start a session, answer its checks, heartbeat every ``HEARTBEAT_S``) in
generator processes, and the tally of what they measured."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import _world
from _load_parts import Player


@dataclass
class Tally:
    heartbeats: list[float] = field(default_factory=list)
    issuing: list[float] = field(default_factory=list)  # the heartbeats that issued a check
    after: list[float] = field(default_factory=list)  # the first heartbeat after a verdict
    during: list[float] = field(default_factory=list)  # sent while the learner's answer ran
    others: list[float] = field(default_factory=list)  # every other heartbeat
    inside: list[float] = field(default_factory=list)  # the same heartbeats' time in the app
    through_flask: int = 0  # of them, answered by Flask (not the quiet path)
    checks: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    refused: dict = field(default_factory=dict)
    generator_cpu_s: float = 0.0  # CPU the load generators used in the measured window
    progress: dict = field(default_factory=dict)  # how far the learners got

    def step(self, name: str) -> None:
        self.progress[name] = self.progress.get(name, 0) + 1

    def merge(self, other: Tally) -> None:
        for name, n in other.progress.items():
            self.progress[name] = self.progress.get(name, 0) + n
        self.heartbeats += other.heartbeats
        self.issuing += other.issuing
        self.after += other.after
        self.during += other.during
        self.others += other.others
        self.inside += other.inside
        self.through_flask += other.through_flask
        self.checks += other.checks
        self.generator_cpu_s += other.generator_cpu_s
        self.failures += other.failures
        for reason, n in other.refused.items():
            self.refused[reason] = self.refused.get(reason, 0) + n


async def _learner(ports, learner, bursts, lesson_id, heartbeat_s, window, tally, start_by):
    base, beats_base = (f"http://127.0.0.1:{port}" for port in ports)
    measure_from, stop_at, ready = window  # shared values: the window opens once all signed in

    def measured(began: float, ended: float) -> bool:
        return 0 < measure_from.value <= began and ended <= stop_at.value

    def running() -> bool:
        return stop_at.value == 0 or time.time() < stop_at.value

    async with Player(base) as client:
        await asyncio.sleep(random.uniform(0, start_by))
        login = await client.post(
            "/api/v1/auth/login", json={"login": learner[1], "password": _world.PASSWORD}
        )
        if login.status_code != 200:
            tally.failures.append(f"login {login.status_code}")
            return
        tally.step("logged in")
        headers = {"X-CSRFToken": login.json()["csrf_token"]}
        started = await client.post(
            "/api/v1/study/sessions",
            json={"lesson_id": lesson_id, "take_over": True},
            headers=headers,
        )
        if started.status_code != 201:
            tally.failures.append(f"start {started.status_code} {started.text[:200]}")
            return
        tally.step("started")
        session_id = started.json()["session_id"]
        origin = time.time()
        answering: set = set()
        verdicts: list = []

        async def answer(check, first=False):
            try:
                await answering_check(check, first)
            except Exception as error:  # a crashed answer must show, not hang the warm-up
                tally.failures.append(f"answer crashed: {error!r}")

        async def answering_check(check, first):
            began = time.time()
            while check is not None:
                frames = (
                    bursts.pop() if bursts else _world.check_frames(random.randrange(10**6, 10**9))
                )
                files = [("frames", (f"f{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)]
                response = await client.post(
                    f"/api/v1/study/sessions/{session_id}/checks/{check['id']}",
                    data={"nonce": check["nonce"]},
                    files=files,
                    headers=headers,
                )
                while response.status_code == 202:  # as the player: after Retry-After
                    await asyncio.sleep(response.retry_after)
                    response = await client.get(response.json()["poll"])
                if response.status_code != 200:
                    tally.failures.append(f"answer {response.status_code} {response.text[:200]}")
                    return
                body = response.json()
                if body["passed"]:
                    verdicts.append(True)
                    break
                tally.refused[body["reason"]] = tally.refused.get(body["reason"], 0) + 1
                check = body["check"]
            if first:
                with ready.get_lock():
                    ready.value += 1
            elif measured(began, time.time()):
                tally.checks.append((time.time() - began) * 1000)

        task = None
        if started.json()["check"]:
            task = asyncio.ensure_future(answer(started.json()["check"], first=True))
            answering.add(started.json()["check"]["id"])
        next_beat = time.time() + heartbeat_s
        while running():
            await asyncio.sleep(max(0.0, next_beat - time.time()))
            next_beat += heartbeat_s
            now = time.time()
            began = time.perf_counter()
            answer_running = task is not None and not task.done()
            response = await client.post(
                f"/api/v1/study/sessions/{session_id}/heartbeats",
                base=beats_base,
                json={
                    "position": now - origin,
                    "playing": True,
                    "playback_rate": 1.0,
                    "visible": True,
                },
                headers=headers,
            )
            elapsed = (time.perf_counter() - began) * 1000
            tally.step("heartbeats")
            if response.status_code != 200:
                tally.failures.append(f"heartbeat {response.status_code} {response.text[:200]}")
                continue
            check = response.json()["check"]
            if measured(now, time.time()):
                tally.heartbeats.append(elapsed)
                inside = response.server_ms
                if inside:
                    tally.inside.append(inside[0])
                    tally.through_flask += inside[1] == "flask"
                if check and check["id"] not in answering:
                    tally.issuing.append(elapsed)
                elif verdicts:
                    tally.after.append(elapsed)
                elif answer_running:
                    tally.during.append(elapsed)
                else:
                    tally.others.append(elapsed)
            verdicts.clear()
            if check and check["id"] not in answering:
                answering.add(check["id"])
                task = asyncio.ensure_future(answer(check))
        if task is not None and not task.done():
            task.cancel()


def generate(ports, learners, bursts, lesson_id, heartbeat_s, window, start_by, out):
    async def run():
        tally = Tally()

        async def meter():
            measure_from, stop_at, _ready = window
            while not (0 < measure_from.value <= time.time()):
                await asyncio.sleep(0.05)
            began = time.process_time()
            while time.time() < stop_at.value:
                await asyncio.sleep(0.05)
            tally.generator_cpu_s += time.process_time() - began

        metering = asyncio.ensure_future(meter())
        outcomes = await asyncio.gather(
            *(
                _learner(ports, learner, bursts[i], lesson_id, heartbeat_s, window, tally, start_by)
                for i, learner in enumerate(learners)
            ),
            return_exceptions=True,
        )
        tally.failures += [repr(o) for o in outcomes if isinstance(o, BaseException)]
        await metering
        return tally

    out.put(asyncio.run(run()))
