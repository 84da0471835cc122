"""Rewriting one learner's ledger tables from their trace, after an event only the replay
credits (an overturned check, attested attendance): the tables are never patched in place."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.study.crediting import CreditingRules
from skilltrace.study.intervals import covered_seconds
from skilltrace.study.models import CreditedTime, LessonProgress
from skilltrace.study.projection import ProjectedLedger, event_seconds, replay_trace
from skilltrace.traces.services import TraceLog


def rebuild_ledger(session: Session, learner_id: int, rules: CreditingRules) -> ProjectedLedger:
    """Rewrite one learner's ledger tables from their trace (call it after appending an event
    that credits in the replay only: an overturn or attested attendance). The caller holds the
    learner's trace-head lock (taken by ``TraceLog.append``), so no study credit interleaves."""
    projected = replay_trace(TraceLog(session).events(learner_id), rules)
    rows = {
        (row.lesson_id, row.day): row
        for row in session.scalars(
            select(CreditedTime).where(CreditedTime.learner_id == learner_id).with_for_update()
        )
    }
    for key in set(rows) | set(projected.credited) | set(projected.capped):
        row = rows.get(key)
        if row is None:
            lesson_id, day = key
            row = CreditedTime(
                learner_id=learner_id,
                lesson_id=lesson_id,
                course_id=projected.lessons[lesson_id].course_id,
                day=day,
            )
            session.add(row)
        row.seconds = projected.credited.get(key, 0.0)
        row.capped_seconds = projected.capped.get(key, 0.0)
    progress = {
        row.lesson_id: row
        for row in session.scalars(
            select(LessonProgress).where(LessonProgress.learner_id == learner_id).with_for_update()
        )
    }
    for lesson_id, intervals in projected.coverage.items():
        row = progress.get(lesson_id)
        info = projected.lessons.get(lesson_id)
        if row is None:
            row = LessonProgress(
                learner_id=learner_id,
                lesson_id=lesson_id,
                course_id=info.course_id,
                duration_s=info.duration_s,
            )
            session.add(row)
        row.intervals_json = json.dumps([list(i) for i in intervals])
        row.covered_seconds = covered_seconds(intervals, row.duration_s)
        done = projected.completed.get(lesson_id)
        row.completed_at = (
            None if done is None else datetime.fromtimestamp(event_seconds(done), UTC)
        )
    session.flush()
    return projected
