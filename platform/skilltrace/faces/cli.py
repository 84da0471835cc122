"""``flask faces …``: compare photos, enroll a learner, re-encode templates, purge snapshots."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from skilltrace.errors import DomainError
from skilltrace.faces.engine import FaceEngine
from skilltrace.faces.errors import FaceError
from skilltrace.faces.services import enrollment_service, face_engine, purge_snapshots
from skilltrace.identity.services import account_service

faces_cli = AppGroup("faces", help="Face enrollment and face data.")


def compare_lines(engine: FaceEngine, reference: bytes, probes: list[tuple[str, bytes]]):
    """One result dict per probe against the reference's encoding (which must be valid)."""
    analysis = engine.analyze_image(reference)
    if not analysis.ok:
        raise FaceError(analysis.reason)
    for path, data in probes:
        probe = engine.analyze_image(data)
        if not probe.ok:
            yield {"probe": path, "match": False, "distance": None, "reason": probe.reason}
            continue
        gap = engine.distance(analysis.encoding, probe.encoding)
        yield {
            "probe": path,
            "match": gap <= engine.settings.match_threshold,
            "distance": round(gap, 4),
            "reason": None,
        }


@faces_cli.command("compare")
@click.argument("reference", type=click.Path(exists=True, dir_okay=False))
@click.argument("probes", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def compare(reference, probes):
    """Compare PROBE photos with a REFERENCE photo: one JSON line per probe.

    A probe the engine refuses gets "match": false and its refusal code as "reason".
    Exits with status 2 when the reference itself is refused.
    """
    engine = face_engine()
    with open(reference, "rb") as handle:
        reference_bytes = handle.read()
    pairs = []
    for path in probes:
        with open(path, "rb") as handle:
            pairs.append((path, handle.read()))
    try:
        for line in compare_lines(engine, reference_bytes, pairs):
            click.echo(json.dumps(line, ensure_ascii=False))
    except FaceError as error:
        click.echo(f"reference refused: {error.code}: {error.message}", err=True)
        sys.exit(2)


@faces_cli.command("enroll")
@click.argument("id_number")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
def enroll(id_number, image):
    """Enroll IMAGE as the face of the learner with ID_NUMBER (same rules as the web)."""
    learner = account_service().find_by_id_number(id_number)
    if learner is None:
        raise click.ClickException("no learner with this ID number")
    with open(image, "rb") as handle:
        data = handle.read()
    try:
        enrollment = enrollment_service().enroll(learner, data, source="cli")
    except DomainError as err:
        raise click.ClickException(f"{err.code}: {_text(err.message)}") from None
    click.echo(
        json.dumps(
            {
                "learner_id": learner.id,
                "enrollment_id": enrollment.id,
                "status": enrollment.status,
                "quality": enrollment.quality,
            }
        )
    )


def _text(message) -> str:
    """A (lazy) gettext message in the default UI language, outside any request."""
    with current_app.test_request_context():
        return str(message)


@faces_cli.command("reencode")
def reencode():
    """Recompute templates made by another face model from the stored reference photos."""
    from skilltrace.faces.reencode import reencode_templates

    done, skipped = reencode_templates(enrollment_service())
    model = face_engine().model_id
    click.echo(f"re-encoded {done} enrollment(s) with {model}; {skipped} without a face")


@faces_cli.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=None,
    help="Age in days (default: FACE_SNAPSHOT_RETENTION_DAYS).",
)
def purge(days):
    """Delete check snapshot files older than the retention period; their rows stay."""
    if days is None:
        days = current_app.config["FACE_SNAPSHOT_RETENTION_DAYS"]
    count = purge_snapshots(days)
    click.echo(f"purged {count} snapshot(s) older than {days} days")
