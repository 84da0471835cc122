"""Calibrate the face engine's thresholds on the shared photos, and print the evidence.

    .venv/bin/python scripts/bench/face_calibration.py [--sweeps] [--faces DIR]

Prints each photo's quality figures, every genuine (same folder) and impostor (different
folders) distance over ``people/*``, and the match threshold the rule below picks. With
``--sweeps`` also the measurements behind the quality gates (blur and exposure sweeps) and
the replay threshold (re-encoded, noised and moved frames). docs/faces.md quotes the output.

Rule for the match threshold: the smallest multiple of 0.05 at least MARGIN above the largest
genuine distance, provided it stays at least IMPOSTOR_MARGIN below the smallest impostor one.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "platform"))
DEFAULT_FACES = Path(
    os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces")
)

from skilltrace.faces.engine import EngineSettings, FaceEngine  # noqa: E402
from skilltrace.faces.replay import replay_thumbnail, thumbnail_difference  # noqa: E402
from skilltrace.faces.vectors import distance  # noqa: E402

MARGIN = 0.05
IMPOSTOR_MARGIN = 0.15
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def encode_people(engine: FaceEngine, people: Path) -> list[tuple[str, str, np.ndarray]]:
    """(identity, file name, encoding) of the largest face of every photo, gates or not."""
    print(f"Photos in {people} (quality figures; the verdict analyze() gives)")
    print(f"  {'photo':<40} {'face':>5} {'yaw':>6} {'bright':>7} {'sharp':>7}  verdict")
    encoded = []
    for folder in sorted(p for p in people.iterdir() if p.is_dir()):
        for photo in sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES):
            rgb = engine.decode(photo.read_bytes())
            boxes = engine.detect_faces(rgb)
            if not boxes:
                print(f"  {folder.name}/{photo.name:<30} no face found; skipped")
                continue
            quality = engine.measure(rgb, boxes[0])
            verdict = engine.analyze(rgb)
            print(
                f"  {folder.name + '/' + photo.name:<40} {quality['face_px']:5.0f}"
                f" {quality['yaw']:6.3f} {quality['brightness']:7.1f} {quality['sharpness']:7.1f}"
                f"  {'ok' if verdict.ok else verdict.reason}"
            )
            encoded.append((folder.name, photo.name, engine.encode(rgb, boxes[0])))
    return encoded


def pair_distances(encoded) -> tuple[list, list]:
    """Sorted (distance, a, b) lists for genuine and impostor pairs."""
    genuine, impostor = [], []
    for (who_a, name_a, enc_a), (who_b, name_b, enc_b) in itertools.combinations(encoded, 2):
        entry = (distance(enc_a, enc_b), f"{who_a}/{name_a}", f"{who_b}/{name_b}")
        (genuine if who_a == who_b else impostor).append(entry)
    return sorted(genuine), sorted(impostor)


def choose_threshold(genuine: list, impostor: list) -> float:
    """The match threshold the module docstring's rule picks."""
    chosen = math.ceil((genuine[-1][0] + MARGIN) * 20 - 1e-9) / 20
    if impostor and chosen > impostor[0][0] - IMPOSTOR_MARGIN:
        raise SystemExit("genuine and impostor distances are too close for the margins")
    return chosen


def print_pairs(title: str, pairs: list) -> None:
    print(f"\n{title} ({len(pairs)} pairs)")
    for gap, a, b in pairs:
        print(f"  {gap:.3f}  {a}  ~  {b}")


def degrade_sweeps(engine: FaceEngine, encoded, people: Path) -> None:
    """Genuine distance and gate figures as photos are blurred, darkened and brightened."""
    by_name = {f"{who}/{name}": enc for who, name, enc in encoded}
    photos = sorted(people.glob("*/*"))

    def sweep(title: str, transform, levels, figure: str, gate) -> None:
        print(f"\n{title}: {figure} range, worst genuine / best impostor distance per level")
        samples = []  # (figure, worst genuine distance of that degraded photo)
        for level in levels:
            figures, worst_genuine, best_impostor, missed = [], 0.0, 9.0, 0
            for photo in photos:
                key = f"{photo.parent.name}/{photo.name}"
                rgb = transform(engine.decode(photo.read_bytes()), level)
                boxes = engine.detect_faces(rgb)
                if len(boxes) != 1:
                    missed += 1
                    continue
                value = engine.measure(rgb, boxes[0])[figure]
                encoding = engine.encode(rgb, boxes[0])
                genuine = [d for o, d in _distances(encoding, by_name, key) if _same(o, key)]
                impostor = [d for o, d in _distances(encoding, by_name, key) if not _same(o, key)]
                figures.append(value)
                samples.append((value, max(genuine)))
                worst_genuine = max(worst_genuine, *genuine)
                best_impostor = min(best_impostor, *impostor)
            span = f"{min(figures):7.1f}-{max(figures):7.1f}" if figures else "      -"
            print(
                f"  {level:>6}: {span}  genuine <= {worst_genuine:.3f}"
                f"  impostor >= {best_impostor:.3f}  faces lost {missed}"
            )
        kept = [g for value, g in samples if gate(value)]
        refused = [g for value, g in samples if not gate(value)]
        print(
            f"  gate keeps {len(kept)} samples (worst genuine {max(kept, default=0):.3f}),"
            f" refuses {len(refused)} (worst genuine {max(refused, default=0):.3f})"
        )

    def blur(rgb, fraction):  # sigma as a fraction of the face width (~0.3 x image width)
        sigma = fraction * rgb.shape[1] * 0.3
        return cv2.GaussianBlur(rgb, (0, 0), sigma) if sigma else rgb

    def gain(rgb, factor):
        return np.clip(rgb.astype(np.float32) * factor, 0, 255).astype(np.uint8)

    settings = EngineSettings()
    sweep(
        f"Blur (Gaussian sigma / face width; gate sharpness >= {settings.min_sharpness})",
        blur,
        (0, 0.005, 0.01, 0.015, 0.02, 0.03),
        "sharpness",
        lambda value: value >= settings.min_sharpness,
    )
    sweep(
        f"Exposure (pixel gain; gate {settings.min_brightness} <= brightness"
        f" <= {settings.max_brightness})",
        gain,
        (0.15, 0.25, 0.35, 0.5, 1.0, 1.5, 2.0, 2.5),
        "brightness",
        lambda value: settings.min_brightness <= value <= settings.max_brightness,
    )


