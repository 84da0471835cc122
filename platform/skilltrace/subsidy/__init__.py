"""Subsidy: class completion (结业), training certificates, employment follow-up, key groups,
subsidy standards and claims (补贴申领) decided by the notice's rules (:mod:`.rules`).

Hooks for other domains:

- :func:`skilltrace.subsidy.services.claim_refusal_for_provider` — the one check a claim makes
  about its provider (suspended/blacklisted providers cannot claim); oversight may extend it.
- :func:`skilltrace.subsidy.ledger.class_ledger` — study's attested ledger for a class as frozen
  dataclasses (read-only, from study's models).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from skilltrace.subsidy import api, api_evidence, models  # noqa: F401

    app.register_blueprint(api.bp)
