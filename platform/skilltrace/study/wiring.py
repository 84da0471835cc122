"""Builds the study services from the current app's parts (the only place that knows them)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from skilltrace.clock import current_clock
from skilltrace.extensions import db
from skilltrace.state import current_state
from skilltrace.study.crediting import RULE_SETTINGS, CreditingRules
from skilltrace.study.services import StudyCollaborators, StudyService
from skilltrace.traces.services import TraceLog

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _access(learner, lesson_id: int, now: datetime):
    from skilltrace.courses.classes import study_access

    return study_access(learner, lesson_id, now.astimezone(SHANGHAI).date())


def _rules(config) -> CreditingRules:
    return _rules_of(tuple((key, config[key]) for key in RULE_SETTINGS.values() if key in config))


@lru_cache(maxsize=64)
def _rules_of(settings: tuple) -> CreditingRules:
    return CreditingRules.from_config(dict(settings))


def study_service() -> StudyService:
    """The study service for the current request."""
    from skilltrace.faces import services as faces

    return StudyService(
        StudyCollaborators(
            db=db.session,
            state=current_state(),
            trace=TraceLog(db.session),
            clock=current_clock(),
            rules=_rules(current_app.config),
            config=current_app.config,
            access=_access,
            template_of=faces.active_template,
            verify_burst=lambda template, frames: faces.face_engine().verify_burst(
                template, frames
            ),
            store_snapshot=faces.store_snapshot,
            recent=current_app.extensions.get("skilltrace.study.recent"),
        )
    )
