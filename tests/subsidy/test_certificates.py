"""Completion from real supervised study, certificates (serial, PDF, public verification,
revocation), evidence refusals and the shared audit mixin."""

from datetime import timedelta

from sqlalchemy import select

from skilltrace.courses.models import ClassTransition, CourseTransition
from skilltrace.extensions import db
from skilltrace.subsidy.models import TrainingCertificate
from subsidy.conftest import PEOPLE, enroll


def certified(make_world, shared_faces):
    world = make_world(learners=1)
    learner = world.learners[0]
    enroll(learner, shared_faces, PEOPLE[0])
    world.attest(learner)
    world.exam(learner)
    world.close()
    return world, learner, db.session.scalar(select(TrainingCertificate))


def test_certificate_serial_pdf_verification_and_revocation(make_world, shared_faces, app):
    world, learner, cert = certified(make_world, shared_faces)
    year = cert.issued_on.year
    assert cert.serial == f"6101{year}{world.provider.id:05d}00001"
    assert cert.id_number_masked == learner.id_number_masked and "*" in cert.id_number_masked

    anonymous = app.test_client()
    url = "/api/v1/subsidy/certificates/verify"
    found = anonymous.get(url, query_string={"serial": cert.serial, "name": learner.name})
    assert found.status_code == 200
    body = found.get_json()["certificate"]
    assert body["status"] == "valid" and body["id_number_masked"] == cert.id_number_masked
    assert "learner_id" not in body
    for query in ({"serial": cert.serial, "name": "别人"}, {"serial": "X", "name": learner.name}):
        r = anonymous.get(url, query_string=query)
        assert r.status_code == 404
        assert r.get_json()["error"]["code"] == "certificate_not_found"
    page = anonymous.get(
        "/subsidy/verify", query_string={"serial": cert.serial, "name": learner.name}
    )
    assert page.status_code == 200 and cert.serial in page.get_data(as_text=True)

    pdf = world.as_staff("GET", f"/api/v1/subsidy/certificates/{cert.serial}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.data
    assert anonymous.get(f"/api/v1/subsidy/certificates/{cert.serial}/pdf").status_code == 401

    r = world.as_staff("POST", f"/api/v1/subsidy/certificates/{cert.serial}/revoke", json={})
    assert r.get_json()["error"]["code"] == "field_required"
    r = world.as_staff(
        "POST", f"/api/v1/subsidy/certificates/{cert.serial}/revoke", json={"reason": "代考"}
    )
    assert r.status_code == 200 and r.get_json()["certificate"]["status"] == "revoked"
    r = world.as_staff(
        "POST", f"/api/v1/subsidy/certificates/{cert.serial}/revoke", json={"reason": "again"}
    )
    assert r.status_code == 409
    found = anonymous.get(url, query_string={"serial": cert.serial, "name": learner.name})
    assert found.get_json()["certificate"]["status"] == "revoked"


def test_closing_needs_the_end_date_and_is_audited_with_the_shared_mixin(make_world):
    world = make_world(learners=1)
    world.class_.end_date = world.class_.end_date + timedelta(days=3)
    db.session.commit()
    r = world.as_staff("POST", f"/api/v1/subsidy/classes/{world.class_.id}/close")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "class_not_ended"
    world.class_.end_date = world.class_.start_date
    db.session.commit()
    r = world.as_regulator("POST", f"/api/v1/subsidy/classes/{world.class_.id}/close")
    assert r.status_code == 403
    world.close()
    steps = db.session.scalars(
        select(ClassTransition)
        .where(ClassTransition.class_id == world.class_.id)
        .order_by(ClassTransition.id)
    ).all()
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("open", "new", "submitted"),
        ("approve", "submitted", "approved"),
        ("close", "approved", "closed"),
    ]
    assert steps[-1].actor_id == world.staff.id
    course_steps = db.session.scalars(
        select(CourseTransition).where(CourseTransition.course_id == world.course.id)
    ).all()
    assert [s.action for s in course_steps] == ["create", "submit", "approve"]
    assert course_steps[0].as_dict()["by"] == world.staff.name
    r = world.as_staff("POST", f"/api/v1/subsidy/classes/{world.class_.id}/close")
    assert r.status_code == 409


