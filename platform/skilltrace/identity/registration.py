"""Registration checks that report every field's problem at once (the form shows them together).

``AccountService.register_learner`` still refuses with the first problem (the API and any
script get one stable error code); the page calls :func:`new_account_errors` first so a
learner fixes everything in one go.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.codes import normalize_id_number, normalize_mobile
from skilltrace.identity.models import User
from skilltrace.identity.services import (
    AccountService,
    NewAccount,
    _validate_name,
    _validate_password,
    _validated,
)

PASSWORD_RULES = _l("At least 8 and at most 128 characters. Letters, digits and symbols all count.")


def new_account_errors(service: AccountService, new: NewAccount) -> list[DomainError]:
    """Every refusal registration would give ``new``, one per field, in form order."""
    errors: list[DomainError] = []

    def check(fn):
        try:
            return fn()
        except DomainError as err:
            errors.append(err)
            return None

    check(lambda: _validate_name(new.name))
    id_number = check(lambda: _validated(normalize_id_number, new.id_number, "id_number"))
    mobile = check(lambda: _validated(normalize_mobile, new.mobile, "mobile"))
    check(lambda: _validate_password(new.password))
    if not new.consent:
        errors.append(
            DomainError(
                "consent_required",
                _l("Registration needs your consent to the processing of identity and face data."),
                field="consent",
            )
        )
    if id_number and db.session.scalar(
        select(User.id).where(User.id_number_lookup == service.cipher.lookup_hash(id_number))
    ):
        errors.append(
            DomainError(
                "duplicate_id_number",
                _l("An account with this ID number already exists. Log in instead."),
                status=409,
                field="id_number",
            )
        )
    if mobile and db.session.scalar(select(User.id).where(User.mobile == mobile)):
        errors.append(
            DomainError(
                "duplicate_mobile",
                _l("This mobile number is already registered."),
                status=409,
                field="mobile",
            )
        )
    return errors
