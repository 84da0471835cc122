"""Sanctions along the ladder 约谈 → 整改 → 停业整顿 → 移出目录 → 黑名单, with history and evidence.

A provider's status follows its harshest active sanction (suspended for 停业整顿/移出目录,
blacklisted for 黑名单); courses/classes.py refuses to open classes for a provider that is not
active, and :func:`may_claim` tells the subsidy claims the same. The list of active sanctions
is public (:func:`public_list`).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User, utcnow
from skilltrace.oversight import rules
from skilltrace.oversight.models import Agency, Sanction, SanctionEvent
from skilltrace.oversight.services import overseen_cities, oversees

LEVEL_LABELS = {
    "interview": _l("Interview (约谈)"),
    "rectify": _l("Rectification (整改)"),
    "suspend": _l("Suspension (停业整顿)"),
    "delist": _l("Removed from the catalogue (移出目录)"),
    "blacklist": _l("Blacklist (黑名单)"),
}
MESSAGES = {
    "level_invalid": _l("Choose a step of the sanctions ladder."),
    "reason_required": _l("Give the reason for the sanction."),
    "reason_too_long": _l("The reason is too long (at most 2000 characters)."),
    "decided_in_future": _l("The decision date cannot be in the future."),
    "ends_before_decided": _l("The end date cannot be before the decision date."),
    "sanction_not_escalating": _l(
        "A sanction at this step or a harsher one is already in force: lift it first or escalate."
    ),
    "subject_not_found": _l("No such provider or agency in your scope."),
    "sanction_not_found": _l("No such sanction in your scope."),
    "sanction_lifted": _l("This sanction was already lifted."),
}
FIELDS = {
    "level_invalid": "level",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "decided_in_future": "decided_on",
    "ends_before_decided": "ends_on",
}


def refuse(code: str, status: int = 422) -> DomainError:
    return DomainError(code, MESSAGES[code], status=status, field=FIELDS.get(code))


def _agency_covered(user: User, agency: Agency) -> bool:
    cities = overseen_cities(user)
    return cities is None or agency.city_code in cities


def subject(user: User, kind: str, subject_id: int) -> Provider | Agency:
    """The provider or agency, if ``user`` oversees it (404 otherwise)."""
    if kind == "provider":
        found = db.session.get(Provider, subject_id)
        if found is not None and oversees(user, found):
            return found
    elif kind == "agency":
        found = db.session.get(Agency, subject_id)
        if found is not None and _agency_covered(user, found):
            return found
    raise refuse("subject_not_found", 404)


def _column(target: Provider | Agency):
    return Sanction.provider_id if isinstance(target, Provider) else Sanction.agency_id


def active(target: Provider | Agency) -> list[Sanction]:
    return list(
        db.session.scalars(
            select(Sanction)
            .where(_column(target) == target.id, Sanction.lifted_at.is_(None))
            .order_by(Sanction.id)
        )
    )


def history(target: Provider | Agency) -> list[Sanction]:
    return list(
        db.session.scalars(
            select(Sanction).where(_column(target) == target.id).order_by(Sanction.id.desc())
        )
    )


def _sync_provider_status(provider: Provider, actor: User, reason: str) -> None:
    """Set the provider's status to what its active sanctions say, recording the change."""
    from skilltrace.courses.models import ProviderStatusChange

    status = rules.status_for(s.level for s in active(provider))
    if status != provider.status:
        db.session.add(
            ProviderStatusChange(
                provider_id=provider.id,
                actor_id=actor.id,
                from_status=provider.status,
                to_status=status,
                reason=reason[:2000],
            )
        )
        provider.status = status
        provider.status_reason = reason[:2000]


def impose(
    user: User,
    target: Provider | Agency,
    request: rules.SanctionRequest,
    today: date,
    evidence: list[tuple[str, str, bytes]] = (),
) -> Sanction:
    """Impose one step of the ladder on ``target`` (checked, recorded, evidence kept)."""
    from skilltrace.oversight.evidence import add_evidence

    if user.role not in (Role.REGULATOR, Role.ADMIN):
        raise refuse("subject_not_found", 404)
    if isinstance(target, Provider):
        db.session.refresh(target, with_for_update=True)
    try:
        rules.check_sanction([s.level for s in active(target)], request, today)
    except rules.RuleError as err:
        raise refuse(err.code, err.status) from None
    sanction = Sanction(
        provider_id=target.id if isinstance(target, Provider) else None,
        agency_id=target.id if isinstance(target, Agency) else None,
        city_code=target.city_code,
        level=request.level,
        reason=request.reason.strip(),
        decided_on=request.decided_on,
        ends_on=request.ends_on,
        imposed_by_id=user.id,
    )
    db.session.add(sanction)
    db.session.flush()
    db.session.add(SanctionEvent(sanction_id=sanction.id, action="imposed", actor_id=user.id))
    for name, content_type, data in evidence:
        add_evidence(user, "sanction", sanction.id, name, content_type, data)
    if isinstance(target, Provider):
        _sync_provider_status(target, user, sanction.reason)
        _notify_staff(target, sanction)
    db.session.commit()
    return sanction


