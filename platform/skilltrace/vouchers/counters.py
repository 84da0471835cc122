"""Voucher counters per batch, city and province — issued, claimed, used, written off,
expired — against the yearly targets a province regulator edits."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.identity.models import Role, User, utcnow
from skilltrace.vouchers.messages import refuse
from skilltrace.vouchers.models import Voucher, VoucherBatch, VoucherTarget, VoucherWriteOff
from skilltrace.vouchers.rules import VoucherStatus

PROVINCE = "61"
# The notice's 2021 targets: 200,000 vouchers issued, 20,000 used.
NOTICE_TARGETS = (200_000, 20_000)


def batch_counts() -> dict[int, Counter]:
    """Per batch: issued (its quantity), claimed, used (reserved or written off), written_off,
    expired."""
    counts: dict[int, Counter] = {}
    for batch in db.session.scalars(select(VoucherBatch)):
        counts[batch.id] = Counter(issued=batch.quantity)
    rows = db.session.execute(
        select(Voucher.batch_id, Voucher.status, func.count()).group_by(
            Voucher.batch_id, Voucher.status
        )
    )
    for batch_id, status, n in rows:
        c = counts[batch_id]
        c["claimed"] += n
        if status in (VoucherStatus.RESERVED, VoucherStatus.WRITTEN_OFF):
            c["used"] += n
        if status == VoucherStatus.WRITTEN_OFF:
            c["written_off"] += n
        if status == VoucherStatus.EXPIRED:
            c["expired"] += n
    paid = db.session.execute(
        select(Voucher.batch_id, func.sum(VoucherWriteOff.amount_fen))
        .join(Voucher, Voucher.id == VoucherWriteOff.voucher_id)
        .group_by(Voucher.batch_id)
    )
    for batch_id, fen in paid:
        counts[batch_id]["written_off_fen"] += int(fen or 0)
    return counts


KEYS = ("issued", "claimed", "used", "written_off", "expired", "written_off_fen")


def summary(year: int) -> dict:
    """Counters per batch, per issuing city and for the province, with the targets."""
    per_batch = batch_counts()
    batches = {b.id: b for b in db.session.scalars(select(VoucherBatch))}
    cities: dict[str, Counter] = {}
    province: Counter = Counter()
    for batch_id, c in per_batch.items():
        province.update(c)
        region = batches[batch_id].region
        if region != PROVINCE:
            cities.setdefault(region, Counter()).update(c)
    target = targets(year)
    return {
        "year": year,
        "targets": target,
        "province": {k: province[k] for k in KEYS},
        "cities": {city: {k: c[k] for k in KEYS} for city, c in sorted(cities.items())},
        "batches": [
            {"id": b.id, "name": b.name, "region": b.region, "status": b.status}
            | {k: per_batch[b.id][k] for k in KEYS}
            for b in batches.values()
        ],
    }


def targets(year: int) -> dict:
    row = db.session.scalar(
        select(VoucherTarget).where(VoucherTarget.region == PROVINCE, VoucherTarget.year == year)
    )
    issued, used = (row.issued, row.used) if row else NOTICE_TARGETS
    return {"issued": issued, "used": used, "edited": row is not None}


def set_targets(user: User, year: int, issued: int, used: int, note: str = "") -> VoucherTarget:
    """A province regulator edits the year's targets."""
    if user.role != Role.REGULATOR or user.region_scope != PROVINCE:
        raise refuse("forbidden", 403)
    for value in (year, issued, used):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise refuse("number_invalid")
    if not 2000 <= year <= 2100 or used > 100_000_000 or issued > 100_000_000:
        raise refuse("number_invalid")
    row = db.session.scalar(
        select(VoucherTarget).where(VoucherTarget.region == PROVINCE, VoucherTarget.year == year)
    ) or VoucherTarget(region=PROVINCE, year=year)
    row.issued, row.used, row.note = issued, used, (note or "")[:2000]
    row.updated_by_id, row.updated_at = user.id, utcnow()
    db.session.add(row)
    db.session.commit()
    return row
