"""Provider status (active / suspended / blacklisted), set by regulators in scope, recorded."""

from __future__ import annotations

from sqlalchemy import select

from skilltrace.courses import rules
from skilltrace.courses.messages import from_rule
from skilltrace.courses.models import ProviderStatusChange
from skilltrace.courses.scope import actor_of, owner_of, provider_filter
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User


def set_provider_status(user: User, provider: Provider, status: str, reason: str) -> None:
    """Change a provider's status with a reason; the change is recorded (who, when, from, to).

    Suspended or blacklisted providers cannot submit courses or open classes, and their
    running classes stop crediting hours (see :func:`skilltrace.courses.crediting_allowed`).
    """
    reason = (reason or "").strip()
    try:
        rules.provider_status_change(
            actor_of(user), owner_of(provider), provider.status, status, reason
        )
    except rules.RuleError as err:
        raise from_rule(err, "reason" if err.code == "reason_required" else None) from None
    db.session.add(
        ProviderStatusChange(
            provider_id=provider.id,
            actor_id=user.id,
            from_status=provider.status,
            to_status=status,
            reason=reason[:2000],
        )
    )
    provider.status = status
    provider.status_reason = reason[:2000]
    db.session.commit()


def providers_in_scope(user: User) -> list[Provider]:
    return list(
        db.session.scalars(select(Provider).where(provider_filter(user)).order_by(Provider.name))
    )


def status_history(provider_ids: list[int]) -> list[ProviderStatusChange]:
    return list(
        db.session.scalars(
            select(ProviderStatusChange)
            .where(ProviderStatusChange.provider_id.in_(provider_ids))
            .order_by(ProviderStatusChange.id.desc())
            .limit(100)
        )
    )
