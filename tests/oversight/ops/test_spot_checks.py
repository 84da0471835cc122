"""Spot checks through the pages: one seed draws one sample; checklists, evidence, unaware share."""

from __future__ import annotations

import io
import re
from pathlib import Path

from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.oversight.models import EvidenceFile, SpotCheck, SpotCheckItem
from skilltrace.oversight.spotchecks import unaware_share


def _token(client) -> str:
    page = client.get("/oversight/spot-checks").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _draw(client, world, seed, ratio="25"):
    return client.post(
        "/oversight/spot-checks",
        data={
            "csrf_token": _token(client),
            "target_kind": "class",
            "target_id": str(world.class_.id),
            "ratio_percent": ratio,
            "seed": seed,
        },
    )


def _sample(spot_id) -> list[int]:
    return [i.learner_id for i in db.session.get(SpotCheck, spot_id).items]


def test_one_seed_draws_the_same_learners_twice(app, world, login):
    client = app.test_client()
    login(client, world.regulator)
    first = _draw(client, world, "2026-11-西安")
    second = _draw(client, world, "2026-11-西安")
    ids = [int(r.headers["Location"].rsplit("/", 1)[1]) for r in (first, second)]
    assert ids[0] != ids[1]
    assert _sample(ids[0]) == _sample(ids[1])
    assert len(_sample(ids[0])) == 3  # ceil(25 % of 12)
    assert set(_sample(ids[0])) <= {x.id for x in world.learners}
    page = client.get(f"/oversight/spot-checks/{ids[0]}").get_data(as_text=True)
    assert "2026-11-西安" in page  # the seed is recorded and shown

    random_seed = _draw(client, world, "")
    spot = db.session.get(SpotCheck, int(random_seed.headers["Location"].rsplit("/", 1)[1]))
    assert len(spot.seed) == 16  # a random seed was made and recorded


def test_bad_ratio_and_out_of_scope_draws_are_refused(app, world, make_user, login):
    client = app.test_client()
    login(client, world.regulator)
    assert _draw(client, world, "s", ratio="0").status_code == 200  # the form, with the error
    assert db.session.query(SpotCheck).count() == 0
    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))
    response = _draw(other, world, "s")
    assert response.status_code == 200 and db.session.query(SpotCheck).count() == 0


def test_checklist_with_evidence_feeds_the_unaware_share(app, world, make_user, login):
    client = app.test_client()
    login(client, world.regulator)
    spot_id = int(_draw(client, world, "survey", ratio="50").headers["Location"].rsplit("/", 1)[1])
    items = db.session.get(SpotCheck, spot_id).items
    assert len(items) == 6
    token = _token(client)
    recording = b"phone survey recording (wav)"
    for n, item in enumerate(items):
        response = client.post(
            f"/oversight/spot-check-items/{item.id}",
            data={
                "csrf_token": token,
                "method": "phone",
                "present": "yes",
                "studied": "yes",
                "aware": "no" if n < 2 else "yes",
                "outcome": "problem" if n < 2 else "ok",
                "note": "电话回访",
                **(
                    {"evidence": (io.BytesIO(recording), "call.wav", "audio/wav")} if n == 0 else {}
                ),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    db.session.expire_all()
    checked = db.session.query(SpotCheckItem).filter(SpotCheckItem.checked_at.is_not(None)).count()
    assert checked == 6
    year = items[0].checked_at.year
    assert unaware_share(world.provider.id, year) == 2 / 6
    assert unaware_share(world.provider.id, year - 1) == 0.0

    evidence = db.session.query(EvidenceFile).one()
    stored = Path(app.config["MEDIA_ROOT"]) / evidence.file_path
    assert recording not in stored.read_bytes()  # encrypted at rest
    download = client.get(f"/oversight/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == recording

    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))
    assert other.get(f"/oversight/evidence/{evidence.id}").status_code == 404
    assert other.get(f"/oversight/spot-checks/{spot_id}").status_code == 404
    learner = app.test_client()
    login(learner, world.learners[0])
    assert learner.get(f"/oversight/evidence/{evidence.id}").status_code == 403


def test_a_missing_outcome_is_refused_and_nothing_saved(app, world, login):
    client = app.test_client()
    login(client, world.regulator)
    spot_id = int(_draw(client, world, "x").headers["Location"].rsplit("/", 1)[1])
    item = db.session.get(SpotCheck, spot_id).items[0]
    client.post(
        f"/oversight/spot-check-items/{item.id}",
        data={"csrf_token": _token(client), "method": "fax", "outcome": "ok"},
    )
    db.session.expire_all()
    assert db.session.get(SpotCheckItem, item.id).checked_at is None


def test_a_refused_evidence_file_saves_nothing(app, world, login):
    client = app.test_client()
    login(client, world.regulator)
    spot_id = int(_draw(client, world, "y").headers["Location"].rsplit("/", 1)[1])
    item = db.session.get(SpotCheck, spot_id).items[0]
    client.post(
        f"/oversight/spot-check-items/{item.id}",
        data={
            "csrf_token": _token(client),
            "method": "visit",
            "outcome": "ok",
            "evidence": (
                io.BytesIO(b"MZ\x90\x00 not evidence"),
                "tool.exe",
                "application/x-msdownload",
            ),
        },
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    assert db.session.get(SpotCheckItem, item.id).checked_at is None
    assert db.session.query(EvidenceFile).count() == 0
