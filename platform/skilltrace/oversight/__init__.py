"""Oversight: what regulators query about learners (ledger, face checks, trace)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from skilltrace.identity.models import Role
    from skilltrace.oversight import api, models, views, xapi_api  # noqa: F401  (models: indexes)
    from skilltrace.web import add_nav

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public)
    app.register_blueprint(api.bp)
    app.register_blueprint(xapi_api.bp)
    add_nav((Role.REGULATOR, Role.PROVIDER_STAFF), "oversight.search", _l("Learners"))
    add_nav((Role.REGULATOR, Role.PROVIDER_STAFF), "oversight.classes", _l("Find classes"))
    add_nav((Role.REGULATOR, Role.ADMIN), "oversight.courses", _l("Find courses"))
