"""Calibrate the face engine's thresholds on the shared photos, and print the evidence.

    .venv/bin/python scripts/bench/face_calibration.py [--compare-dlib] [--faces DIR]

For each group (``people/`` and ``east-asian/``): the failure-to-enroll rate of the quality
gates (every refusal with its figures), pairwise genuine/impostor distances, and a DET table
*per check decision*: a probe photo against a template of up to 3 other photos of a person
(decision = nearest of them), FAR over every other person's template, FRR over the person's
own. Then the duplicate threshold with the expected false holds per enrollment among 100,000
learners, extrapolated from a normal fit of the impostor tail. ``--compare-dlib`` also runs
the dlib 128-d pipeline (face_recognition's models) on the same photos for comparison.
docs/faces.md quotes the output.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "platform"))
DEFAULT_FACES = Path(
    os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces")
)

from skilltrace.faces.engine import FaceEngine  # noqa: E402

GROUPS = ("people", "east-asian")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
TEMPLATE_PHOTOS = 3
LEARNERS = 100_000


def photos(folder: Path):
    for person in sorted(p for p in folder.iterdir() if p.is_dir()):
        for photo in sorted(p for p in person.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES):
            yield person.name, photo


def sface_encodings(engine: FaceEngine, folder: Path, report: bool):
    """{person: [embedding, ...]} of the largest face of every photo, and the refusals."""
    people, refused, total = {}, [], 0
    for person, photo in photos(folder):
        total += 1
        rgb = engine.decode(photo.read_bytes())
        faces = engine.detect(rgb)
        if not faces:
            refused.append((f"{person}/{photo.name}", "no_face", {}))
            continue
        analysis = engine.analyze(rgb)
        if not analysis.ok:
            refused.append((f"{person}/{photo.name}", analysis.reason, analysis.quality))
        people.setdefault(person, []).append(engine.encode(rgb, faces[0]))
    if report:
        print(f"  failure to enroll: {len(refused)} of {total} photos")
        for name, reason, quality in refused:
            print(f"    {name:<45} {reason:<15} {quality}")
    return people


def dlib_encodings(folder: Path):
    """{person: [encoding, ...]} with face_recognition's HOG + dlib 128-d pipeline."""
    import face_recognition

    people = {}
    for person, photo in photos(folder):
        rgb = face_recognition.load_image_file(str(photo))
        boxes = face_recognition.face_locations(rgb)
        if boxes:
            encoding = face_recognition.face_encodings(rgb, boxes[:1])[0]
            people.setdefault(person, []).append(encoding.astype(np.float32))
    return people


def pairwise(people: dict) -> tuple[np.ndarray, np.ndarray]:
    genuine, impostor = [], []
    flat = [(who, v) for who, vectors in people.items() for v in vectors]
    for (a, va), (b, vb) in itertools.combinations(flat, 2):
        (genuine if a == b else impostor).append(float(np.linalg.norm(va - vb)))
    return np.array(genuine), np.array(impostor)


def decisions(people: dict) -> tuple[np.ndarray, np.ndarray]:
    """Genuine and impostor check decisions: probe vs nearest of a template's photos."""
    templates = {who: np.array(v[:TEMPLATE_PHOTOS]) for who, v in people.items()}
    genuine, impostor = [], []
    for who, vectors in people.items():
        for index, probe in enumerate(vectors):
            own = [v for i, v in enumerate(vectors) if i != index][:TEMPLATE_PHOTOS]
            if own:
                genuine.append(float(np.linalg.norm(np.array(own) - probe, axis=1).min()))
            for other, template in templates.items():
                if other != who:
                    impostor.append(float(np.linalg.norm(template - probe, axis=1).min()))
    return np.array(genuine), np.array(impostor)


def det_table(genuine, impostor, thresholds, chosen=None) -> None:
    print(
        f"    {'threshold':>9} {'FAR':>9} {'FRR':>8}   (genuine n={len(genuine)},"
        f" impostor n={len(impostor)})"
    )
    for t in thresholds:
        far = float(np.mean(impostor <= t))
        frr = float(np.mean(genuine > t))
        mark = "  <- match threshold" if chosen is not None and abs(t - chosen) < 1e-9 else ""
        print(f"    {t:9.3f} {far:9.4%} {frr:8.2%}{mark}")


