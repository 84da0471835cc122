"""Oversight: what regulators query and decide: learners, warnings, spot checks, sanctions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from skilltrace.identity.models import Role
    from skilltrace.oversight import (  # noqa: F401 (routes and models register on import)
        api,
        categories,
        cli,
        models,
        public,
        report_views,
        sanction_views,
        views,
        warning_views,
        xapi_api,
    )
    from skilltrace.oversight.report import run_report_job
    from skilltrace.oversight.sanctions import may_claim
    from skilltrace.oversight.spotchecks import unaware_share
    from skilltrace.oversight.warnings import run_warnings
    from skilltrace.web import add_nav

    # what subsidy reads without importing oversight: claim gates and the survey evidence
    checks = app.extensions.setdefault("skilltrace.claim_checks", [])
    if may_claim not in checks:
        checks.append(may_claim)
    app.extensions["skilltrace.unaware_share"] = unaware_share
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public)
    app.register_blueprint(api.bp)
    app.register_blueprint(xapi_api.bp)
    add_nav((Role.REGULATOR, Role.PROVIDER_STAFF), "oversight.search", _l("Learners"))
    add_nav((Role.REGULATOR, Role.PROVIDER_STAFF), "oversight.classes", _l("Find classes"))
    add_nav((Role.REGULATOR, Role.ADMIN), "oversight.courses", _l("Find courses"))
    app.register_blueprint(public.bp)
    app.cli.add_command(cli.group)
    every = int(app.config["OVERSIGHT_JOB_EVERY_S"])
    jobs = app.extensions.setdefault("skilltrace.jobs", {})
    jobs["oversight.warnings"] = (run_warnings, every)
    jobs["oversight.report"] = (run_report_job, every)
    regulators = (Role.REGULATOR, Role.ADMIN)
    add_nav(regulators, "oversight.warnings", _l("Warnings"))
    add_nav(regulators, "oversight.spot_checks", _l("Spot checks"))
    add_nav(regulators, "oversight.sanctions", _l("Sanctions"))
    add_nav(regulators, "oversight.report", _l("Monthly report"))
    from skilltrace import demo
    from skilltrace.identity.views import HOME_PANELS

    if "oversight/_panel_regulator.html" not in HOME_PANELS[Role.REGULATOR]:
        HOME_PANELS[Role.REGULATOR].append("oversight/_panel_regulator.html")
    app.add_template_global(_open_warning_count, "oversight_open_warning_count")

    if not any(name == "report targets" for _o, name, _s in demo.SEED_STEPS):
        demo.SEED_STEPS.append((60, "report targets", _seed_targets))


def _open_warning_count(user) -> int:
    from sqlalchemy import func, select

    from skilltrace.extensions import db
    from skilltrace.oversight.models import OversightWarning
    from skilltrace.oversight.warnings import warning_query

    stmt = warning_query(user).where(OversightWarning.status == "open").subquery()
    return db.session.scalar(select(func.count()).select_from(stmt))


def _seed_targets(echo) -> None:
    """Demo step: the notice's 2021 figures as this year's targets too (idempotent)."""
    from skilltrace.oversight.report import report_year
    from skilltrace.oversight.targets import seed_targets

    year = report_year()
    echo(f"report targets {year}: {seed_targets(year)} added")
