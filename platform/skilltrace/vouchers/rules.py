"""Pure rules of training vouchers (职业培训券): who may claim from a batch, where a voucher may be
used, how much a write-off pays, and when a voucher has expired. No Flask, no database."""

from __future__ import annotations

import base64
import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime

EVERYONE = "all"


class VoucherStatus(enum.StrEnum):
    CLAIMED = "claimed"  # the learner's, not used yet
    RESERVED = "reserved"  # used to join a class; waits for the subsidy decision
    WRITTEN_OFF = "written_off"  # 核销: paid with the learner's approved subsidy
    EXPIRED = "expired"  # validity ended while claimed


@dataclass(frozen=True)
class BatchFacts:
    status: str  # open | closed
    target_group: str  # a key group or "all"
    quantity: int
    claimed: int  # vouchers claimed so far
    per_learner_limit: int
    claim_until: date | None = None


@dataclass(frozen=True)
class LearnerFacts:
    key_groups: frozenset[str]
    held_from_batch: int  # vouchers this learner already claimed from the batch


def claim_refusal(batch: BatchFacts, learner: LearnerFacts, today: date) -> str | None:
    """Why the learner may not claim from this batch, or None."""
    if batch.status != "open" or (batch.claim_until and today > batch.claim_until):
        return "batch_closed"
    if batch.claimed >= batch.quantity:
        return "batch_exhausted"
    if batch.target_group != EVERYONE and batch.target_group not in learner.key_groups:
        return "not_target_group"
    if learner.held_from_batch >= batch.per_learner_limit:
        return "voucher_limit"
    return None


@dataclass(frozen=True)
class UseFacts:
    status: str
    expires_at: datetime
    eligible_providers: tuple[int, ...] | None  # None: any active provider
    occupation: str | None  # None: any
    provider_id: int
    provider_active: bool  # active and allowed to claim subsidies
    class_occupation: str
    target_group: str = EVERYONE  # the batch's
    key_groups: frozenset[str] = frozenset()  # the learner's confirmed key groups now
    class_has_voucher: bool = False  # another of the learner's vouchers is reserved for it


def expired(status: str, expires_at: datetime, now: datetime) -> bool:
    return status == VoucherStatus.CLAIMED and now >= expires_at


def use_refusal(facts: UseFacts, now: datetime) -> str | None:
    """Why this voucher may not be used for this class, or None."""
    if expired(facts.status, facts.expires_at, now) or facts.status == VoucherStatus.EXPIRED:
        return "voucher_expired"
    if facts.status != VoucherStatus.CLAIMED:
        return "voucher_used"
    if facts.class_has_voucher:
        return "class_has_voucher"
    if facts.target_group != EVERYONE and facts.target_group not in facts.key_groups:
        return "not_target_group"
    if not facts.provider_active:
        return "provider_not_eligible"
    if facts.eligible_providers is not None and facts.provider_id not in facts.eligible_providers:
        return "provider_not_eligible"
    if facts.occupation and facts.occupation.strip() != (facts.class_occupation or "").strip():
        return "occupation_not_covered"
    return None


def write_off_refusal(batch_kind: str | None, claim_kind: str) -> str | None:
    """Why the approved subsidy may not write this voucher off, or None.

    A class has no training kind of its own: the kind is the claim's, so a batch restricted to
    a kind (培训类别) is checked here, when the subsidy is approved.
    """
    if batch_kind and batch_kind != claim_kind:
        return "kind_not_covered"
    return None


def write_off_amount(face_value_fen: int | None, approved_fen: int) -> int:
    """At most the face value; a voucher worth "the standard" pays the approved subsidy."""
    if face_value_fen is None:
        return max(0, approved_fen)
    return max(0, min(face_value_fen, approved_fen))


def new_code() -> str:
    """An unguessable voucher code: 80 random bits, base32, in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalize_code(raw: str) -> str:
    text = "".join(c for c in (raw or "").upper() if c.isalnum())[:16]
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))
