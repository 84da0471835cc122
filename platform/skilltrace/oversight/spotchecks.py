"""Spot checks (抽查): draw a sample by ratio with a recorded seed, record each trainee's checklist.

Phone-survey answers ("did you know you were trained under 以工代训?") feed
:func:`unaware_share`, which the subsidy rules read for the "≥ 20 % unaware" exclusion.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User, utcnow
from skilltrace.oversight import rules
from skilltrace.oversight.models import SpotCheck, SpotCheckItem
from skilltrace.oversight.services import overseen_cities, oversees
from skilltrace.timefmt import BEIJING

METHODS = ("visit", "phone")
OUTCOMES = ("ok", "problem", "unreachable")

MESSAGES = {
    "ratio_invalid": _l("The ratio must be more than 0 and at most 100 %."),
    "seed_invalid": _l("The seed must be 1 to 64 characters."),
    "target_not_found": _l("No such class or provider in your scope."),
    "population_empty": _l("There is nobody to sample: the class or provider has no trainees."),
    "item_not_found": _l("No such sampled trainee in your scope."),
    "method_invalid": _l("Choose how the trainee was checked: visit or phone."),
    "outcome_invalid": _l("Choose an outcome."),
}


def refuse(code: str, status: int = 422, field: str | None = None) -> DomainError:
    return DomainError(code, MESSAGES[code], status=status, field=field)


def _target(user: User, kind: str, target_id: int) -> tuple[Provider, list[int]]:
    from skilltrace.courses.models import ClassMember, TrainingClass

    if kind == "class":
        class_ = db.session.get(TrainingClass, target_id)
        provider = class_.provider if class_ else None
        where = ClassMember.class_id == target_id
    elif kind == "provider":
        provider = db.session.get(Provider, target_id)
        where = TrainingClass.provider_id == target_id
    else:
        provider = None
    if provider is None or not oversees(user, provider):
        raise refuse("target_not_found", 404)
    population = db.session.scalars(
        select(ClassMember.learner_id)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .where(where)
        .distinct()
    )
    return provider, list(population)


def draw(user: User, kind: str, target_id: int, ratio: float, seed: str | None = None) -> SpotCheck:
    """Draw and record a sample; without a seed a random one is made (and recorded)."""
    seed = (seed or "").strip() or secrets.token_hex(8)
    provider, population = _target(user, kind, target_id)
    if not population:
        raise refuse("population_empty", 409)
    try:
        sample = rules.draw_sample(population, ratio, seed)
    except rules.RuleError as err:
        raise refuse(err.code, field="ratio" if err.code == "ratio_invalid" else "seed") from None
    spot = SpotCheck(
        target_kind=kind,
        target_id=target_id,
        provider_id=provider.id,
        city_code=provider.city_code,
        ratio=ratio,
        seed=seed,
        population=len(population),
        created_by_id=user.id,
    )
    db.session.add(spot)
    db.session.flush()
    for position, learner_id in enumerate(sample, 1):
        db.session.add(
            SpotCheckItem(spot_check_id=spot.id, learner_id=learner_id, position=position)
        )
    db.session.commit()
    return spot


def visible_spot_checks(user: User, limit: int = 100) -> list[SpotCheck]:
    stmt = select(SpotCheck).order_by(SpotCheck.id.desc()).limit(limit)
    cities = overseen_cities(user)
    if cities is not None:
        stmt = stmt.where(SpotCheck.city_code.in_(cities))
    return list(db.session.scalars(stmt))


def visible_spot_check(user: User, spot_id: int) -> SpotCheck:
    spot = db.session.get(SpotCheck, spot_id)
    if spot is None or not oversees(user, spot.provider):
        raise refuse("target_not_found", 404)
    return spot


def visible_item(user: User, item_id: int) -> SpotCheckItem:
    item = db.session.get(SpotCheckItem, item_id)
    if item is None or not oversees(user, item.spot_check.provider):
        raise refuse("item_not_found", 404)
    return item


def _tri(value) -> bool | None:
    """A checklist answer from a form or JSON: yes / no / unknown."""
    if value in (True, "yes", "true", "1", 1):
        return True
    if value in (False, "no", "false", "0", 0):
        return False
    return None


def record_item(
    user: User, item_id: int, answers: dict, evidence: tuple[str, str, bytes] | None = None
) -> SpotCheckItem:
    """Record the checklist of one sampled trainee, with an optional evidence file
    ``(name, content type, bytes)``, in one transaction (corrections: the last answer wins)."""
    from skilltrace.oversight.evidence import add_evidence

    item = visible_item(user, item_id)
    method = answers.get("method")
    if method not in METHODS:
        raise refuse("method_invalid", field="method")
    outcome = answers.get("outcome")
    if outcome not in OUTCOMES:
        raise refuse("outcome_invalid", field="outcome")
    item.method = method
    item.outcome = outcome
    item.present = _tri(answers.get("present"))
    item.studied = _tri(answers.get("studied"))
    item.aware = _tri(answers.get("aware"))
    item.note = str(answers.get("note") or "")[:2000]
    item.checked_at = utcnow()
    item.checked_by_id = user.id
    if evidence is not None:
        add_evidence(user, "spot_check_item", item.id, *evidence)
    db.session.commit()
    return item


def unaware_share(provider_id: int, year: int) -> float:
    """Share of trainees surveyed in ``year`` at ``provider_id`` who did not know they were in
    以工代训 (0.0 when nobody was asked). The subsidy rule ``company_excluded_unaware`` reads it.
    """
    start = datetime(year, 1, 1, tzinfo=BEIJING)
    end = datetime(year + 1, 1, 1, tzinfo=BEIJING)
    answers = db.session.scalars(
        select(SpotCheckItem.aware)
        .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
        .where(
            SpotCheck.provider_id == provider_id,
            SpotCheckItem.checked_at >= start,
            SpotCheckItem.checked_at < end,
        )
    )
    return rules.unaware_share(answers)
