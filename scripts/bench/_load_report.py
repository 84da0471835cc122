"""The figures of the load simulation (``load.py``): one row per measured phase and the
limits a sustained population stays within."""

from __future__ import annotations

import os
import statistics

HEARTBEAT_P95_MS, CHECK_P95_MS = 100.0, 3000.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def row(label: str, result: dict, args) -> tuple[float, float, bool]:
    t = result["tally"]
    hb95, ck95 = pct(t.heartbeats, 95), pct(t.checks, 95)
    checks = len(t.checks)
    per_check = (
        result["worker_cpu"] / checks
        if result["worker_cpu"] and checks
        else (result["web_cpu"] / checks if checks else float("nan"))
    )
    ok = not t.failures and hb95 <= HEARTBEAT_P95_MS and checks > 0 and ck95 <= CHECK_P95_MS
    if not result.get("checks", True):
        ok = not t.failures and hb95 <= HEARTBEAT_P95_MS
    print(
        f"  {label:<34} {len(t.heartbeats) / args.duration:7.1f} {checks / args.duration:6.2f}"
        f" {pct(t.heartbeats, 50):6.1f} {hb95:6.1f} {pct(t.heartbeats, 99):6.1f}"
        f" {pct(t.checks, 50):6.0f} {ck95:6.0f} {pct(t.checks, 99):6.0f}"
        f" {per_check * 1000:7.0f} {result['web_cpu']:6.1f} {result['worker_cpu']:6.1f}"
        f"  {'ok' if ok else 'NOT sustained'}",
        flush=True,
    )
    if t.issuing:
        print(
            f"    {len(t.issuing)} heartbeats issued a check: p50 {pct(t.issuing, 50):.1f} ms,"
            f" p95 {pct(t.issuing, 95):.1f} ms"
        )
    if t.after:
        print(
            f"    {len(t.after)} heartbeats followed a verdict: p50 {pct(t.after, 50):.1f} ms,"
            f" p95 {pct(t.after, 95):.1f} ms"
        )
    if t.during:
        print(
            f"    {len(t.during)} heartbeats sent while the learner's answer was in flight:"
            f" p50 {pct(t.during, 50):.1f} ms, p95 {pct(t.during, 95):.1f} ms"
        )
    if t.others and (t.issuing or t.after):
        print(
            f"    {len(t.others)} other heartbeats: p50 {pct(t.others, 50):.1f} ms,"
            f" p95 {pct(t.others, 95):.1f} ms, p99 {pct(t.others, 99):.1f} ms"
        )
    if t.inside:
        print(
            f"    inside the app (Server-Timing): p50 {pct(t.inside, 50):.2f} ms, p95"
            f" {pct(t.inside, 95):.2f} ms, p99 {pct(t.inside, 99):.2f} ms;"
            f" {t.through_flask} of {len(t.inside)} through Flask"
        )
    if result.get("jobs_cpu"):
        print(
            "    jobs worker and beat (due checks, credits, access re-checks):"
            f" {result['jobs_cpu']:.1f} s CPU"
        )
    print(f"    load generators: {t.generator_cpu_s:.1f} s CPU in the window, on the same box")
    cpu = result["cpu"]
    print(
        f"    PostgreSQL {cpu['postgres']:.1f} s, Redis {cpu['redis']:.1f} s, RabbitMQ"
        f" {cpu['rabbitmq']:.1f} s CPU; the box {cpu['box']:.1f} s busy"
        f" of {args.duration * (os.cpu_count() or 1):.0f}"
    )
    if t.failures:
        print(f"    {len(t.failures)} failures, first: {t.failures[:2]}")
    if t.refused:
        print(f"    retried checks by reason: {t.refused}")
    if not t.heartbeats:
        print(f"    no heartbeat measured; the learners got as far as {t.progress}")
    return hb95, ck95, ok


HEADER = (
    f"  {'phase':<34} {'hb/s':>7} {'chk/s':>6} {'hb50':>6} {'hb95':>6} {'hb99':>6}"
    f" {'chk50':>6} {'chk95':>6} {'chk99':>6} {'cpu/chk':>7} {'webCPU':>6} {'wrkCPU':>6}"
)
