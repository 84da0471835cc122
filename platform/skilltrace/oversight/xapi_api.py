"""``GET /api/v1/xapi/statements``: the trace as xAPI 1.0.3 statements for regulators' systems
(a bearer token of a regulator; statements of learners and classes in their scope only)."""

from __future__ import annotations

import json
from datetime import datetime

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l

from skilltrace.api.frame import api_auth, api_blueprint
from skilltrace.api.openapi import responses
from skilltrace.errors import DomainError
from skilltrace.identity.models import Role
from skilltrace.oversight.xapi import (
    CHECK_VERBS,
    STUDY_VERBS,
    VERBS,
    Query,
    membership_of,
    statements,
)

bp = api_blueprint("oversight_xapi", __name__)
MAX_LIMIT = 500


def _bad(name: str) -> DomainError:
    return DomainError(
        "filter_invalid", _l("This filter value is not valid: %(f)s", f=name), field=name
    )


def _time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(name) from None
    if value.tzinfo is None:
        raise _bad(name)
    return value


def _agent(base: str) -> int | None:
    raw = request.args.get("agent")
    if not raw:
        return None
    try:
        account = json.loads(raw)["account"]
        name = account["name"]
    except (ValueError, KeyError, TypeError):
        raise _bad("agent") from None
    if account.get("homePage") != base or not str(name).isdigit() or int(name) > 2**31 - 1:
        return 0  # an agent of another system: no statements
    return int(name)


def _kinds() -> tuple[str, ...]:
    from skilltrace.oversight.xapi import MAPPED_KINDS

    raw = request.args.get("verb")
    if not raw:
        return MAPPED_KINDS
    names = [name for name, iri in VERBS.items() if iri == raw]
    if not names:
        return ()
    kinds = [k for k, v in {**CHECK_VERBS, **STUDY_VERBS}.items() if v in names]
    if names[0] in ("paused", "seeked"):
        kinds.append("heartbeat_anomaly")
    return tuple(kinds)


def _membership() -> int | None:
    raw = request.args.get("registration")
    if not raw:
        return None
    try:
        found = membership_of(raw)
    except ValueError:
        raise _bad("registration") from None
    return 0 if found is None else found


@bp.get("/xapi/statements")
@api_auth(Role.REGULATOR)
@responses({200: "xAPI StatementResult", 422: "A filter value is not valid"})
def xapi_statements():
    """xAPI statements derived from the trace: ``agent verb activity registration since until
    limit ascending``; ``more`` links the next page."""
    base = request.host_url.rstrip("/")
    limit = request.args.get("limit", type=int) if "limit" in request.args else 100
    if limit is None or limit < 0:
        raise _bad("limit")
    limit = min(limit, MAX_LIMIT) or MAX_LIMIT
    ascending = request.args.get("ascending", "false").lower()
    if ascending not in ("true", "false"):
        raise _bad("ascending")
    cursor = request.args.get("cursor", type=int) if "cursor" in request.args else None
    if "cursor" in request.args and (cursor is None or cursor < 0):
        raise _bad("cursor")
    query = Query(
        learner_id=_agent(base),
        kinds=_kinds(),
        activity=request.args.get("activity") or None,
        membership_id=_membership(),
        since=_time("since"),
        until=_time("until"),
        limit=limit,
        ascending=ascending == "true",
        cursor=cursor or None,
    )
    found, next_cursor = statements(g.api_user, query, base) if query.kinds else ([], None)
    more = ""
    if next_cursor is not None:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        more = url_for("oversight_xapi.xapi_statements", cursor=next_cursor, **args)
    return {"statements": found, "more": more}, 200, {"X-Experience-API-Version": "1.0.3"}
