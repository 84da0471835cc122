"""Builds the study services from the current app's parts (the only place that knows them)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import current_app

from skilltrace.clock import current_clock
from skilltrace.extensions import db
from skilltrace.state import current_state
from skilltrace.study.crediting import RULE_SETTINGS, CreditingRules
from skilltrace.study.services import StudyCollaborators, StudyService
from skilltrace.timefmt import beijing_date
from skilltrace.traces.services import TraceLog


def _access(learner, lesson_id: int, now: datetime):
    from skilltrace.courses.classes import study_access

    return study_access(learner, lesson_id, beijing_date(now))


def _rules(config) -> CreditingRules:
    return _rules_of(tuple((key, config[key]) for key in RULE_SETTINGS.values() if key in config))


@lru_cache(maxsize=64)
def _rules_of(settings: tuple) -> CreditingRules:
    return CreditingRules.from_config(dict(settings))


def _check_mode(learner_id: int, class_id: int, now: datetime) -> str:
    """How this learner's checks run in this class: a regulator's accommodation makes them
    match only; ``attended`` learners study in person, and any online study is match only."""
    from skilltrace.faces.accommodations import check_mode

    mode = check_mode(learner_id, class_id, now)
    return "match_only" if mode in ("match_only", "attended") else "challenge"


def study_service() -> StudyService:
    """The study service of the current app: built once, and again only when the clock, the
    store, the crediting rules or the session TTL it was built with change (tests swap them).
    It keeps no per-request state: ``db.session`` resolves to the current request's session."""
    from skilltrace.faces import checking as face_checks
    from skilltrace.faces import services as faces

    app = current_app._get_current_object()
    state, clock, rules = current_state(), current_clock(), _rules(app.config)
    ttl = app.config["STUDY_SESSION_TTL_S"]
    built = app.extensions.get("skilltrace.study.service")
    if (
        built is not None
        and (built.c.state, built.c.clock) == (state, clock)
        and (built.c.rules, built.live.session_ttl_s) == (rules, ttl)
    ):
        return built
    service = StudyService(
        StudyCollaborators(
            db=db.session,
            state=state,
            trace=TraceLog(db.session),
            clock=clock,
            rules=rules,
            config=app.config,
            access=_access,
            template_of=faces.active_template,
            verify_check=face_checks.verify_check,
            remember_frames=face_checks.remember_frames,
            store_snapshot=faces.store_snapshot,
            check_mode=_check_mode,
            recent=app.extensions.get("skilltrace.study.recent"),
        )
    )
    app.extensions["skilltrace.study.service"] = service
    return service
