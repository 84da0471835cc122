"""Who may see whom: the one scope rule, as predicates and as ``select()`` filters.

* **Providers, courses, classes** (the catalogue): provider staff see their own provider's;
  a regulator those of providers in the cities of their scope (the province covers all of
  Shaanxi); a learner the classes they are a member of and those classes' courses; an admin
  all of them.
* **Learners** (ledger, trace, face checks, progress): a regulator sees a learner *through the
  classes in their scope* the learner is a member of, and only the study done in those
  classes (a pending class in another city opens nothing of the learner's study here to that
  city's regulator beyond that class). A province-wide regulator covers every learner (face
  enrollment review happens before any class). Provider staff see the members of their own
  classes, in those classes. A learner sees themself. Admins administer accounts and the
  catalogue and see no learner's study or face data (the minimum-necessary rule).

Every list, page, export and API applies :func:`class_filter`, :func:`course_filter`,
:func:`provider_filter` or :func:`learner_filter` to its query, and every single object is
checked with :func:`sees_class`, :func:`sees_course` or :func:`sees_learner`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, select, true

from skilltrace.courses import rules
from skilltrace.courses.models import ClassMember, Course, TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.regions import SHAANXI, SHAANXI_CITIES, scope_covers


def actor_of(user: User) -> rules.Actor:
    return rules.Actor(user.role, user.provider_id, user.region_scope)


def owner_of(provider: Provider) -> rules.Owner:
    return rules.Owner(provider.id, provider.city_code, provider.status)


def cities_in_scope(scope: str | None) -> list[str]:
    """City codes a regulator scope ('61' or a city code) covers."""
    return [city for city in SHAANXI_CITIES if scope and scope_covers(scope, city)]


def is_staff_of(user: User, provider_id: int) -> bool:
    return user.role == Role.PROVIDER_STAFF and user.provider_id == provider_id


def regulates(user: User, provider: Provider) -> bool:
    """A regulator whose scope covers the provider's city."""
    return user.role == Role.REGULATOR and scope_covers(user.region_scope or "", provider.city_code)


def province_wide(user: User) -> bool:
    return user.role == Role.REGULATOR and user.region_scope == SHAANXI


# -- filters (WHERE clauses) ----------------------------------------------------------------


def provider_filter(user: User) -> ColumnElement[bool]:
    """Providers ``user`` may see (a WHERE clause over :class:`Provider`)."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.PROVIDER_STAFF:
        return Provider.id == user.provider_id
    if user.role == Role.REGULATOR:
        return Provider.city_code.in_(cities_in_scope(user.region_scope))
    return false()


def _providers_in_scope(user: User) -> Select:
    return select(Provider.id).where(provider_filter(user))


def class_filter(user: User) -> ColumnElement[bool]:
    """Classes ``user`` may see (a WHERE clause over :class:`TrainingClass`)."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.PROVIDER_STAFF:
        return TrainingClass.provider_id == user.provider_id
    if user.role == Role.REGULATOR:
        return TrainingClass.provider_id.in_(_providers_in_scope(user))
    if user.role == Role.LEARNER:
        return TrainingClass.id.in_(
            select(ClassMember.class_id).where(ClassMember.learner_id == user.id)
        )
    return false()


def course_filter(user: User) -> ColumnElement[bool]:
    """Courses ``user`` may see (a WHERE clause over :class:`Course`)."""
    if user.role == Role.LEARNER:
        return Course.id.in_(select(TrainingClass.course_id).where(class_filter(user)))
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.PROVIDER_STAFF:
        return Course.provider_id == user.provider_id
    if user.role == Role.REGULATOR:
        return Course.provider_id.in_(_providers_in_scope(user))
    return false()


def study_class_filter(user: User) -> ColumnElement[bool]:
    """Classes through which ``user`` sees learners' study (none for admins)."""
    if user.role == Role.ADMIN:
        return false()
    return class_filter(user)


def learner_filter(user: User) -> ColumnElement[bool]:
    """Learners ``user`` may see (a WHERE clause over :class:`User`)."""
    if province_wide(user):
        return User.role == Role.LEARNER
    if user.role == Role.LEARNER:
        return User.id == user.id
    if user.role in (Role.REGULATOR, Role.PROVIDER_STAFF):
        return User.id.in_(
            select(ClassMember.learner_id)
            .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
            .where(study_class_filter(user))
        )
    return false()


# -- predicates -----------------------------------------------------------------------------


def sees_class(user: User, class_: TrainingClass) -> bool:
    if user.role == Role.LEARNER:
        return (
            db.session.scalar(
                select(ClassMember.id).where(
                    ClassMember.class_id == class_.id, ClassMember.learner_id == user.id
                )
            )
            is not None
        )
    if user.role == Role.ADMIN:
        return True
    return is_staff_of(user, class_.provider_id) or regulates(user, class_.provider)


def sees_course(user: User, course: Course) -> bool:
    if user.role == Role.LEARNER:
        return (
            db.session.scalar(select(Course.id).where(Course.id == course.id, course_filter(user)))
            is not None
        )
    if user.role == Role.ADMIN:
        return True
    return is_staff_of(user, course.provider_id) or regulates(user, course.provider)


def sees_learner(user: User | None, learner_id: int) -> bool:
    """Whether ``user`` may see anything of learner ``learner_id``'s study or face data."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.LEARNER:
        return user.id == learner_id
    query = select(User.id).where(
        User.id == learner_id, User.role == Role.LEARNER, learner_filter(user)
    )
    return db.session.scalar(query) is not None


def learner_class_ids(user: User, learner_id: int) -> list[int] | None:
    """Ids of the learner's classes whose study ``user`` may see; None means all of them."""
    if user.role == Role.LEARNER and user.id == learner_id or province_wide(user):
        return None
    return list(
        db.session.scalars(
            select(TrainingClass.id)
            .join(ClassMember, ClassMember.class_id == TrainingClass.id)
            .where(ClassMember.learner_id == learner_id, study_class_filter(user))
            .order_by(TrainingClass.id)
        )
    )