def tail_rate(impostor: np.ndarray, threshold: float) -> float:
    """P(impostor distance <= threshold) from a normal fitted to the lower 5 % tail."""
    low = np.sort(impostor)[: max(20, len(impostor) // 20)]
    probs = (np.arange(1, len(low) + 1) - 0.5) / len(impostor)
    z = np.array([NormalDist().inv_cdf(p) for p in probs])
    slope, intercept = np.polyfit(z, low, 1)  # distance = intercept + slope * z
    return NormalDist().cdf((threshold - intercept) / slope)


def report_backend(
    name, encode, folder_of, thresholds, chosen=None, duplicate=None, duplicate_candidates=()
):
    all_impostor, all_genuine = [], []
    for group in GROUPS:
        people = encode(folder_of(group))
        genuine_pairs, impostor_pairs = pairwise(people)
        genuine, impostor = decisions(people)
        all_impostor.append(impostor_pairs)
        all_genuine.append(genuine_pairs)
        print(f"\n[{name}] {group}: {sum(map(len, people.values()))} photos, {len(people)} people")
        print(
            f"  pairs: genuine median {np.median(genuine_pairs):.3f} max"
            f" {genuine_pairs.max():.3f}; impostor min {impostor_pairs.min():.3f}"
            f" p0.1% {np.quantile(impostor_pairs, 0.001):.3f}"
        )
        print("  DET per check decision (probe vs nearest of up to 3 template photos):")
        det_table(genuine, impostor, thresholds, chosen)
    if duplicate is not None:
        impostor = np.concatenate(all_impostor)
        genuine = np.concatenate(all_genuine)
        print(
            f"\n[{name}] duplicate-identity threshold: impostor pairs (both groups,"
            f" n={len(impostor)}, closest {impostor.min():.3f}) and the normal fit of their"
            f" lower tail; expected false holds per enrollment = P x {LEARNERS:,} learners x"
            f" {TEMPLATE_PHOTOS} photos; genuine pairs under it = share of same-person photo"
            " pairs a second account would be caught by (one pair)"
        )
        print(
            f"    {'threshold':>9} {'impostors':>9} {'P(pair)':>9} {'false holds':>11}"
            f" {'genuine':>8}"
        )
        for t in sorted({*duplicate_candidates, duplicate}):
            rate = tail_rate(impostor, t)
            mark = "  <- duplicate threshold" if abs(t - duplicate) < 1e-9 else ""
            print(
                f"    {t:9.3f} {int(np.sum(impostor <= t)):9d} {rate:9.2e}"
                f" {rate * LEARNERS * TEMPLATE_PHOTOS:11.4f} {np.mean(genuine <= t):8.1%}{mark}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--compare-dlib", action="store_true")
    args = parser.parse_args()
    engine = FaceEngine()
    s = engine.settings
    print(
        f"model {engine.model_id}; match {s.match_threshold}, impostor"
        f" {s.impostor_threshold}, duplicate {s.duplicate_threshold}"
    )

    def folder_of(group):
        return args.faces / group

    cache = {}

    def encode(folder):
        if folder not in cache:
            print(f"\nQuality gates on {folder.name}/:")
            cache[folder] = sface_encodings(engine, folder, report=True)
        return cache[folder]

    report_backend(
        "sface",
        encode,
        folder_of,
        [round(t, 3) for t in np.arange(0.96, 1.24, 0.02)],
        chosen=s.match_threshold,
        duplicate=s.duplicate_threshold,
        duplicate_candidates=(0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 0.98),
    )
    if args.compare_dlib:
        report_backend(
            "dlib",
            dlib_encodings,
            folder_of,
            [round(t, 3) for t in np.arange(0.30, 0.62, 0.04)],
            duplicate=0.50,
            duplicate_candidates=(0.35, 0.40, 0.45),
        )


if __name__ == "__main__":
    main()