def test_evidence_refusals(make_world, make_user, shared_faces):
    world = make_world(learners=2)
    learner, idle = world.learners
    enroll(learner, shared_faces, PEOPLE[0])
    world.attest(learner)
    world.exam(learner)
    stranger = make_user("learner")
    cid = world.class_.id
    cases = [
        (
            "/api/v1/subsidy/key-groups",
            {"learner_id": stranger.id, "group": "veteran", "evidence": "x"},
            404,
            "not_in_class",
        ),
        (
            "/api/v1/subsidy/key-groups",
            {"learner_id": learner.id, "group": "martian", "evidence": "x"},
            422,
            "group_invalid",
        ),
        (
            f"/api/v1/subsidy/classes/{cid}/exams",
            {"learner_id": learner.id, "score": 101, "pass_mark": 60, "evidence": "x"},
            422,
            "score_invalid",
        ),
        (
            f"/api/v1/subsidy/classes/{cid}/employment",
            {
                "learner_id": learner.id,
                "employer": "某公司",
                "credit_code": "123",
                "start_date": "2026-01-01",
                "evidence_kind": "contract",
            },
            409,
            "not_completed_learner",
        ),
    ]
    for path, body, status, code in cases:
        r = world.as_staff("POST", path, json=body)
        assert (r.status_code, r.get_json()["error"]["code"]) == (status, code), path
    world.close()
    base = {
        "learner_id": learner.id,
        "employer": "某公司",
        "credit_code": world.provider.credit_code,
        "evidence_kind": "contract",
    }
    late = (world.class_.end_date + timedelta(days=181)).isoformat()
    for body, code in (
        ({**base, "start_date": late}, "followup_window"),
        (
            {**base, "credit_code": "91610100MA6U00000X", "start_date": "2026-01-01"},
            "credit_code_invalid",
        ),
        ({**base, "learner_id": idle.id, "start_date": late}, "not_completed_learner"),
    ):
        r = world.as_staff("POST", f"/api/v1/subsidy/classes/{cid}/employment", json=body)
        assert r.get_json()["error"]["code"] == code
    r = world.as_regulator(
        "POST", "/api/v1/subsidy/key-groups/999/decision", json={"confirm": True}
    )
    assert r.status_code == 404


def test_completion_from_real_study(study, app, login, make_user):
    """The ledger read model over real supervised study: 120 s of a 120 s lesson."""
    from skilltrace.courses.classes import local_today
    from skilltrace.subsidy.completion import close_class
    from skilltrace.subsidy.ledger import class_ledger

    study.signed_in()
    for _ in range(8):
        assert study.beat(15).status_code == 200
    study.finish()
    room = study.room
    ledger = class_ledger(room.class_, [room.learner.id])[room.learner.id]
    assert ledger.attested_hours >= 1.9 and ledger.lessons[0].ratio >= 0.95
    assert ledger.study_days == (local_today().isoformat(),)
    assert not ledger.has_quizzes
    room.class_.end_date = local_today()
    db.session.commit()
    staff = make_user("provider_staff", provider=room.class_.provider)
    close_class(staff, room.class_)
    from skilltrace.subsidy.completion import completions

    done = completions(room.class_)[room.learner.id]
    assert done.completed is False and done.reasons == ["assessment_not_passed"]
    from skilltrace.subsidy.completion import record_exam

    record_exam(staff, room.class_, room.learner.id, 90, 60, "考试记录")
    db.session.expire_all()
    assert completions(room.class_)[room.learner.id].completed is True
    assert db.session.scalar(select(TrainingCertificate.learner_id)) == room.learner.id