def _distances(encoding, templates: dict, own_key: str):
    return [(key, distance(encoding, t)) for key, t in templates.items() if key != own_key]


def _same(key_a: str, key_b: str) -> bool:
    return key_a.split("/")[0] == key_b.split("/")[0]


def replay_sweep(faces: Path) -> None:
    """Largest 64x48 thumbnail difference between a webcam-like frame and its variants."""
    rng = np.random.default_rng(1)
    frame = cv2.imread(str(faces / "cases" / "obama-480p.jpg"))[:, 106:746]

    def jpeg(bgr, quality=90):
        data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    def noisy(bgr, sigma=2.0):
        return np.clip(np.rint(bgr + rng.normal(0, sigma, bgr.shape)), 0, 255).astype(np.uint8)

    def moved(bgr, dx, face_only=False):
        shift = np.float32([[1, 0, dx], [0, 1, 0]])
        out = cv2.warpAffine(bgr, shift, (640, 480), borderMode=cv2.BORDER_REFLECT)
        if face_only:  # move the head only (box around the face), background still
            still = bgr.copy()
            still[32:200, 253:420] = out[32:200, 253:420]
            return still
        return out

    base = jpeg(noisy(frame))
    reference = replay_thumbnail(base)
    variants = {
        "same frame re-encoded, JPEG q95": jpeg(cv2.cvtColor(base, cv2.COLOR_RGB2BGR), 95),
        "same frame re-encoded, JPEG q60": jpeg(cv2.cvtColor(base, cv2.COLOR_RGB2BGR), 60),
        "same frame re-encoded, JPEG q40": jpeg(cv2.cvtColor(base, cv2.COLOR_RGB2BGR), 40),
        "same scene, fresh noise sigma 2": jpeg(noisy(frame, 2)),
        "same scene, fresh noise sigma 4": jpeg(noisy(frame, 4)),
        "head moved 0.5 px, background still": jpeg(noisy(moved(frame, 0.5, True))),
        "head moved 1 px, background still": jpeg(noisy(moved(frame, 1, True))),
        "whole frame moved 0.5 px": jpeg(noisy(moved(frame, 0.5))),
        "whole frame moved 1.5 px": jpeg(noisy(moved(frame, 1.5))),
    }
    limit = EngineSettings().replay_max_diff
    print(f"\nReplay test: largest 64x48 grey difference to a 640x480 frame (copy if < {limit})")
    for label, variant in variants.items():
        gap = thumbnail_difference(reference, replay_thumbnail(variant))
        print(f"  {label:<40} {gap:6.2f}  {'copy' if gap < limit else 'live'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--sweeps", action="store_true", help="also the quality/replay sweeps")
    args = parser.parse_args()
    engine = FaceEngine()
    encoded = encode_people(engine, args.faces / "people")
    genuine, impostor = pair_distances(encoded)
    print_pairs("Genuine pairs (same person), closest first", genuine)
    print_pairs("Impostor pairs (different people), closest first", impostor)
    chosen = choose_threshold(genuine, impostor)
    default = EngineSettings().match_threshold
    print(
        f"\nGenuine max {genuine[-1][0]:.3f}; impostor min {impostor[0][0]:.3f}."
        f"\nChosen match threshold: {chosen:.2f} (+{MARGIN} over the genuine max, rounded up to"
        f" 0.05; {impostor[0][0] - chosen:.3f} below the closest impostor)."
        f"\nEngineSettings.match_threshold = {default:.2f}"
        f" ({'agrees' if math.isclose(default, chosen) else 'DIFFERS: review the default'})."
    )
    if args.sweeps:
        degrade_sweeps(engine, encoded, args.faces / "people")
        replay_sweep(args.faces)


if __name__ == "__main__":
    main()
