"""Supervised study: sessions, server-side face checks, heartbeats, the attested ledger."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from skilltrace.identity.models import Role
    from skilltrace.identity.views import HOME_PANELS
    from skilltrace.study import api, cli, jobs, models, quiet_path, reports, views  # noqa: F401
    from skilltrace.study.live import RecentWrites
    from skilltrace.web import add_nav

    app.extensions["skilltrace.study.recent"] = RecentWrites()
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.study_cli)
    jobs.register(app)
    quiet_path.init_app(app)
    add_nav((Role.LEARNER,), "study.my_ledger", _l("My learning hours"))
    app.jinja_env.globals["study_ledger"] = reports.learner_ledger
    if "study/_panel_learner.html" not in HOME_PANELS[Role.LEARNER]:
        HOME_PANELS[Role.LEARNER].append("study/_panel_learner.html")
