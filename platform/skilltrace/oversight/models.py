"""Oversight records: warnings, spot checks, evidence, agencies, sanctions, targets, aggregates.

All of them are read models or regulators' own records: nothing here is written back into
study or the trace.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User, utcnow


class OversightWarning(db.Model):
    """One finding of a warning rule, kept up to date by the scheduled job.

    ``fingerprint`` (rule code + subject) makes the job idempotent: a rerun updates the row.
    ``evidence`` holds the learner ids and trace event ids behind the finding (drill-down).
    """

    __tablename__ = "oversight_warnings"
    __table_args__ = (Index("ix_oversight_warnings_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(120))
    city_code: Mapped[str | None] = mapped_column(String(4), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_classes.id"))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    learner_ids: Mapped[list] = mapped_column(JSON, default=list)
    event_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider | None] = relationship()


class SpotCheck(db.Model):
    """A sample drawn by ratio from a class or a provider with a recorded seed (抽查)."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(12))  # class | provider
    target_id: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    ratio: Mapped[float] = mapped_column(Float)
    seed: Mapped[str] = mapped_column(String(64))
    population: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()
    created_by: Mapped[User] = relationship()
    items: Mapped[list[SpotCheckItem]] = relationship(
        back_populates="spot_check", order_by="SpotCheckItem.position"
    )


class SpotCheckItem(db.Model):
    """One sampled trainee and the checklist answers (None = not checked yet)."""

    __tablename__ = "spot_check_items"
    __table_args__ = (UniqueConstraint("spot_check_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(12))  # visit | phone
    present: Mapped[bool | None]
    studied: Mapped[bool | None]
    aware: Mapped[bool | None]  # knew they were trained under 以工代训
    outcome: Mapped[str | None] = mapped_column(String(16))  # ok | problem | unreachable
    note: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])


class EvidenceFile(db.Model):
    """A file backing a spot-check item or a sanction, encrypted under MEDIA_ROOT."""

    __tablename__ = "oversight_evidence"
    __table_args__ = (Index("ix_oversight_evidence_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(16))  # spot_check_item | sanction
    owner_id: Mapped[int] = mapped_column(Integer)
    file_path: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agency(db.Model):
    """A third-party agency (第三方机构) that can be sanctioned like a provider."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sanction(db.Model):
    """One step of the ladder imposed on a provider or an agency, until lifted."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date]
    ends_on: Mapped[date | None]
    imposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[Provider | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    imposed_by: Mapped[User] = relationship(foreign_keys=[imposed_by_id])


class SanctionEvent(db.Model):
    """History of a sanction: imposed, lifted (who, when, note)."""

    __tablename__ = "sanction_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sanction_id: Mapped[int] = mapped_column(ForeignKey("sanctions.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship()


class ReportTarget(db.Model):
    """A yearly target for one metric in one region ('61' = the province, or a city)."""

    __tablename__ = "report_targets"
    __table_args__ = (UniqueConstraint("year", "region_code", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(4))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonthlyAggregate(db.Model):
    """One figure of one city for one month, maintained by the scheduled job."""

    __tablename__ = "monthly_aggregates"
    __table_args__ = (UniqueConstraint("month", "city_code", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM (Asia/Shanghai)
    city_code: Mapped[str] = mapped_column(String(4))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float, default=0.0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassCategory(db.Model):
    """The programme category of a class (重点群体, 以工代训 …) counted in the report."""

    __tablename__ = "class_categories"

    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(24))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


# The list indexes on other domains' tables register with their tables on import.
from skilltrace.oversight import indexes  # noqa: E402,F401
