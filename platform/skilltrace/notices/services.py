"""Telling people about what they wait for: in-app notices, and an SMS seam that sends nothing.

``notify(user_id, kind, params, link)`` adds a notice in the caller's transaction (the caller
commits, so a decision and its notice commit together) and hands it to the SMS sender, whose
default only logs. Kinds map to gettext messages formatted with ``params`` when shown.
"""

from __future__ import annotations

import logging
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import utcnow
from skilltrace.notices.models import Notice

log = logging.getLogger(__name__)

# What each kind says; params fill the placeholders (missing ones show as empty).
MESSAGES = {
    "course_decided": _l("Course “%(title)s”: %(decision)s. %(comment)s"),
    "class_decided": _l("Class “%(name)s”: %(decision)s. %(comment)s"),
    "face_review_decided": _l("Your face photo review: %(decision)s. %(note)s"),
    "appeal_decided": _l("Your appeal on a face check: %(decision)s. %(note)s"),
    "claim_decided": _l("Subsidy claim %(claim)s: %(decision)s. %(comment)s"),
    "queue_item": _l("New item waiting in your queue: %(what)s"),
    "accommodation_decided": _l("Your accommodation request: %(decision)s. %(note)s"),
    "sanction_imposed": _l("A sanction was recorded against %(name)s: %(level)s."),
    "warning_raised": _l("New warnings in your region: %(count)s"),
}


class SmsSender(Protocol):
    """Sends a short text about a notice to a user's mobile. Implementations must never raise.

    It receives the notice's kind and parameters (it may run outside a request, so it chooses
    the language and wording of the text itself).
    """

    def send(self, user_id: int, kind: str, params: dict) -> None: ...


class LoggingSms:
    """The default SMS sender: sends nothing, logs that it would have."""

    def send(self, user_id: int, kind: str, params: dict) -> None:
        log.info("sms (not sent): user %s: %s %s", user_id, kind, params)


def sms_sender() -> SmsSender:
    return current_app.extensions.get("skilltrace.sms") or LoggingSms()


# Decision codes in params are shown in the reader's language.
WORDS = {
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "appeal": _l("an appeal on a face check"),
    "accommodation": _l("an accommodation request"),
    "interview": _l("Interview (约谈)"),
    "rectify": _l("Rectification (整改)"),
    "suspend": _l("Suspension (停业整顿)"),
    "delist": _l("Removed from the catalogue (移出目录)"),
    "blacklist": _l("Blacklist (黑名单)"),
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def render(notice: Notice) -> str:
    """The notice's text in the current language."""
    template = MESSAGES.get(notice.kind)
    if template is None:
        return notice.kind
    params = {k: str(WORDS.get(v, v)) for k, v in (notice.params or {}).items()}
    return str(template) % _Blank(params)


def notify(user_id: int, kind: str, params: dict | None = None, link: str | None = None) -> Notice:
    """Add a notice for ``user_id`` (flushed; the caller commits) and pass it to the SMS seam."""
    notice = Notice(user_id=user_id, kind=kind, params=dict(params or {}), link=link)
    db.session.add(notice)
    db.session.flush()
    sms_sender().send(user_id, kind, notice.params)
    return notice


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
    )


def latest(user_id: int, limit: int = 100) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice).where(Notice.user_id == user_id).order_by(Notice.id.desc()).limit(limit)
        )
    )


def mark_read(user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (or all) of ``user_id`` read; someone else's notice is not found."""
    stmt = update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if notice_id is not None:
        owned = db.session.scalar(
            select(Notice.id).where(Notice.id == notice_id, Notice.user_id == user_id)
        )
        if owned is None:
            raise DomainError("notice_not_found", _l("No such notice."), status=404)
        stmt = stmt.where(Notice.id == notice_id)
    count = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    db.session.commit()
    return count


def notify_provider_staff(
    provider_id: int, kind: str, params: dict, link: str | None = None
) -> int:
    """Notify every active staff account of a provider; returns how many were notified."""
    from skilltrace.identity.models import Role, User

    staff = db.session.scalars(
        select(User.id).where(
            User.provider_id == provider_id,
            User.role == Role.PROVIDER_STAFF,
            User.is_active_account.is_(True),
        )
    )
    count = 0
    for user_id in staff:
        notify(user_id, kind, params, link)
        count += 1
    return count
