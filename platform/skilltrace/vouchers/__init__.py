"""Training vouchers (职业培训券): batches issued by regulators, claimed by learners, reserved on
joining a class, released on leaving, written off (核销) exactly once when the learner's subsidy
for that class is approved, expired by a scheduled job (``vouchers.expire``) and lazily."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from skilltrace import web
    from skilltrace.identity.models import Role
    from skilltrace.subsidy import claims
    from skilltrace.vouchers import api, models, report_sources, services, views  # noqa: F401

    app.register_blueprint(api.bp)
    app.extensions.setdefault("skilltrace.report_sources", {}).update(report_sources.SOURCES)
    app.register_blueprint(views.bp)
    web.add_nav((Role.LEARNER,), "vouchers.mine", _l("My training vouchers"))
    web.add_nav((Role.REGULATOR,), "vouchers.batches", _l("Training vouchers"))
    if services.write_off_on_award not in claims.AWARD_HOOKS:
        claims.AWARD_HOOKS.append(services.write_off_on_award)
    app.extensions.setdefault("skilltrace.jobs", {})["vouchers.expire"] = (
        services.expire_vouchers,
        3600,
    )
    cli = AppGroup("vouchers", help="Training vouchers.")

    @cli.command("expire")
    def expire_command():
        """Expire claimed vouchers past their validity."""
        click.echo(f"expired: {services.expire_vouchers()}")

    app.cli.add_command(cli)
