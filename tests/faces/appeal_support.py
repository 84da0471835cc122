"""Helpers of the appeal tests: a learner whose honest study was voided by a failed or missed
check (real study sessions through the API, real face frames), and regulators' clients."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.study.models import CreditedTime, FaceCheck
from skilltrace.traces.models import TraceEvent


def credited(learner_id: int) -> float:
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
            CreditedTime.learner_id == learner_id
        )
    )


def trace_data(learner_id: int, kind: str) -> list[dict]:
    rows = db.session.scalars(
        select(TraceEvent.event_json)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.kind == kind)
        .order_by(TraceEvent.seq)
    )
    return [json.loads(r)["data"] for r in rows]


def voided_by_impostor_check(study, app, monkeypatch, tail_s: float = 5.0) -> FaceCheck:
    """Study 30 s, then a random check answered ``tail_s`` later with another person's face
    (impostor: final), then one more heartbeat (the tail before the check is voided too)."""
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 30)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 30)
    study.signed_in()
    study.beat(15)
    check = study.beat(15).get_json()["check"]
    assert check["kind"] == "random"
    study.clock.advance(tail_s)
    result = study.answer(check, person="biden/biden2.jpg").get_json()
    assert not result["passed"] and result["reason"] == "impostor", result
    study.beat(15 - tail_s, advance=15)
    study.end(abandon=True)
    assert credited(study.room.learner.id) == 0
    return db.session.get(FaceCheck, check["id"])


def voided_by_missed_check(study, app, monkeypatch) -> FaceCheck:
    """Study 30 s, then let the random check's window run out."""
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 30)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 30)
    study.signed_in()
    study.beat(15)
    check = study.beat(15).get_json()["check"]
    study.beat(app.config["FACE_CHECK_WINDOW_S"] + 1, playing=False, advance=0)
    study.end(abandon=True)
    db.session.expire_all()
    found = db.session.get(FaceCheck, check["id"])
    assert found.status == "missed"
    return found


@dataclass
class Reviewer:
    user: object
    client: object
    csrf: str

    def post(self, path: str, body: dict):
        return self.client.post(path, json=body, headers={"X-CSRFToken": self.csrf})


def reviewer(app, make_user, login, scope: str = "61") -> Reviewer:
    user = make_user(Role.REGULATOR, scope=scope)
    client = app.test_client()
    return Reviewer(user, client, login(client, user))
