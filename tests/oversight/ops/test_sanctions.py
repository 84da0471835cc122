"""Sanctions: the ladder through the pages, a blacklisted provider cannot open classes or claim,
the public list, lifting, agencies and the staff's notices."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from skilltrace.courses.classes import class_service
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role
from skilltrace.notices.models import Notice
from skilltrace.oversight.models import EvidenceFile, Sanction, SanctionEvent
from skilltrace.oversight.sanctions import may_claim


def _token(client, path) -> str:
    return re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)
    ).group(1)


def _impose(client, world, level, reason="培训时长不足", **extra):
    path = f"/oversight/sanctions/provider/{world.provider.id}"
    return client.post(
        path,
        data={"csrf_token": _token(client, path), "level": level, "reason": reason, **extra},
        content_type="multipart/form-data",
    )


def _status() -> str:
    db.session.expire_all()
    return db.session.query(Provider).one().status


def test_blacklisted_provider_cannot_open_classes_and_shows_publicly(app, world, login):
    client = app.test_client()
    login(client, world.regulator)
    assert _impose(client, world, "interview").status_code == 302
    assert _status() == "active"
    response = _impose(
        client,
        world,
        "blacklist",
        "虚假培训、冒名顶替",
        evidence=(io.BytesIO(b"%PDF-1.4 decision"), "决定书.pdf", "application/pdf"),
    )
    assert response.status_code == 302
    assert _status() == "blacklisted" and not may_claim(world.provider.id)
    assert db.session.query(EvidenceFile).filter_by(owner_kind="sanction").count() == 1
    staff_notices = db.session.query(Notice).filter_by(user_id=world.staff.id).all()
    assert [n.kind for n in staff_notices] == ["sanction_imposed", "sanction_imposed"]

    today = date.today()
    with pytest.raises(DomainError) as err:
        class_service().open_class(
            world.staff, world.course, "新班", today, today + timedelta(days=5), 10, today=today
        )
    assert err.value.code == "provider_blacklisted" and err.value.status == 403

    public = app.test_client().get("/sanctioned")  # no login
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and world.provider.name in text and "虚假培训" in text
    assert world.provider.credit_code in text

    # the same step again is refused; the history keeps both steps
    _impose(client, world, "blacklist")
    assert db.session.query(Sanction).count() == 2
    page = client.get(f"/oversight/sanctions/provider/{world.provider.id}").get_data(as_text=True)
    assert "决定书.pdf" in page


def test_lifting_restores_the_status_and_keeps_history(app, world, login):
    client = app.test_client()
    login(client, world.regulator)
    _impose(
        client,
        world,
        "suspend",
        "停业整顿三个月",
        ends_on=(date.today() + timedelta(days=90)).isoformat(),
    )
    assert _status() == "suspended"
    sanction = db.session.query(Sanction).one()
    path = f"/oversight/sanctions/provider/{world.provider.id}"
    client.post(
        f"/oversight/sanctions/{sanction.id}/lift",
        data={"csrf_token": _token(client, path), "reason": ""},
    )
    assert _status() == "suspended"  # a reason is required
    client.post(
        f"/oversight/sanctions/{sanction.id}/lift",
        data={"csrf_token": _token(client, path), "reason": "整改到位"},
    )
    assert _status() == "active"
    actions = [e.action for e in db.session.query(SanctionEvent).order_by(SanctionEvent.id)]
    assert actions == ["imposed", "lifted"]
    assert world.provider.name not in app.test_client().get("/sanctioned").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "expected_count"),
    [
        ({"level": "blacklist", "reason": ""}, 0),
        ({"level": "fine", "reason": "r"}, 0),
        ({"level": "rectify", "reason": "r", "decided_on": "2999-01-01"}, 0),
        ({"level": "rectify", "reason": "r", "decided_on": "not a date"}, 0),
        ({"level": "rectify", "reason": "r"}, 1),
    ],
)
def test_bad_sanctions_are_refused_and_nothing_is_written(app, world, login, data, expected_count):
    client = app.test_client()
    login(client, world.regulator)
    _impose(client, world, **data)
    assert db.session.query(Sanction).count() == expected_count
    assert _status() == "active"


def test_out_of_scope_regulators_and_providers_cannot_sanction(app, world, make_user, login):
    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))
    assert other.get(f"/oversight/sanctions/provider/{world.provider.id}").status_code == 404
    staff = app.test_client()
    login(staff, world.staff)
    assert staff.get(f"/oversight/sanctions/provider/{world.provider.id}").status_code == 403


def test_agencies_can_be_registered_and_blacklisted(app, world, login, make_user):
    from skilltrace.identity.codes import credit_check_char

    client = app.test_client()
    login(client, world.regulator)
    first17 = "91610100MA6U77777"
    code = first17 + credit_check_char(first17)
    response = client.post(
        "/oversight/agencies",
        data={
            "csrf_token": _token(client, "/oversight/sanctions"),
            "name": "某评价机构",
            "credit_code": code,
            "city_code": "6101",
        },
    )
    agency_path = response.headers["Location"]
    assert "/oversight/sanctions/agency/" in agency_path
    client.post(
        agency_path,
        data={
            "csrf_token": _token(client, agency_path),
            "level": "blacklist",
            "reason": "出具虚假评价",
        },
    )
    assert "某评价机构" in app.test_client().get("/sanctioned").get_data(as_text=True)
