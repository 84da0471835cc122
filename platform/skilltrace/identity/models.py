"""Accounts, roles, training providers, consents and API tokens."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(enum.StrEnum):
    LEARNER = "learner"
    PROVIDER_STAFF = "provider_staff"
    REGULATOR = "regulator"
    ADMIN = "admin"


class ProviderStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BLACKLISTED = "blacklisted"


class Provider(db.Model):
    """A training provider (培训机构), identified by its unified social credit code."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ProviderStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[list[User]] = relationship(back_populates="provider")


class User(UserMixin, db.Model):
    """Any account. Learners always carry a verified resident ID number (实名制)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_lookup: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(11), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    region_scope: Mapped[str | None] = mapped_column(String(4))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by a password reset (a temporary password): the next page is "change password".
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    provider: Mapped[Provider | None] = relationship(back_populates="staff")
    consents: Mapped[list[ConsentRecord]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ConsentRecord(db.Model):
    """A learner's explicit consent to the processing of identity and face data."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    policy_version: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64), default="identity_and_face_data")
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(back_populates="consents")


class ApiToken(db.Model):
    """A personal access token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
