"""Voucher batches, vouchers, write-offs (one per voucher), state history and targets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.audit import TransitionMixin
from skilltrace.extensions import db
from skilltrace.identity.models import utcnow


class VoucherBatch(db.Model):
    """A batch issued by a regulator: who, what, where, how much, how long, how many."""

    __tablename__ = "voucher_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(4), index=True)  # the issuer's scope
    name: Mapped[str] = mapped_column(String(200))
    target_group: Mapped[str] = mapped_column(String(24))  # a key group or "all"
    occupation: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(16))
    providers: Mapped[list | None] = mapped_column(JSON)  # provider ids; None: any active
    face_value_fen: Mapped[int | None] = mapped_column(Integer)  # None: "the standard"
    validity_days: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    per_learner_limit: Mapped[int] = mapped_column(Integer, default=1)
    claim_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Voucher(db.Model):
    """One learner's voucher, made when claimed."""

    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("voucher_batches.id"), index=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_classes.id"), index=True)

    batch: Mapped[VoucherBatch] = relationship()


class VoucherWriteOff(db.Model):
    """核销: a voucher paid with the learner's approved subsidy — exactly once per voucher."""

    __tablename__ = "voucher_write_offs"
    __table_args__ = (UniqueConstraint("voucher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class VoucherTransition(TransitionMixin, db.Model):
    """One state change of a voucher (claim, reserve, release, write off, expire)."""

    __tablename__ = "voucher_transitions"
    subject_column = "voucher_id"

    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), index=True)
    # The scheduled expiry has no human actor.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VoucherTarget(db.Model):
    """Yearly targets a province regulator edits (the notice: 200,000 issued, 20,000 used)."""

    __tablename__ = "voucher_targets"
    __table_args__ = (UniqueConstraint("region", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(4))
    year: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
