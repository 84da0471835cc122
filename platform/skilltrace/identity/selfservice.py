"""Account self-service and account administration: change password or mobile, password resets
by an administrator or regulator (no SMS here), unlock, deactivate.

Who may act on whom is the pure rule :func:`may_manage`. Ending a user's sessions belongs to
the session machinery (``skilltrace.identity.services.end_all_sessions``); this module calls it
only through :func:`end_sessions`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.codes import CodeError, normalize_mobile
from skilltrace.identity.models import Role, User
from skilltrace.identity.services import AccountService, _validated
from skilltrace.regions import scope_covers

# Unambiguous characters for a temporary password read aloud or over the phone.
TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def end_sessions(user: User) -> None:
    """End every session of ``user`` (password changed or reset, account deactivated).

    COORDINATOR: the one call site of the session machinery (h11). It calls
    ``skilltrace.identity.services.end_all_sessions(user)`` when that exists; until then it
    does nothing.
    """
    from skilltrace.identity import services

    end_all = getattr(services, "end_all_sessions", None)
    if end_all is not None:
        end_all(user)


@dataclass(frozen=True)
class Actor:
    """Who acts: role and, for regulators, region scope ('61' or a city code)."""

    role: str
    scope: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Target:
    """Whose account: role, the city of their provider (staff), and id."""

    role: str
    provider_city: str | None = None
    user_id: int | None = None


def may_manage(actor: Actor, target: Target) -> bool:
    """May ``actor`` reset the password of (or unlock) ``target``?

    Administrators: everyone but themselves (they change their own password). Regulators:
    learners (who have no region) and provider staff of a provider in their scope; never
    regulators or administrators. Nobody else.
    """
    if actor.user_id is not None and actor.user_id == target.user_id:
        return False
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.REGULATOR and actor.scope:
        if target.role == Role.LEARNER:
            return True
        if target.role == Role.PROVIDER_STAFF and target.provider_city:
            return scope_covers(actor.scope, target.provider_city)
    return False


def actor_of(user: User) -> Actor:
    return Actor(user.role, user.region_scope, user.id)


def target_of(user: User) -> Target:
    city = user.provider.city_code if user.provider is not None else None
    return Target(user.role, city, user.id)


def temporary_password() -> str:
    """A 12-character temporary password (the user must replace it at the next login)."""
    return "-".join("".join(secrets.choice(TEMP_ALPHABET) for _ in range(4)) for _part in range(3))


class SelfService:
    """Password and mobile changes, resets, unlock and deactivation."""

    def __init__(self, accounts: AccountService):
        self.accounts = accounts

    def _check_password(self, user: User, password: str) -> None:
        if not check_password_hash(user.password_hash, password or ""):
            raise DomainError(
                "wrong_password",
                _l("The current password is wrong."),
                status=403,
                field="current_password",
            )

    def change_password(self, user: User, current: str, new: str) -> None:
        """Replace the password after checking the current one; other sessions end."""
        self._check_password(user, current)
        self.accounts.replace_password(user, new)

    def change_mobile(self, user: User, password: str, mobile: str) -> None:
        """Change the login mobile number after checking the password."""
        self._check_password(user, password)
        mobile = _validated(normalize_mobile, mobile, "mobile")
        if mobile == user.mobile:
            return
        if db.session.scalar(select(User.id).where(User.mobile == mobile)):
            raise DomainError(
                "duplicate_mobile",
                _l("This mobile number is already registered."),
                status=409,
                field="mobile",
            )
        self.unlock(user)
        user.mobile = mobile
        db.session.commit()

    def find(self, login: str) -> User | None:
        """The account with this mobile number or ID number."""
        login = (login or "").strip().upper()
        try:
            mobile = normalize_mobile(login)
        except CodeError:
            mobile = None
        if mobile:
            found = db.session.scalar(select(User).where(User.mobile == mobile))
            if found:
                return found
        return self.accounts.find_by_id_number(login)

    def _guard(self, actor: User, target: User) -> None:
        if not may_manage(actor_of(actor), target_of(target)):
            raise DomainError("not_allowed", _l("You may not manage this account."), status=403)

    def reset_password(self, actor: User, target: User) -> str:
        """Set a temporary password (returned once) that must be changed at the next login."""
        self._guard(actor, target)
        secret = temporary_password()
        target.password_hash = generate_password_hash(secret)
        target.must_change_password = True
        db.session.commit()
        self.unlock(target)
        end_sessions(target)
        return secret

    def unlock(self, target: User, actor: User | None = None) -> None:
        """Forgive every failed login on ``target``'s account (identity/throttle.py)."""
        if actor is not None:
            self._guard(actor, target)
        from skilltrace.identity.throttle import login_throttle

        login_throttle().forget(f"user:{target.id}")

    def set_active(self, actor: User, target: User, active: bool) -> None:
        """Deactivate (sessions end, logins refused) or reactivate an account. Admins only."""
        if actor.role != Role.ADMIN or actor.id == target.id:
            raise DomainError("not_allowed", _l("You may not manage this account."), status=403)
        target.is_active_account = active
        db.session.commit()
        if not active:
            end_sessions(target)


def self_service() -> SelfService:
    from skilltrace.identity.services import account_service

    return SelfService(account_service())
