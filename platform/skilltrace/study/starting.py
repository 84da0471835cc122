"""Starting a supervised study session: access, enrollment, one session per learner, the
baseline of what the learner already earned, and the sign-in check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.study.ledger import LessonInfo
from skilltrace.study.live import LiveSession
from skilltrace.study.models import CheckKind, SessionState, StudySession
from skilltrace.study.projection import baseline
from skilltrace.study.replay import StudyState
from skilltrace.study.services import StudyService


def start_session(
    service: StudyService, learner, lesson_id: int, take_over: bool = False, client_info: str = ""
):
    """Open a session on a lesson the learner may study now; returns it, the sign-in check
    and its nonce. A second session is refused (``session_active``) unless ``take_over``."""
    now = service.c.clock.now()
    try:
        access = service.c.access(learner, lesson_id, now)
    except DomainError as refusal:
        service.c.db.rollback()
        service.c.trace.append(
            learner.id,
            "session_refused",
            {"lesson_id": lesson_id, "code": refusal.code},
            at=now,
        )
        service.c.db.commit()
        raise
    if service.c.template_of(learner.id) is None:
        raise DomainError(
            "face_not_enrolled",
            _l("Enroll your face photo before studying."),
            status=409,
        )
    with service.locked(f"study:learner:{learner.id}"):
        active_id = service.live.active_session(learner.id)
        active = service.c.db.get(StudySession, active_id) if active_id else None
        if active is not None and active.state != SessionState.ENDED:
            if not take_over:
                raise DomainError(
                    "session_active",
                    _l(
                        "You are already studying on another page or device. "
                        "Continue there, or take over here."
                    ),
                    status=409,
                )
            service.finish(active, service.live.load(active.id), "taken_over", at=now)
            service.c.trace.append(
                learner.id, "session_taken_over", {"ended_session": active.id}, at=now
            )
        _end_stale_sessions(service, learner)
        session = StudySession(
            learner_id=learner.id,
            lesson_id=access.lesson.id,
            class_id=access.class_.id,
            course_id=access.course.id,
            started_at=now,
            client_info=(client_info or "")[:200],
        )
        service.c.db.add(session)
        service.c.db.flush()
        info = LessonInfo(access.course.id, float(access.lesson.duration_s))
        fold = StudyState(
            baseline(
                service.c.db, learner.id, access.lesson.id, info, now.timestamp(), service.c.rules
            )
        )
        live = LiveSession(fold)
        service.c.trace.append(
            learner.id,
            "session_started",
            {
                "lesson_id": access.lesson.id,
                "class_id": access.class_.id,
                "course_id": access.course.id,
                "lesson_duration_s": info.duration_s,
            },
            session_id=session.id,
            at=now,
        )
        service.apply(
            session,
            live,
            {
                "type": "session_started",
                "lesson_id": access.lesson.id,
                "course_id": access.course.id,
                "lesson_duration_s": info.duration_s,
            },
            now,
        )
        check = service.issue_check(session, live, CheckKind.SIGN_IN, now)
        live.header["access_at"] = now.timestamp()
        service.save(session, live)
        service.live.claim(learner.id, session.id)
        service.c.db.commit()
    return session, check, live.nonce


def _end_stale_sessions(service: StudyService, learner) -> None:
    """End every session of the learner not ended yet (their live state is gone or stale)."""
    for stale in service.c.db.scalars(
        select(StudySession).where(
            StudySession.learner_id == learner.id, StudySession.state != SessionState.ENDED
        )
    ):
        service.finish(stale, service.live.load(stale.id), "expired")
