"""Account services: real-name registration, login with throttling, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from skilltrace.api.frame import FIELD_CHARACTERS, FIELD_MESSAGES
from skilltrace.api.text import is_clean_text, is_real_name
from skilltrace.crypto import DataCipher
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.codes import (
    CodeError,
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)
from skilltrace.identity.models import ApiToken, ConsentRecord, Provider, Role, User, utcnow
from skilltrace.regions import SHAANXI, SHAANXI_CITIES
from skilltrace.state import LiveState

ID_NUMBER_CONTEXT = b"users.id_number"

CODE_MESSAGES = {
    "id_number_format": _l("The ID number must be 18 characters: 17 digits and a digit or X."),
    "id_number_province": _l("The ID number does not start with a known region code."),
    "id_number_birth_date": _l("The birth date inside the ID number is not a real date."),
    "id_number_checksum": _l("The ID number's last character does not match. Check each digit."),
    "mobile_format": _l("Enter an 11-digit mainland mobile number starting with 13–19."),
    "credit_code_format": _l("The credit code must be 18 characters of digits and capitals."),
    "credit_code_checksum": _l("The credit code's check character does not match."),
}


def _code_error(err: CodeError, field: str) -> DomainError:
    return DomainError(err.code, CODE_MESSAGES[err.code], field=field)


def _validated(fn, raw: str, field: str) -> str:
    try:
        return fn(raw)
    except CodeError as err:
        raise _code_error(err, field) from None


def _validate_name(name: str) -> str:
    """A real name: letters in parts joined by one space or a middle dot, 2 to 64 characters."""
    name = (name or "").strip()
    if not 2 <= len(name) <= 64 or not is_real_name(name):
        raise DomainError("name_invalid", FIELD_MESSAGES["name_invalid"], field="name")
    return name


def _validate_text(value: str, field: str, max_length: int, code: str, message) -> str:
    """A one-line free-text value: stripped, 1 to ``max_length`` characters, no control or
    format characters."""
    value = (value or "").strip()
    if not 1 <= len(value) <= max_length:
        raise DomainError(code, message, field=field)
    if not is_clean_text(value):
        raise DomainError("field_characters", FIELD_CHARACTERS, field=field)
    return value


def _validate_password(password: str) -> str:
    if not password or len(password) < 8:
        raise DomainError(
            "password_too_short", _l("The password needs at least 8 characters."), field="password"
        )
    if len(password) > 128:
        raise DomainError(
            "password_too_long",
            _l("The password can have at most 128 characters."),
            field="password",
        )
    return password


@dataclass(frozen=True)
class NewAccount:
    """What registration needs, as plain data (from a form or a JSON body)."""

    name: str
    id_number: str
    mobile: str
    password: str
    consent: bool


class AccountService:
    """Creates accounts and checks credentials; receives its collaborators."""

    def __init__(self, cipher: DataCipher, state: LiveState, config: dict):
        self.cipher = cipher
        self.state = state
        self.config = config

    # -- registration -----------------------------------------------------------------------
    def register_learner(self, new: NewAccount, client_ip: str | None = None) -> User:
        """Validate and create a learner with their consent record, in one transaction."""
        name = _validate_name(new.name)
        id_number = _validated(normalize_id_number, new.id_number, "id_number")
        mobile = _validated(normalize_mobile, new.mobile, "mobile")
        _validate_password(new.password)
        if not new.consent:
            raise DomainError(
                "consent_required",
                _l("Registration needs your consent to the processing of identity and face data."),
                field="consent",
            )
        user = self._new_user(Role.LEARNER, name, mobile, new.password, id_number)
        db.session.add(
            ConsentRecord(
                user=user,
                policy_version=self.config["CONSENT_POLICY_VERSION"],
                client_ip=client_ip,
            )
        )
        db.session.commit()
        return user

    def create_staff(
        self,
        role: Role,
        name: str,
        mobile: str,
        password: str,
        id_number: str | None = None,
        provider: Provider | None = None,
        region_scope: str | None = None,
    ) -> User:
        """Create an admin, regulator (scoped to '61' or a city) or provider staff account."""
        name = _validate_name(name)
        mobile = _validated(normalize_mobile, mobile, "mobile")
        _validate_password(password)
        if id_number:
            id_number = _validated(normalize_id_number, id_number, "id_number")
        if (
            role == Role.REGULATOR
            and region_scope != SHAANXI
            and region_scope not in SHAANXI_CITIES
        ):
            raise DomainError("scope_invalid", _l("Choose the province or one of its cities."))
        if role == Role.PROVIDER_STAFF and provider is None:
            raise DomainError("provider_required", _l("Provider staff must belong to a provider."))
        user = self._new_user(role, name, mobile, password, id_number or None)
        user.provider = provider
        user.region_scope = region_scope if role == Role.REGULATOR else None
        db.session.commit()
        return user

    def create_provider(self, name: str, credit_code: str, city_code: str) -> Provider:
        """Register a training provider in one of Shaanxi's cities."""
        code = _validated(normalize_credit_code, credit_code, "credit_code")
        if city_code not in SHAANXI_CITIES:
            raise DomainError("city_invalid", _l("Choose one of Shaanxi's cities."), field="city")
        if db.session.scalar(select(Provider).where(Provider.credit_code == code)):
            raise DomainError(
                "duplicate_provider", _l("A provider with this credit code exists."), status=409
            )
        name = _validate_text(
            name, "name", 200, "provider_name_invalid", _l("Give the provider's name.")
        )
        provider = Provider(name=name, credit_code=code, city_code=city_code)
        db.session.add(provider)
        db.session.commit()
        return provider

    def _new_user(self, role, name, mobile, password, id_number) -> User:
        lookup = self.cipher.lookup_hash(id_number) if id_number else None
        if lookup and db.session.scalar(select(User.id).where(User.id_number_lookup == lookup)):
            raise DomainError(
                "duplicate_id_number",
                _l("An account with this ID number already exists. Log in instead."),
                status=409,
                field="id_number",
            )
        if db.session.scalar(select(User.id).where(User.mobile == mobile)):
            raise DomainError(
                "duplicate_mobile",
                _l("This mobile number is already registered."),
                status=409,
                field="mobile",
            )
        user = User(
            role=role,
            name=name,
            mobile=mobile,
            password_hash=generate_password_hash(password),
            id_number_encrypted=(
                self.cipher.encrypt_text(id_number, ID_NUMBER_CONTEXT) if id_number else None
            ),
            id_number_lookup=lookup,
            id_number_masked=mask_id_number(id_number) if id_number else None,
        )
        db.session.add(user)
        return user

    def find_by_id_number(self, id_number: str) -> User | None:
        try:
            value = normalize_id_number(id_number)
        except CodeError:
            return None
        lookup = self.cipher.lookup_hash(value)
        return db.session.scalar(select(User).where(User.id_number_lookup == lookup))

    def reveal_id_number(self, user: User) -> str | None:
        """Decrypt a user's ID number (for exports that legally need it)."""
        if user.id_number_encrypted is None:
            return None
        return self.cipher.decrypt_text(user.id_number_encrypted, ID_NUMBER_CONTEXT)

    # -- login ------------------------------------------------------------------------------
    def authenticate(self, login: str, password: str, client_ip: str) -> User:
        """Check credentials by ID number or mobile; failures slow down the failing client
        (identity/throttle.py), never the owner on a client without failures."""
        from skilltrace.identity.throttle import login_throttle

        login = (login or "").strip().upper()
        user = self._find_login(login)
        account = f"user:{user.id}" if user is not None else f"login:{login}"
        throttle = login_throttle()
        throttle.check(account, client_ip)
        if user is None or not check_password_hash(user.password_hash, password or ""):
            throttle.failed(account, client_ip)
            raise DomainError(
                "invalid_credentials",
                _l("The ID number/mobile or the password is wrong."),
                status=401,
            )
        if not user.is_active_account:
            raise DomainError("account_disabled", _l("This account is disabled."), status=403)
        throttle.succeeded(account, client_ip)
        return user

    def _find_login(self, login: str) -> User | None:
        conditions = []
        with suppress(CodeError):
            conditions.append(User.mobile == normalize_mobile(login))
        with suppress(CodeError):
            id_number = normalize_id_number(login)
            conditions.append(User.id_number_lookup == self.cipher.lookup_hash(id_number))
        if not conditions:
            return None
        return db.session.scalar(select(User).where(or_(*conditions)))

    # -- sessions ---------------------------------------------------------------------------
    def change_password(self, user: User, current: str, new: str) -> None:
        """Set a new password (the current one must be given); ends every session."""
        if not check_password_hash(user.password_hash, current or ""):
            raise DomainError(
                "wrong_password", _l("The current password is wrong."), field="current_password"
            )
        self.replace_password(user, new)

    def replace_password(self, user: User, new: str) -> None:
        """The one rule for a new password (API and account page): valid, different from the
        current one; it ends a temporary password and every session of the account."""
        _validate_password(new)
        if check_password_hash(user.password_hash, new):
            raise DomainError(
                "password_unchanged",
                _l("Choose a password different from the current one."),
                field="password",
            )
        user.password_hash = generate_password_hash(new)
        user.must_change_password = False
        db.session.commit()
        end_all_sessions(user)

    def set_account_active(self, user: User, active: bool) -> None:
        """Activate or deactivate an account; deactivation ends every session at once."""
        user.is_active_account = active
        db.session.commit()
        if not active:
            end_all_sessions(user)

    # -- API tokens -------------------------------------------------------------------------
    def create_token(self, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a personal access token; the secret is returned once and stored hashed."""
        if user.role == Role.LEARNER:
            raise DomainError(
                "token_role",
                _l("Access tokens are for regulators' and providers' systems, not learners."),
                status=403,
            )
        name = _validate_text(name, "name", 100, "token_name_invalid", _l("Give the token a name."))
        secret = "st_" + secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, name=name, token_hash=_sha256(secret), prefix=secret[:10])
        db.session.add(token)
        db.session.commit()
        return token, secret

    def user_for_token(self, secret: str) -> User | None:
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(secret)))
        if token is None or token.revoked_at is not None or not token.user.is_active_account:
            return None
        token.last_used_at = utcnow()
        db.session.commit()
        return token.user

    def revoke_token(self, user: User, token_id: int) -> None:
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise DomainError("not_found", _l("No such token."), status=404)
        token.revoked_at = utcnow()
        db.session.commit()


def end_all_sessions(user: User) -> None:
    """Log the account out everywhere: every session cookie issued so far stops working."""
    from skilltrace.sessions import end_generation

    end_generation(user.id)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def account_service() -> AccountService:
    """The account service wired to the current app's cipher, state store and settings."""
    from flask import current_app

    from skilltrace.state import current_state

    return AccountService(
        current_app.extensions["skilltrace.cipher"], current_state(), current_app.config
    )
