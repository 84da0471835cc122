"""Every route the app has, walked as each role with the issue-11 attacks (tests/api/
test_hardening.py tests them on a few named routes): control and format characters in any
form, query or JSON field are a 422 that writes nothing; out-of-range, negative, non-numeric
and non-finite numbers in any field or query filter are a 4xx (or an empty answer), never a
500. Forms are found by reading each page's HTML, JSON bodies and query parameters from the
OpenAPI document, so a new route or field is walked without being named here.

Run on PostgreSQL too (``DATABASE_URL``): NUL and 32-bit overflow only fail there."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict

from class_rows import open_class_rows
from skilltrace.extensions import db
from skilltrace.identity.models import Role

TEXT_ATTACKS = ["a\x00b", "a\x07b", "a\u202eb"]
JSON_TEXT_ATTACKS = [*TEXT_ATTACKS, "a\ud800b"]  # a lone surrogate: only JSON can send one
NUMBER_ATTACKS = ["2147483648", str(2**63), "-1", "abc", "1e309", "nan", "²", "true", "0x10"]
JSON_NUMBERS = ["2147483648", str(2**63), "-1", '"abc"', "1e309", "true", "1.5"]
QUERY_JUNK = [
    *NUMBER_ATTACKS,
    "2026-13-45",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30T25:61",
    "nonsense",
    "",
]
# Query names the lists, exports and feeds read, beside those of each page's GET forms.
QUERY_NAMES = [
    *("page", "per_page", "limit", "since", "until", "cursor", "year", "month", "from", "to"),
    *("start", "end", "status", "state", "code", "q", "kind", "region", "class", "course"),
    *("provider", "learner", "verb", "agent", "registration", "activity", "ascending"),
    *("format", "serial", "name", "role", "level", "category", "target_kind"),
]
# Forms that end the caller's session or language; walked by their own tests.
SKIP_ACTIONS = ("/logout", "/account/logout-everywhere", "/account/password", "/lang/")


# -- a small world, rows made directly (no video or faces needed) ------------------------------
@dataclass
class World:
    users: dict
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(app, make_user) -> World:
    from skilltrace.courses.models import ClassMember

    provider = make_user.provider(city="6101")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    regulator = make_user(Role.REGULATOR, scope="61")
    learner = make_user(Role.LEARNER)
    course, lesson, class_ = open_class_rows(provider, staff)
    db.session.add(ClassMember(class_id=class_.id, learner_id=learner.id, via="code"))
    db.session.commit()
    users = {
        Role.LEARNER: learner,
        Role.PROVIDER_STAFF: staff,
        Role.REGULATOR: regulator,
        Role.ADMIN: make_user(Role.ADMIN),
    }
    ids = {
        "class_id": class_.id,
        "course_id": course.id,
        "lesson_id": lesson.id,
        "learner_id": learner.id,
        "provider_id": provider.id,
        "user_id": learner.id,
    }
    return World(users, ids)


# -- reading pages ------------------------------------------------------------------------------
@dataclass
class Form:
    action: str
    method: str
    fields: dict  # name -> baseline value
    multipart: bool


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._form, self._select = page, [], None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        form = self._form
        if tag == "form":
            self._form = Form(
                urlsplit(a.get("action") or self.page).path or self.page,
                (a.get("method") or "get").upper(),
                {},
                "multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif tag == "option" and form is not None and self._select:
            if not form.fields[self._select]:
                form.fields[self._select] = a.get("value", "")
        elif form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and a["name"] in form.fields:
                return
            form.fields[a["name"]] = a.get("value") or _sample(a)
        elif tag == "textarea":
            form.fields[a["name"]] = "说明"
        elif tag == "select":
            self._select = a["name"]
            form.fields[a["name"]] = ""
        elif tag == "button" and a.get("value"):
            form.fields.setdefault(a["name"], a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _sample(attrs: dict) -> str:
    kind = attrs.get("type", "text")
    return {
        "number": "1",
        "date": date.today().isoformat(),
        "month": date.today().strftime("%Y-%m"),
        "checkbox": "y",
        "tel": "13912345678",
    }.get(kind, "样本")


def _concrete(rule, ids: dict) -> str | None:
    """``rule`` with its int arguments filled from the world; None if it has others."""
    path = rule.rule
    for name, conv in rule._converters.items():
        kind = type(conv).__name__
        if kind.startswith("Id") or kind == "IntegerConverter":
            value = ids.get(name, 1)
        elif kind == "AnyConverter":
            value = sorted(conv.items)[0] if hasattr(conv, "items") else None
            if value is None:
                return None
        else:
            return None
        path = re.sub(r"<[^>]*:?" + name + ">", str(value), path)
    return path


def _pages(app, ids):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = _concrete(rule, ids)
        if path and not path.startswith(SKIP_ACTIONS):
            yield path


def _table_counts() -> dict:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


def _client(app, login, user):
    client = app.test_client()
    csrf = login(client, user) if user else client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    return client, csrf


# -- the walk -------------------------------------------------------------------------------------
ROLES = [Role.LEARNER, Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_form_refuses_attacks(app, world, login, role):
    """Each form of each page: a control or format character in any field → 422 and no row
    written; junk numbers in any field → never a 500."""
    client, csrf = _client(app, login, world.users[role])
    forms, failures = {}, []
    for path in _pages(app, world.ids):
        response = client.get(path)
        response.close()
        if response.status_code >= 500:
            failures.append(f"GET {path} {response.status_code}")
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        parser = _Forms(path)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            if not form.action.startswith(SKIP_ACTIONS):
                forms.setdefault((form.method, form.action, tuple(form.fields)), form)
    assert forms, "no forms found"
    for form in forms.values():
        names = [n for n in form.fields if n != "csrf_token"]
        for name in names:
            for value in TEXT_ATTACKS + NUMBER_ATTACKS:
                data = {**form.fields, name: value, "csrf_token": csrf}
                before = _table_counts() if value in TEXT_ATTACKS else None
                if form.method == "GET":
                    response = client.get(f"{form.action}?{urlencode(data)}")
                else:
                    response = client.post(
                        form.action,
                        data=data,
                        content_type="multipart/form-data" if form.multipart else None,
                    )
                response.close()
                where = f"{form.method} {form.action} {name}={value!r}"
                if response.status_code >= 500:
                    failures.append(f"{where} {response.status_code}")
                if before is not None:
                    if response.status_code != 422:
                        failures.append(f"{where} {response.status_code} (want 422)")
                    if _table_counts() != before:
                        failures.append(f"{where} wrote rows")
    assert failures == [], "\n".join(failures[:80])


class _Recording(ImmutableMultiDict):
    """Query values that remember which names a view read (``"*"``: it read them all)."""

    read: set = set()

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def items(self, multi=False):
        if sys._getframe(1).f_code.co_name != "refuse_control_characters":  # reads every page's
            self.read.add("*")
        return super().items(multi)

    def to_dict(self, flat=True):
        self.read.add("*")
        return super().to_dict(flat)


def _query_names(app, monkeypatch, client, path) -> set:
    """The query names the view at ``path`` reads."""

    class Recording(app.request_class):
        parameter_storage_class = _Recording

    monkeypatch.setattr(app, "request_class", Recording)
    _Recording.read = set()
    client.get(path).close()
    monkeypatch.undo()
    names = _Recording.read - {"csrf_token", "lang"}
    return (names - {"*"}) | (set(QUERY_NAMES) if "*" in names else set())


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_get_route_takes_junk_query_filters(app, world, login, role, monkeypatch):
    """Lists, exports, feeds and pages: junk in each query name the view reads is a 4xx or an
    answer, never a 500."""
    client, _ = _client(app, login, world.users.get(role))
    failures, walked = [], 0
    for path in _pages(app, world.ids):
        for name in sorted(_query_names(app, monkeypatch, client, path)):
            for value in QUERY_JUNK + TEXT_ATTACKS:
                walked += 1
                response = client.get(f"{path}?{urlencode({name: value})}")
                response.close()
                refused = response.status_code == 422 or value not in TEXT_ATTACKS
                if response.status_code >= 500 or not refused:
                    failures.append(f"GET {path}?{name}={value!r} {response.status_code}")
    assert walked or role is None
    assert failures == [], "\n".join(failures[:80])


def _operations(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            yield path, method.upper(), op.get("parameters", []), (body or {}).get("schema")


def _baseline(schema: dict) -> dict:
    samples = {"integer": 1, "number": 1, "boolean": True, "string": "样本", "array": []}
    return {
        name: samples.get(spec.get("type"), "样本")
        for name, spec in schema.get("properties", {}).items()
        if name in schema.get("required", ())
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_api_field_refuses_attacks(app, world, login, role):
    """Each JSON property of each API operation: control characters → 422 naming it, nothing
    written; out-of-range, negative, non-numeric and non-finite numbers → a 4xx."""
    client, csrf = _client(app, login, world.users[role])
    failures = []
    for path, method, params, schema in _operations(app):
        if path in ("/api/v1/auth/logout", "/api/v1/auth/logout-everywhere", "/api/v1/me/password"):
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: str(world.ids.get(m.group(1), 1)), path)
        for param in params:
            if param["in"] != "query":
                continue
            for value in QUERY_JUNK + TEXT_ATTACKS:
                response = client.open(
                    f"{concrete}?{urlencode({param['name']: value})}",
                    method=method,
                    headers={"X-CSRFToken": csrf},
                )
                if response.status_code >= 500:
                    failures.append(f"{method} {path}?{param['name']}={value!r}")
        if not schema:
            continue
        for name, spec in schema.get("properties", {}).items():
            values = [json.dumps(v) for v in JSON_TEXT_ATTACKS] + JSON_NUMBERS
            for value in values:
                body = {**_baseline(schema)}
                raw = json.dumps({**body, name: "__X__"}).replace('"__X__"', value)
                before = _table_counts() if "\\u" in value else None
                response = client.open(
                    concrete,
                    method=method,
                    data=raw,
                    content_type="application/json",
                    headers={"X-CSRFToken": csrf},
                )
                response.close()
                where = f"{method} {path} {name}={value}"
                if response.status_code >= 500:
                    failures.append(f"{where} {response.status_code}")
                elif before is not None:
                    if response.status_code not in (401, 403, 404, 422):
                        failures.append(f"{where} {response.status_code}")
                    if _table_counts() != before:
                        failures.append(f"{where} wrote rows")
                elif (
                    response.status_code < 400
                    and spec.get("type") in ("integer", "number")
                    and (value != "1.5" or spec.get("type") == "integer")
                ):
                    failures.append(f"{where} {response.status_code} (want 4xx)")
    assert failures == [], "\n".join(failures[:80])
