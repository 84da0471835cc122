"""Time the machine loses to its host: a busy loop on CPU 0, alone and with the other CPUs busy.

    .venv/bin/python scripts/bench/host_hiccups.py [--rounds 5] [--seconds 8]

A loop pinned to CPU 0 reads the clock as fast as it can; every gap between two reads longer
than 0.2 ms is time the loop did not run (an interrupt, or the hypervisor running something
else on that physical core). Rounds alternate: the loop alone, then the loop with one
spinning process per other CPU under SCHED_IDLE (the policy the face workers run under next
to web, as in compose.yaml). Inside one machine a SCHED_IDLE spinner on another CPU cannot
take CPU 0's time; if the loop still loses more, the host takes it from the whole virtual
machine as it gets busier (its steal, which a guest may not be told of: see ``/proc/stat``).
Prints each round and the medians of lost milliseconds per second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

GAP_S = 0.0002


def lost_time(seconds: float) -> dict:
    """Run the clock loop on CPU 0 for ``seconds``; what it lost, in gaps over ``GAP_S``."""
    os.sched_setaffinity(0, {0})
    gaps = []
    last = began = time.perf_counter()
    while last - began < seconds:
        now = time.perf_counter()
        if now - last > GAP_S:
            gaps.append(now - last)
        last = now
    return {
        "lost_ms_per_s": sum(gaps) * 1000 / seconds,
        "over_1ms": sum(g > 0.001 for g in gaps),
        "over_4ms": sum(g > 0.004 for g in gaps),
        "max_ms": max(gaps, default=0.0) * 1000,
    }


def _spin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    while True:
        pass


def one_round(busy: bool, seconds: float) -> dict:
    spinners = []
    if busy:
        for cpu in sorted(os.sched_getaffinity(0) - {0}):
            spinner = multiprocessing.Process(target=_spin, args=(cpu,), daemon=True)
            spinner.start()
            spinners.append(spinner)
        time.sleep(0.5)
    try:
        return lost_time(seconds)
    finally:
        for spinner in spinners:
            spinner.terminate()
            spinner.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    if 0 not in os.sched_getaffinity(0) or len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs CPU 0 and at least one other CPU")
    results = {False: [], True: []}
    for n in range(1, args.rounds + 1):
        for busy in (False, True):
            result = one_round(busy, args.seconds)
            results[busy].append(result)
            label = "other CPUs busy (SCHED_IDLE)" if busy else "alone"
            print(
                f"round {n} {label:<29} lost {result['lost_ms_per_s']:6.2f} ms/s,"
                f" gaps > 1 ms {result['over_1ms']:4d}, > 4 ms {result['over_4ms']:3d},"
                f" longest {result['max_ms']:6.1f} ms",
                flush=True,
            )
    alone = statistics.median(r["lost_ms_per_s"] for r in results[False])
    busy = statistics.median(r["lost_ms_per_s"] for r in results[True])
    print(
        f"median lost time of a busy loop on CPU 0: alone {alone:.2f} ms/s, other CPUs busy"
        f" {busy:.2f} ms/s ({busy / alone if alone else float('inf'):.1f}x)"
    )


if __name__ == "__main__":
    main()
