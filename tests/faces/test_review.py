"""One person = one account, and no silent face swap: held enrollments and their review."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.faces.models import (
    FaceAccessLog,
    FaceEnrollment,
    FaceReviewCase,
)
from skilltrace.faces.review import review_service
from skilltrace.faces.services import active_template
from skilltrace.traces.services import TraceLog

from .enroll_support import API, photo, post_enrollment, signed_in


def enrolled(app, make_user, login, shared_faces, name):
    """A learner signed in who enrolled ``people/<name>``: (user, client, token, response)."""
    user, client, token = signed_in(app, make_user, login)
    response = post_enrollment(client, token, photo(shared_faces, name))
    return user, client, token, response


def credit_study_time(learner_id: int) -> None:
    TraceLog(db.session).append(learner_id, "stretch_credited", {"seconds": 600})
    db.session.commit()


def decide(client, case_id: int, action: str, note: str = ""):
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    return client.post(
        f"/faces/review/{case_id}", data={"csrf_token": token, action: "1", "note": note}
    )


def test_the_same_face_on_another_account_is_held_for_review(app, make_user, login, shared_faces):
    first, *_ = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    second, client, _token, response = enrolled(
        app, make_user, login, shared_faces, "obama/obama2.jpg"
    )

    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == body["code"] == "duplicate_identity_review" and body["message"]
    status = client.get(API).get_json()
    assert status["status"] == "duplicate_identity_review" and status["can_study"] is False
    assert active_template(second.id) is None
    case = db.session.scalar(select(FaceReviewCase))
    assert case.kind == "duplicate_identity" and case.status == "open"
    assert case.matched_learner_id == first.id and case.distance < 0.85  # the duplicate threshold

    # a regulator sees both photos side by side; each photo read is logged
    regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    page = reviewer.get("/faces/review")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    new_url = f"/faces/photos/{case.enrollment_id}"
    old_url = f"/faces/photos/{case.matched_enrollment_id}"
    assert new_url in html and old_url in html
    for url in (new_url, old_url):
        picture = reviewer.get(url)
        assert picture.status_code == 200 and picture.data.startswith(b"\xff\xd8\xff")
        assert "no-store" in picture.headers["Cache-Control"]
    reads = db.session.execute(
        select(FaceAccessLog.reader_id, FaceAccessLog.object_kind, FaceAccessLog.learner_id)
    ).all()
    assert sorted(reads) == sorted(
        [
            (regulator.id, "enrollment_photo", second.id),
            (regulator.id, "enrollment_photo", first.id),
        ]
    )
    assert review_service().open_count(regulator) == 1
    assert "/faces/review" in reviewer.get("/regulator/").get_data(as_text=True)

    # approve: the second account's template becomes active
    assert decide(reviewer, case.id, "approve", "twins, checked in person").status_code == 302
    db.session.expire_all()
    case = db.session.get(FaceReviewCase, case.id)
    assert case.status == "approved" and case.decided_by_id == regulator.id
    assert case.note == "twins, checked in person"
    assert case.enrollment.status == "active" and case.enrollment.decided_by_id == regulator.id
    assert active_template(second.id) is not None
    assert client.get(API).get_json()["status"] == "active"
    # deciding twice is refused without changing anything
    follow = decide(reviewer, case.id, "reject")
    assert follow.status_code == 302
    db.session.expire_all()
    assert db.session.get(FaceReviewCase, case.id).status == "approved"


def test_a_rejected_duplicate_never_becomes_active(app, make_user, login, shared_faces):
    enrolled(app, make_user, login, shared_faces, "biden/biden.jpg")
    second, client, token, response = enrolled(
        app, make_user, login, shared_faces, "biden/biden2.jpg"
    )
    assert response.status_code == 202
    # while held, the learner cannot send another photo
    again = post_enrollment(client, token, photo(shared_faces, "obama/obama.jpg"))
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "enrollment_under_review"

    _regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    case = db.session.scalar(select(FaceReviewCase))
    assert decide(reviewer, case.id, "reject").status_code == 302
    db.session.expire_all()
    assert db.session.get(FaceReviewCase, case.id).status == "rejected"
    assert db.session.get(FaceEnrollment, case.enrollment_id).status == "rejected"
    assert active_template(second.id) is None
    assert client.get(API).get_json()["status"] == "rejected"


def test_only_regulators_review(app, make_user, login, shared_faces):
    owner, *_ = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    enrolled(app, make_user, login, shared_faces, "obama/obama2.jpg")
    case = db.session.scalar(select(FaceReviewCase))
    for role in ("learner", "provider_staff", "admin"):
        _user, client, _ = signed_in(app, make_user, login, role)
        assert client.get("/faces/review").status_code == 403, role
        assert decide(client, case.id, "approve").status_code == 403, role
        assert client.get(f"/faces/photos/{case.matched_enrollment_id}").status_code == 403
        assert client.get(f"/faces/learners/{owner.id}").status_code == 403, role
        assert client.get("/faces/access-log").status_code == 403, role
    db.session.expire_all()
    assert db.session.get(FaceReviewCase, case.id).status == "open"
    assert db.session.scalar(select(func.count()).select_from(FaceAccessLog)) == 0


def test_reenrollment_after_study_time_waits_for_a_regulator(app, make_user, login, shared_faces):
    learner, client, token, first = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    assert first.status_code == 201
    before = active_template(learner.id)
    credit_study_time(learner.id)

    response = post_enrollment(client, token, photo(shared_faces, "obama/obama3.jpg"))

    assert response.status_code == 202
    assert response.get_json()["status"] == "pending_review"
    status = client.get(API).get_json()
    assert status["status"] == "pending_review" and status["can_study"] is True
    assert np.array_equal(active_template(learner.id), before)  # the old face stays in use
    case = db.session.scalar(select(FaceReviewCase))
    assert case.kind == "reenrollment" and case.enrollment.had_study_time
    assert case.matched_enrollment_id == first.get_json()["enrollment"]["id"]

    _regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    html = reviewer.get("/faces/review").get_data(as_text=True)
    assert f"/faces/photos/{case.enrollment_id}" in html
    assert f"/faces/photos/{case.matched_enrollment_id}" in html
    assert decide(reviewer, case.id, "approve").status_code == 302
    db.session.expire_all()
    assert not np.array_equal(active_template(learner.id), before)
    history = {e.id: e.status for e in db.session.scalars(select(FaceEnrollment))}
    assert history == {
        case.matched_enrollment_id: "superseded",
        case.enrollment_id: "active",
    }


def test_reenrollment_without_study_time_replaces_the_template(app, make_user, login, shared_faces):
    learner, client, token, first = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    response = post_enrollment(client, token, photo(shared_faces, "obama/obama3.jpg"))
    assert response.status_code == 201
    statuses = dict(db.session.execute(select(FaceEnrollment.id, FaceEnrollment.status)).all())
    assert statuses == {
        first.get_json()["enrollment"]["id"]: "superseded",
        response.get_json()["enrollment"]["id"]: "active",
    }
    assert db.session.scalar(select(func.count()).select_from(FaceReviewCase)) == 0


def test_approving_a_face_swap_rechecks_for_duplicates(app, make_user, login, shared_faces):
    swapper, client, token, _ = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    credit_study_time(swapper.id)
    held = post_enrollment(client, token, photo(shared_faces, "biden/biden.jpg"))
    assert held.get_json()["status"] == "pending_review"
    # meanwhile the person in the new photo enrolls on their own account
    owner, *_rest, response = enrolled(app, make_user, login, shared_faces, "biden/biden2.jpg")
    assert response.status_code == 201

    _regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    case = db.session.scalar(select(FaceReviewCase))
    assert decide(reviewer, case.id, "approve").status_code == 302

    db.session.expire_all()
    case = db.session.get(FaceReviewCase, case.id)
    assert case.status == "open" and case.kind == "duplicate_identity"
    assert case.matched_learner_id == owner.id
    assert case.enrollment.status == "duplicate_identity_review"
    assert client.get(API).get_json()["status"] == "duplicate_identity_review"


def test_learner_sees_own_photo_but_not_others(app, make_user, login, shared_faces):
    _a, client_a, _t, first = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    _b, client_b, _t, second = enrolled(app, make_user, login, shared_faces, "biden/biden.jpg")
    own = first.get_json()["enrollment"]["id"]
    other = second.get_json()["enrollment"]["id"]
    assert client_a.get(f"/faces/photos/{own}").status_code == 200
    assert client_a.get(f"/faces/photos/{other}").status_code == 403
    assert client_b.get(f"/faces/photos/{own}").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(FaceAccessLog)) == 1


def test_learner_face_page_and_access_log(app, make_user, login, shared_faces):
    learner, *_ = enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    page = reviewer.get(f"/faces/learners/{learner.id}")
    assert page.status_code == 200
    enrollment_id = db.session.scalar(select(FaceEnrollment.id))
    assert f"/faces/photos/{enrollment_id}" in page.get_data(as_text=True)
    assert reviewer.get(f"/faces/photos/{enrollment_id}").status_code == 200
    log_page = reviewer.get("/faces/access-log").get_data(as_text=True)
    assert regulator.name in log_page and learner.name in log_page
    assert reviewer.get(f"/faces/learners/{regulator.id}").status_code == 404


def test_city_regulators_review_only_learners_in_their_city(app, make_user, login, shared_faces):
    enrolled(app, make_user, login, shared_faces, "obama/obama.jpg")
    enrolled(app, make_user, login, shared_faces, "obama/obama2.jpg")
    case = db.session.scalar(select(FaceReviewCase))
    # neither learner is in a class of a Baoji provider
    city = make_user("regulator", scope="6103")
    client = app.test_client()
    login(client, city)
    assert review_service().open_count(city) == 0
    assert f"/faces/photos/{case.enrollment_id}" not in client.get("/faces/review").get_data(
        as_text=True
    )
    assert client.get(f"/faces/photos/{case.enrollment_id}").status_code == 403
    assert decide(client, case.id, "approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(FaceReviewCase, case.id).status == "open"
    assert db.session.scalar(select(func.count()).select_from(FaceAccessLog)) == 0
