"""Voucher lifecycle: issue a batch, claim (领用), use on joining a class (reserve), release on
leaving, write off (核销) when the learner's subsidy for that class is approved, expire.

Every state change is recorded with the shared audit mixin (``VoucherTransition``) and, as it
concerns a learner, appended to their trace. Write-off is exactly once per voucher (a unique
constraint); quantity and per-learner limits are checked under a row lock on the batch.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from skilltrace.audit import transition
from skilltrace.clock import current_clock
from skilltrace.courses.classes import class_service, is_member
from skilltrace.courses.models import ClassMember, TrainingClass
from skilltrace.courses.rules import ClassStatus
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.regions import scope_covers
from skilltrace.subsidy.claims import claim_refusal_for_provider
from skilltrace.subsidy.evidence import confirmed_groups
from skilltrace.subsidy.rules import KeyGroup, Kind
from skilltrace.traces.services import TraceLog
from skilltrace.vouchers import rules
from skilltrace.vouchers.messages import refuse
from skilltrace.vouchers.models import Voucher, VoucherBatch, VoucherTransition, VoucherWriteOff
from skilltrace.vouchers.rules import VoucherStatus

MAX_QUANTITY = 10_000_000


def _int(value, low: int, high: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise refuse("number_invalid", field=field)
    return value


def _trace(voucher: Voucher, kind: str, **data) -> None:
    TraceLog(db.session).append(
        voucher.learner_id, kind, {"voucher_id": voucher.id, "code": voucher.code, **data}
    )


# -- batches -----------------------------------------------------------------------------------
def issue_batch(
    user: User,
    name: str,
    target_group: str,
    quantity: int,
    validity_days: int,
    face_value_fen: int | None = None,
    per_learner_limit: int = 1,
    occupation: str | None = None,
    providers: list[int] | None = None,
    claim_until: date | None = None,
    kind: str | None = None,
) -> VoucherBatch:
    """A regulator issues a batch in their scope, optionally for one occupation and one
    training kind (培训类别) only."""
    if user.role != Role.REGULATOR or not user.region_scope:
        raise refuse("forbidden", 403)
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise refuse("name_invalid", field="name")
    if target_group != rules.EVERYONE and target_group not in {g.value for g in KeyGroup}:
        raise refuse("group_invalid", field="target_group")
    kind = kind or None
    if kind is not None and kind not in {k.value for k in Kind}:
        raise refuse("kind_invalid", field="kind")
    quantity = _int(quantity, 1, MAX_QUANTITY, "quantity")
    validity_days = _int(validity_days, 1, 3660, "validity_days")
    per_learner_limit = _int(per_learner_limit, 1, 100, "per_learner_limit")
    if face_value_fen is not None:
        face_value_fen = _int(face_value_fen, 1, 100_000_000, "face_value_fen")
    if providers is not None:
        if not isinstance(providers, list) or not providers:
            raise refuse("providers_invalid", field="providers")
        found = db.session.scalars(
            select(Provider).where(Provider.id.in_([p for p in providers if isinstance(p, int)]))
        ).all()
        if len(found) != len(set(providers)) or not all(
            scope_covers(user.region_scope, p.city_code) for p in found
        ):
            raise refuse("providers_invalid", field="providers")
        providers = sorted(set(providers))
    batch = VoucherBatch(
        region=user.region_scope,
        name=name,
        target_group=target_group,
        occupation=(occupation or "").strip() or None,
        kind=kind,
        providers=providers,
        face_value_fen=face_value_fen,
        validity_days=validity_days,
        quantity=quantity,
        per_learner_limit=per_learner_limit,
        claim_until=claim_until,
        status="open",
        claimed=0,
        issued_by_id=user.id,
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def close_batch(user: User, batch: VoucherBatch) -> VoucherBatch:
    """Close a batch: its unclaimed quantity returns to nobody."""
    if user.role != Role.REGULATOR or not scope_covers(user.region_scope or "", batch.region):
        raise refuse("forbidden", 403)
    batch.status = "closed"
    db.session.commit()
    return batch


def open_batches_for(learner: User) -> list[VoucherBatch]:
    today = current_clock().now().date()
    return [
        b
        for b in db.session.scalars(
            select(VoucherBatch).where(VoucherBatch.status == "open").order_by(VoucherBatch.id)
        )
        if (b.claim_until is None or today <= b.claim_until) and b.claimed < b.quantity
    ]


# -- claim -------------------------------------------------------------------------------------
def claim_voucher(learner: User, batch_id: int) -> Voucher:
    """领用: the learner takes one voucher of an open batch they qualify for."""
    if learner.role != Role.LEARNER:
        raise refuse("forbidden", 403)
    batch = db.session.get(VoucherBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise refuse("batch_not_found", 404)
    held = db.session.scalar(
        select(func.count())
        .select_from(Voucher)
        .where(Voucher.batch_id == batch.id, Voucher.learner_id == learner.id)
    )
    now = current_clock().now()
    refusal = rules.claim_refusal(
        rules.BatchFacts(
            batch.status,
            batch.target_group,
            batch.quantity,
            batch.claimed,
            batch.per_learner_limit,
            batch.claim_until,
        ),
        rules.LearnerFacts(confirmed_groups([learner.id])[learner.id], held),
        now.date(),
    )
    if refusal:
        raise refuse(refusal, 409)
    code = rules.new_code()
    while db.session.scalar(select(Voucher.id).where(Voucher.code == code)):
        code = rules.new_code()
    voucher = Voucher(
        batch_id=batch.id,
        code=code,
        learner_id=learner.id,
        status=VoucherStatus.CLAIMED,
        claimed_at=now,
        expires_at=now + timedelta(days=batch.validity_days),
    )
    batch.claimed += 1
    db.session.add(voucher)
    db.session.flush()
    VoucherTransition.record(voucher, learner, "claim", "new", VoucherStatus.CLAIMED)
    _trace(voucher, "voucher_claimed", batch_id=batch.id)
    db.session.commit()
    return voucher


def own_voucher(learner: User, code: str, lock: bool = False) -> Voucher:
    """The learner's voucher by code; another learner's code is 404 (existence not disclosed)."""
    query = select(Voucher).where(
        Voucher.code == rules.normalize_code(code), Voucher.learner_id == learner.id
    )
    voucher = db.session.scalar(query.with_for_update() if lock else query)
    if voucher is None:
        raise refuse("voucher_not_found", 404, field="code")
    return voucher


def expire_if_due(voucher: Voucher, now=None) -> bool:
    """The lazy check: a claimed voucher past its validity becomes expired (not committed)."""
    now = now or current_clock().now()
    if not rules.expired(voucher.status, voucher.expires_at, now):
        return False
    transition(voucher, VoucherTransition, None, "expire", VoucherStatus.EXPIRED)
    _trace(voucher, "voucher_expired")
    return True


# -- use, release ------------------------------------------------------------------------------
def use_voucher(learner: User, code: str, class_code: str) -> tuple[Voucher, TrainingClass]:
    """Join a class with a voucher: the voucher is reserved for that class (one transaction)."""
    voucher = own_voucher(learner, code, lock=True)
    if expire_if_due(voucher):
        db.session.commit()
        raise refuse("voucher_expired", 409)
    from skilltrace.courses.rules import normalize_class_code

    class_ = db.session.scalar(
        select(TrainingClass).where(TrainingClass.code == normalize_class_code(class_code))
    )
    if class_ is None:
        raise refuse("class_not_found", 404, field="class_code")
    batch = voucher.batch
    refusal = rules.use_refusal(
        rules.UseFacts(
            status=voucher.status,
            expires_at=voucher.expires_at,
            eligible_providers=tuple(batch.providers) if batch.providers is not None else None,
            occupation=batch.occupation,
            provider_id=class_.provider_id,
            provider_active=claim_refusal_for_provider(class_.provider) is None,
            class_occupation=class_.course.occupation,
            target_group=batch.target_group,
            key_groups=confirmed_groups([learner.id])[learner.id],
            class_has_voucher=_reserved_for(learner.id, class_.id) is not None,
        ),
        current_clock().now(),
    )
    if refusal:
        raise refuse(refusal, 409 if refusal != "provider_not_eligible" else 403)
    transition(voucher, VoucherTransition, learner, "reserve", VoucherStatus.RESERVED)
    voucher.class_id = class_.id
    _trace(voucher, "voucher_reserved", class_id=class_.id)
    if is_member(learner, class_.id):
        db.session.commit()
    else:
        try:
            class_service().join(learner, class_.code, class_id=class_.id)  # commits both
        except Exception:
            db.session.rollback()
            raise
    return voucher, class_


def _reserved_for(learner_id: int, class_id: int, lock: bool = False) -> Voucher | None:
    """The learner's voucher reserved for this class (at most one: ``use_voucher`` sees to it)."""
    query = select(Voucher).where(
        Voucher.learner_id == learner_id,
        Voucher.class_id == class_id,
        Voucher.status == VoucherStatus.RESERVED,
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def release_for_class(learner: User, class_id: int) -> Voucher | None:
    """Release the voucher reserved for this class (not committed)."""
    voucher = _reserved_for(learner.id, class_id, lock=True)
    if voucher is None:
        return None
    transition(voucher, VoucherTransition, learner, "release", VoucherStatus.CLAIMED)
    voucher.class_id = None
    _trace(voucher, "voucher_released", class_id=class_id)
    expire_if_due(voucher)
    return voucher


def leave_class(learner: User, class_id: int) -> Voucher | None:
    """The learner leaves a class that is not closed; a voucher reserved for it is released."""
    class_ = db.session.get(TrainingClass, class_id)
    if class_ is None or not is_member(learner, class_id):
        raise refuse("not_in_class", 404)
    if class_.status == ClassStatus.CLOSED:
        raise refuse("class_closed", 409)
    voucher = release_for_class(learner, class_id)
    db.session.execute(
        ClassMember.__table__.delete().where(
            ClassMember.class_id == class_id, ClassMember.learner_id == learner.id
        )
    )
    db.session.commit()
    return voucher


# -- write-off (called inside the subsidy review's transaction) -----------------------------------
def write_off_on_award(claim, line, actor: User) -> None:
    """核销 the voucher reserved for the approved trainee's class, at most its face value.

    Runs in the claim review's transaction; the unique voucher_id of ``VoucherWriteOff`` makes a
    second write-off (a racing claim) fail the whole review.
    """
    voucher = _reserved_for(line.learner_id, claim.class_id)
    if voucher is None:
        return
    refusal = rules.write_off_refusal(voucher.batch.kind, claim.kind)
    if refusal:  # the learner keeps the voucher for a training of the batch's kind
        transition(voucher, VoucherTransition, actor, "release", VoucherStatus.CLAIMED, refusal)
        voucher.class_id = None
        _trace(voucher, "voucher_released", class_id=claim.class_id, reason=refusal)
        expire_if_due(voucher)
        return
    amount = rules.write_off_amount(
        voucher.batch.face_value_fen, line.approved_fen + line.approved_allowance_fen
    )
    db.session.add(
        VoucherWriteOff(
            voucher_id=voucher.id, class_id=claim.class_id, claim_id=claim.id, amount_fen=amount
        )
    )
    won = db.session.execute(
        update(Voucher)
        .where(Voucher.id == voucher.id, Voucher.status == VoucherStatus.RESERVED)
        .values(status=VoucherStatus.WRITTEN_OFF)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won == 1:
        VoucherTransition.record(
            voucher, actor, "write_off", VoucherStatus.RESERVED, VoucherStatus.WRITTEN_OFF
        )
        _trace(voucher, "voucher_written_off", claim_id=claim.id, amount_fen=amount)


# -- expiry job --------------------------------------------------------------------------------
def expire_vouchers() -> int:
    """The scheduled job: every claimed voucher past its validity expires. Idempotent."""
    now = current_clock().now()
    due = db.session.scalars(
        select(Voucher)
        .where(Voucher.status == VoucherStatus.CLAIMED, Voucher.expires_at <= now)
        .with_for_update(skip_locked=True)
    ).all()
    for voucher in due:
        expire_if_due(voucher, now)
    db.session.commit()
    return len(due)


def batches_in_scope(user: User) -> list[VoucherBatch]:
    query = select(VoucherBatch).order_by(VoucherBatch.id.desc())
    if user.role == Role.REGULATOR:
        scope = user.region_scope or ""
        return [
            b
            for b in db.session.scalars(query)
            if b.region == "61" or scope_covers(scope, b.region)
        ]
    return list(db.session.scalars(query))
