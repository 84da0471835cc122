"""Face-engine latency on one core: stages of a 640x480 check, bursts, template search.

    .venv/bin/python scripts/bench/faces.py [--rounds 30]

Pins itself to one CPU with single-threaded BLAS and recogniser, and reports CPU time, so the
figures are per request on one core even on a shared machine.
Targets: single-frame verification <= 150 ms p50, 3-frame burst <= 250 ms p50 (see the
report's note), duplicate search <= 50 ms per query at 100k templates.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "platform"))
SHARED_FACES = Path(
    os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces")
)

from skilltrace.faces.engine import FaceEngine  # noqa: E402
from skilltrace.faces.liveness import judge_turn  # noqa: E402
from skilltrace.faces.prints import take_print  # noqa: E402
from skilltrace.faces.search import TemplateIndex  # noqa: E402

TARGETS = {"analyze_image + distance": 150.0, "verify_burst, 3 frames": 250.0}
# (the 3-frame target is the issue's: a check with liveness <= 250 ms server CPU p50)
SEARCH_TARGET_MS = 50.0


def timed(function, rounds: int) -> tuple[list[float], object]:
    """CPU milliseconds of ``rounds`` calls (after one warm-up call) and the last result.

    CPU time of this process (the machine is shared: wall time would measure the others)."""
    result = function()
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        result = function()
        samples.append((time.process_time() - start) * 1000)
    return samples, result


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of a list of timings."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def row(label: str, samples: list[float], target: float | None = None) -> None:
    p50, p95 = percentiles(samples)
    verdict = "" if target is None else ("  ok" if p50 <= target else f"  > {target:.0f} target")
    print(f"  {label:<44} {p50:8.1f} {p95:8.1f}{verdict}")


def webcam_frame(dx: float = 0.0, dy: float = 0.0, seed: int = 0) -> bytes:
    """cases/obama-480p.jpg cut to 640x480 (a 128 px face), moved and noised like a webcam."""
    picture = cv2.imread(str(SHARED_FACES / "cases" / "obama-480p.jpg"))[:, 106:746]
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(picture, shift, (640, 480), borderMode=cv2.BORDER_REFLECT)
    noise = np.random.default_rng(seed).normal(0, 2.0, moved.shape)
    noisy = np.clip(np.rint(moved + noise), 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def bench_stages(engine: FaceEngine, rounds: int) -> None:
    frame = webcam_frame()
    template = engine.analyze_image((SHARED_FACES / "people/obama/obama.jpg").read_bytes()).encoding
    rgb = engine.decode(frame)
    face = engine.detect(rgb)[0]
    aligned = engine.aligned(rgb, face)
    print(f"\nOne 640x480 frame, model {engine.model_id}")
    print(f"  {'stage (CPU ms per frame)':<44} {'p50':>8} {'p95':>8}")
    row("decode (Pillow, JPEG -> RGB)", timed(lambda: engine.decode(frame), rounds)[0])
    row("detect + 5 landmarks (YuNet int8, 640x480)", timed(lambda: engine.detect(rgb), rounds)[0])
    row("quality figures", timed(lambda: engine.measure(rgb, face), rounds)[0])
    row("align to 112x112", timed(lambda: engine.aligned(rgb, face), rounds)[0])
    row(
        "embed (SFace in float, OpenVINO)",
        timed(lambda: engine.models.embed_aligned(aligned), rounds)[0],
    )
    row("content print (phash + 24x24)", timed(lambda: take_print(aligned), rounds)[0])

    def verify() -> float:
        return engine.distance(engine.analyze_image(frame).encoding, template)

    samples, gap = timed(verify, rounds)
    row("total: analyze_image + distance", samples, TARGETS["analyze_image + distance"])
    print(f"  (distance to obama/obama.jpg template: {gap:.3f})")


def bench_burst(engine: FaceEngine, rounds: int) -> None:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "faces"))
    import liveness_frames as clip

    template = engine.analyze_image(clip.enrollment_photo()).encoding
    frames = clip.turn_burst("turn_right", burst=1)
    print(f"\nFace check bursts (CPU ms per burst)              {'p50':>8} {'p95':>8}")

    def challenge():
        checks = engine.inspect_burst(template, frames)
        points = [list(c.landmarks) for c in checks]
        return checks, judge_turn(points[:1], points[1:], "turn_right")

    samples, (checks, result) = timed(challenge, rounds)
    row("3 frames + turn_right liveness -> pass", samples, TARGETS["verify_burst, 3 frames"])
    assert all(c.matched for c in checks) and result.passed, (checks, result)
    obama = [webcam_frame(0, 0, 1), webcam_frame(1.5, 0.5, 2), webcam_frame(-1, 1, 3)]
    obama_template = engine.analyze_image(
        (SHARED_FACES / "people/obama/obama.jpg").read_bytes()
    ).encoding
    samples, verdict = timed(lambda: engine.verify_burst(obama_template, obama), rounds)
    row("3 frames, match only -> pass", samples)
    assert verdict.passed, verdict.reason
    samples, verdict = timed(lambda: engine.verify_burst(obama_template, [obama[0]] * 3), rounds)
    row("3 identical frames -> replayed_frames", samples)
    assert verdict.reason == "replayed_frames"


def bench_search(rounds: int) -> None:
    rng = np.random.default_rng(7)
    print("\nDuplicate search (TemplateIndex.nearest, k=1, CPU ms) p50 / p95")
    for size in (1_000, 10_000, 100_000):
        vectors = rng.normal(0, 0.09, (size, 128)).astype(np.float32)
        index = TemplateIndex(capacity=size)
        start = time.perf_counter()
        for template_id, vector in enumerate(vectors):
            index.add(template_id, vector)
        build_ms = (time.perf_counter() - start) * 1000
        queries = rng.normal(0, 0.09, (rounds, 128)).astype(np.float32)
        samples = []
        for number, query in enumerate(queries):
            started = time.process_time()
            index.nearest(query, k=1, exclude_id=number)
            samples.append((time.process_time() - started) * 1000)
        row(f"{size:>7,} templates (built in {build_ms:,.0f} ms)", samples, SEARCH_TARGET_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"Face engine benchmark: CPUs {cpus}, {args.rounds} rounds, faces from {SHARED_FACES}")
    engine = FaceEngine()
    started = time.perf_counter()
    engine.warm_up()
    print(f"  models loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
    bench_stages(engine, args.rounds)
    bench_burst(engine, args.rounds)
    bench_search(max(args.rounds, 50))


if __name__ == "__main__":
    main()
