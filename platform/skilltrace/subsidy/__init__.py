"""Subsidy: class completion (结业), training certificates, employment follow-up, key groups,
subsidy standards and claims (补贴申领) decided by the notice's rules (:mod:`.rules`).

Hooks for other domains:

- :func:`skilltrace.subsidy.claims.claim_refusal_for_provider` — the one check a claim makes
  about its provider (suspended/blacklisted providers cannot claim), asking every
  ``app.extensions["skilltrace.claim_checks"]`` callable too (oversight's ``may_claim``).
- ``app.extensions["skilltrace.unaware_share"]`` — the survey evidence for 以工代训 (oversight).
- :mod:`skilltrace.subsidy.report_sources` — figures registered for the monthly report.
- :func:`skilltrace.subsidy.ledger.class_ledger` — study's attested ledger for a class as frozen
  dataclasses (read-only, from study's models).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from skilltrace import demo, web
    from skilltrace.identity.models import Role
    from skilltrace.identity.views import HOME_PANELS
    from skilltrace.subsidy import api, api_evidence, models, report_sources, views  # noqa: F401
    from skilltrace.subsidy.demo import seed_standards

    app.register_blueprint(api.bp)
    app.extensions.setdefault("skilltrace.report_sources", {}).update(report_sources.SOURCES)
    app.register_blueprint(views.bp)
    web.add_nav((Role.LEARNER,), "subsidy.mine", _l("My subsidies and certificates"))
    web.add_nav((Role.PROVIDER_STAFF, Role.REGULATOR), "subsidy.claims", _l("Subsidy claims"))
    web.add_nav((Role.REGULATOR,), "subsidy.standards_page", _l("Subsidy standards"))
    web.add_nav((Role.REGULATOR,), "subsidy.key_groups", _l("Key-group confirmations"))
    if "subsidy/_panel_learner.html" not in HOME_PANELS[Role.LEARNER]:
        HOME_PANELS[Role.LEARNER].append("subsidy/_panel_learner.html")
    if not any(name == "subsidy" for _o, name, _s in demo.SEED_STEPS):
        demo.SEED_STEPS.append((40, "subsidy", seed_standards))
