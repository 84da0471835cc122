"""Find anything in scope: searchable, filterable, paginated lists of learners, classes, courses.

Every query starts from a filter of :mod:`skilltrace.courses.scope`, so a list never shows
what the viewer may not open. Filters arrive as plain strings (query arguments) and are
parsed by :func:`parse_filters` into a frozen :class:`Filters`; a bad value is a 422
``filter_invalid`` naming the field. Study figures of a learner (last study, flags,
completion) count only the study done in classes the viewer sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, not_, or_, select, true

from skilltrace.api.text import parse_int
from skilltrace.courses.models import ClassMember, Course, Lesson, TrainingClass
from skilltrace.courses.scope import (
    class_filter,
    course_filter,
    learner_filter,
    province_wide,
    study_class_filter,
)
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.regions import SHAANXI_CITIES
from skilltrace.study.models import FaceCheck, LessonProgress, StudySession
from skilltrace.timefmt import BEIJING

PER_PAGE = 50
MAX_PER_PAGE = 200
COUNT_CAP = 5000  # totals are counted up to here; more reads "more than 5000"
LEARNER_STATES = ("studying", "completed", "flagged")
CLASS_STATES = ("submitted", "approved", "rejected")
COURSE_STATES = ("draft", "submitted", "approved", "rejected")


@dataclass(frozen=True)
class Filters:
    """A list request: free text, exact filters, dates and the page wanted."""

    q: str = ""
    provider_id: int | None = None
    class_id: int | None = None
    course_id: int | None = None
    city: str | None = None
    state: str | None = None
    date_from: date | None = None
    date_until: date | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))

    @property
    def capped(self) -> bool:
        """More rows match than were counted (``total`` is COUNT_CAP + 1)."""
        return self.total > COUNT_CAP


def mask_mobile(mobile: str | None) -> str:
    """139****0001: the first three and last four digits."""
    mobile = mobile or ""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else "****"


def _invalid(name: str) -> DomainError:
    return DomainError(
        "filter_invalid", _l("This filter value is not valid: %(f)s", f=name), field=name
    )


def _int(args, name: str, low: int = 1, high: int = 2**31 - 1) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = parse_int(raw)
    if value is None or not low <= value <= high:
        raise _invalid(name)
    return value


def _date(args, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise _invalid(name) from None
    if not 1900 <= day.year <= 2999:  # a study date; 9999-12-31 + 1 day is no date at all
        raise _invalid(name)
    return day


def parse_filters(args, states: tuple[str, ...]) -> Filters:
    """Filters from query arguments (``q provider class course city state from until page
    per_page``); 422 ``filter_invalid`` on a malformed value."""
    q = (args.get("q") or "").strip()
    if len(q) > 64 or any(ord(ch) < 32 for ch in q):
        raise _invalid("q")
    city = (args.get("city") or "").strip() or None
    if city is not None and city not in SHAANXI_CITIES:
        raise _invalid("city")
    state = (args.get("state") or "").strip() or None
    if state is not None and state not in states:
        raise _invalid("state")
    return Filters(
        q=q,
        provider_id=_int(args, "provider"),
        class_id=_int(args, "class"),
        course_id=_int(args, "course"),
        city=city,
        state=state,
        date_from=_date(args, "from"),
        date_until=_date(args, "until"),
        page=_int(args, "page", 1, 100_000) or 1,
        per_page=_int(args, "per_page", 1, MAX_PER_PAGE) or PER_PAGE,
    )


def _contains(column, text: str):
    """``column`` contains ``text`` (case-insensitive; % and _ taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _paginate(query, filters: Filters, order, counted=None) -> Page:
    """One page of ``query``; the total counts ``counted`` (the rows without computed
    columns) up to :data:`COUNT_CAP` (beyond it the page says "more than")."""
    counted = (query if counted is None else counted).order_by(None).limit(COUNT_CAP + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery()))
    rows = db.session.execute(
        query.order_by(*order).limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
    ).all()
    return Page(rows, total or 0, filters.page, filters.per_page)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, BEIJING)


# -- learners -------------------------------------------------------------------------------


def _in_seen_classes(viewer: User, column):
    """``column`` (a class id) is a class whose study the viewer sees; a province-wide
    regulator sees every class, so no condition is added."""
    if province_wide(viewer):
        return true()
    return column.in_(select(TrainingClass.id).where(study_class_filter(viewer)))


def _learner_text(q: str):
    """Digits (and X) search the mobile and the visible digits of the ID number; anything
    else searches the name (Chinese has no case: LIKE, which is cheaper than ILIKE)."""
    if q.upper().rstrip("X").isdigit():
        return or_(_contains(User.mobile, q), _contains(User.id_number_masked, q.upper()))
    if q.isascii():
        return _contains(User.name, q)
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return User.name.like(f"%{escaped}%", escape="\\")