def _notify_staff(provider: Provider, sanction: Sanction) -> None:
    from skilltrace.notices.services import notify_provider_staff

    notify_provider_staff(
        provider.id,
        "sanction_imposed",
        {"name": provider.name, "level": sanction.level},
    )


def lift(user: User, sanction_id: int, reason: str) -> Sanction:
    """Lift an active sanction with a reason; the provider's status follows."""
    sanction = db.session.get(Sanction, sanction_id, with_for_update=True)
    target = None if sanction is None else sanction.provider or sanction.agency
    if target is None or user.role not in (Role.REGULATOR, Role.ADMIN):
        raise refuse("sanction_not_found", 404)
    subject(user, "provider" if sanction.provider_id else "agency", target.id)
    if sanction.lifted_at is not None:
        raise refuse("sanction_lifted", 409)
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason_required")
    sanction.lifted_at = utcnow()
    sanction.lifted_by_id = user.id
    sanction.lift_reason = reason[:2000]
    db.session.add(
        SanctionEvent(sanction_id=sanction.id, action="lifted", actor_id=user.id, note=reason)
    )
    db.session.flush()
    if isinstance(target, Provider):
        _sync_provider_status(target, user, reason)
    db.session.commit()
    return sanction


def may_claim(provider_id: int) -> bool:
    """Whether a provider may claim subsidies: not suspended, removed or blacklisted."""
    provider = db.session.get(Provider, provider_id)
    return provider is not None and provider.status == "active"


def public_list() -> list[Sanction]:
    """Sanctions in force from 整改 up, for the public page (no login)."""
    return list(
        db.session.scalars(
            select(Sanction)
            .where(Sanction.lifted_at.is_(None), Sanction.level != "interview")
            .order_by(Sanction.decided_on.desc(), Sanction.id.desc())
        )
    )


def sanctions_in_scope(user: User, limit: int = 200) -> list[Sanction]:
    stmt = select(Sanction).order_by(Sanction.id.desc()).limit(limit)
    cities = overseen_cities(user)
    if cities is not None:
        stmt = stmt.where(Sanction.city_code.in_(cities))
    return list(db.session.scalars(stmt))


def sanction_visible(user: User, sanction_id: int) -> bool:
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None:
        return False
    cities = overseen_cities(user)
    return cities is None or sanction.city_code in cities


def agencies_in_scope(user: User) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.name)
    cities = overseen_cities(user)
    if cities is not None:
        stmt = stmt.where(Agency.city_code.in_(cities))
    return list(db.session.scalars(stmt))


def add_agency(user: User, name: str, credit_code: str, city_code: str) -> Agency:
    """Register a third-party agency in the user's scope so it can be sanctioned."""
    from skilltrace.identity.codes import CodeError, normalize_credit_code

    name = (name or "").strip()
    cities = overseen_cities(user)
    if user.role not in (Role.REGULATOR, Role.ADMIN) or (
        cities is not None and city_code not in cities
    ):
        raise DomainError("forbidden", _l("That city is not in your scope."), status=403)
    if not 2 <= len(name) <= 200:
        raise DomainError("name_invalid", _l("Give the agency's name."), field="name")
    try:
        credit_code = normalize_credit_code(credit_code)
    except CodeError:
        raise DomainError(
            "credit_code_invalid",
            _l("This is not a valid unified social credit code."),
            field="credit_code",
        ) from None
    if db.session.scalar(select(Agency.id).where(Agency.credit_code == credit_code)):
        raise DomainError(
            "agency_exists", _l("This agency is already registered."), 409, "credit_code"
        )
    agency = Agency(name=name, credit_code=credit_code, city_code=city_code)
    db.session.add(agency)
    db.session.commit()
    return agency