def learner_conditions(viewer: User, filters: Filters) -> list:
    """WHERE clauses over :class:`User` for a learner search."""
    conditions = [User.role == Role.LEARNER, learner_filter(viewer)]
    if filters.q:
        conditions.append(_learner_text(filters.q))
    member = select(ClassMember.id).join(TrainingClass).where(ClassMember.learner_id == User.id)
    if filters.class_id:
        conditions.append(exists(member.where(TrainingClass.id == filters.class_id)))
    if filters.course_id:
        conditions.append(exists(member.where(TrainingClass.course_id == filters.course_id)))
    if filters.provider_id:
        conditions.append(exists(member.where(TrainingClass.provider_id == filters.provider_id)))
    sessions = select(StudySession.id).where(
        StudySession.learner_id == User.id, _in_seen_classes(viewer, StudySession.class_id)
    )
    if filters.date_from:
        sessions_from = sessions.where(StudySession.started_at >= _day_start(filters.date_from))
        conditions.append(exists(sessions_from))
    if filters.date_until:
        until = _day_start(filters.date_until + timedelta(days=1))
        conditions.append(exists(sessions.where(StudySession.started_at < until)))
    if filters.state == "flagged":
        conditions.append(exists(_flags(viewer)))
    elif filters.state == "completed":
        conditions.append(exists(_completed(viewer)))
    elif filters.state == "studying":
        conditions.append(and_(exists(sessions), not_(exists(_completed(viewer)))))
    return conditions


def _flags(viewer: User):
    """Failed or missed face checks of the learner (correlated on ``User``) in seen classes."""
    return (
        select(FaceCheck.id)
        .join(StudySession, StudySession.id == FaceCheck.session_id)
        .where(
            FaceCheck.learner_id == User.id,
            FaceCheck.status.in_(("failed", "missed")),
            _in_seen_classes(viewer, StudySession.class_id),
        )
    )


def _completed(viewer: User):
    """A seen class of the learner whose every current lesson they completed."""
    undone = select(Lesson.id).where(
        Lesson.course_id == TrainingClass.course_id,
        Lesson.retired_at.is_(None),
        not_(
            exists(
                select(LessonProgress.lesson_id).where(
                    LessonProgress.learner_id == User.id,
                    LessonProgress.lesson_id == Lesson.id,
                    LessonProgress.completed_at.is_not(None),
                )
            )
        ),
    )
    return (
        select(ClassMember.id)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .where(ClassMember.learner_id == User.id, study_class_filter(viewer), ~exists(undone))
    )


def search_learners(viewer: User, filters: Filters) -> Page:
    """Learners in scope matching ``filters``, newest account first, with their last study
    (Beijing time) and whether they have flags, in the viewer's classes."""
    last = (
        select(func.max(StudySession.started_at))
        .where(
            StudySession.learner_id == User.id,
            _in_seen_classes(viewer, StudySession.class_id),
        )
        .scalar_subquery()
    )
    conditions = learner_conditions(viewer, filters)
    # A scalar subquery with LIMIT 1 (not EXISTS, which PostgreSQL may hash over every
    # flagged check of the province) probes the (learner_id, status) index per shown row.
    flagged = _flags(viewer).limit(1).scalar_subquery().is_not(None)
    query = select(User, last.label("last_study"), flagged.label("flagged"))
    counted = select(User.id).where(*conditions)
    return _paginate(query.where(*conditions), filters, (User.id.desc(),), counted)


# -- classes and courses --------------------------------------------------------------------


def search_classes(viewer: User, filters: Filters) -> Page:
    """Classes in scope (provider, course, city, start dates, state, name or code)."""
    members = (
        select(func.count(ClassMember.id))
        .where(ClassMember.class_id == TrainingClass.id)
        .scalar_subquery()
    )
    query = (
        select(TrainingClass.id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .join(Course, Course.id == TrainingClass.course_id)
        .where(class_filter(viewer))
    )
    if filters.q:
        query = query.where(
            or_(_contains(TrainingClass.name, filters.q), TrainingClass.code == filters.q.upper())
        )
    if filters.provider_id:
        query = query.where(TrainingClass.provider_id == filters.provider_id)
    if filters.course_id:
        query = query.where(TrainingClass.course_id == filters.course_id)
    if filters.class_id:
        query = query.where(TrainingClass.id == filters.class_id)
    if filters.city:
        query = query.where(Provider.city_code == filters.city)
    if filters.state:
        query = query.where(TrainingClass.status == filters.state)
    if filters.date_from:
        query = query.where(TrainingClass.end_date >= filters.date_from)
    if filters.date_until:
        query = query.where(TrainingClass.start_date <= filters.date_until)
    shown = query.with_only_columns(TrainingClass, Provider, Course, members.label("members"))
    order = (TrainingClass.start_date.desc(), TrainingClass.id.desc())
    return _paginate(shown, filters, order, query)


def search_courses(viewer: User, filters: Filters) -> Page:
    """Courses in scope (provider, city, state, title or occupation)."""
    query = (
        select(Course, Provider)
        .join(Provider, Provider.id == Course.provider_id)
        .where(course_filter(viewer))
    )
    if filters.q:
        query = query.where(
            or_(_contains(Course.title, filters.q), _contains(Course.occupation, filters.q))
        )
    if filters.provider_id:
        query = query.where(Course.provider_id == filters.provider_id)
    if filters.city:
        query = query.where(Provider.city_code == filters.city)
    if filters.state:
        query = query.where(Course.status == filters.state)
    return _paginate(query, filters, (Course.id.desc(),))
