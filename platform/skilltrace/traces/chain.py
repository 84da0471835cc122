"""Hash chain of a learner's trace events: canonical JSON, link hashes, verification.

Each trace row stores ``prev_hash`` (the previous row's ``hash``, or :data:`GENESIS` for a
learner's first row) and ``hash = link_hash(prev_hash, event)``. Editing, deleting or reordering
rows breaks the chain; :func:`verify_chain` names the first broken link.

Canonical JSON is what makes a hash reproducible after a database round trip: sorted keys, no
whitespace, UTF-8 (not ``\\u`` escapes), no NaN/Infinity, datetimes as ISO-8601 UTC strings with
microseconds (``2024-03-01T01:02:03.000000Z``; naive datetimes are taken as UTC), dates as
``YYYY-MM-DD``. Only string keys are allowed (a JSON column would turn other keys into strings
and change their order). Store events so their numbers come back as written (a plain JSON or
text column; PostgreSQL ``jsonb`` rewrites some float spellings, e.g. ``1e+16``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64
"""The ``prev_hash`` of a learner's first row."""

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into canonical JSON")


def _check_keys(value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
            _check_keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_keys(item)


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``obj`` (raises TypeError/ValueError if it has none)."""
    _check_keys(obj)
    text = json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_to_json,
    )
    return text.encode("utf-8")


def link_hash(prev_hash: str | None, event: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``prev_hash`` (GENESIS when None) followed by the event's canonical JSON."""
    prev = GENESIS if prev_hash is None else prev_hash
    if not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        raise ValueError("prev_hash must be 64 lowercase hex digits")
    return hashlib.sha256(prev.encode("ascii") + canonical_json(event)).hexdigest()


class BreakReason:
    """Why a link is broken (stable codes)."""

    EDITED = "edited"  # the row's hash is not the hash of its prev_hash and event
    INVALID_EVENT = "invalid_event"  # the stored event cannot be canonicalised at all
    SEQ_GAP = "seq_gap"  # a sequence number is missing: a row was deleted
    SEQ_OUT_OF_ORDER = "seq_out_of_order"  # not the next seq, which comes later or came before
    REORDERED = "reordered"  # prev_hash names another row of the chain than the previous one
    LINK_MISMATCH = "link_mismatch"  # prev_hash names no row: one deleted, or the previous edited
    TRUNCATED = "truncated"  # the last row is not the expected head: rows cut off the end


_MESSAGES = {
    BreakReason.EDITED: "the row's content or hash was changed",
    BreakReason.INVALID_EVENT: "the stored event is not canonical JSON",
    BreakReason.SEQ_GAP: "sequence numbers skip {expected}: a row was deleted",
    BreakReason.SEQ_OUT_OF_ORDER: "seq {expected} was due here: rows reordered or repeated",
    BreakReason.REORDERED: "the row does not follow the previous row but another one",
    BreakReason.LINK_MISMATCH: "the row does not follow the previous row: a row was deleted "
    "or the previous row was rewritten",
    BreakReason.TRUNCATED: "the chain ends before its recorded head: rows were removed",
}


@dataclass(frozen=True)
class BrokenLink:
    """The first broken link: the row's seq, its index in the rows given, why, and a message.

    For ``truncated``, ``seq`` and ``index`` are those the first missing row would have had.
    """

    seq: Any
    index: int
    reason: str
    message: str


@dataclass(frozen=True)
class ChainRow:
    """One stored row of the chain."""

    seq: int
    event: Mapping[str, Any]
    prev_hash: str
    hash: str


def _row(row: ChainRow | Sequence[Any] | Mapping[str, Any]) -> ChainRow:
    if isinstance(row, ChainRow):
        return row
    if isinstance(row, Mapping):
        return ChainRow(row["seq"], row["event"], row["prev_hash"], row["hash"])
    seq, event, prev_hash, hash_ = row
    return ChainRow(seq, event, prev_hash, hash_)


def _broken(row: ChainRow, index: int, reason: str, **values: Any) -> BrokenLink:
    return BrokenLink(row.seq, index, reason, _MESSAGES[reason].format(**values))


def verify_chain(
    rows: Iterable[ChainRow | Sequence[Any] | Mapping[str, Any]],
    *,
    start_seq: int | None = 1,
    start_hash: str = GENESIS,
    expected_head: str | None = None,
) -> BrokenLink | None:
    """The first broken link of ``rows`` (one learner's, in seq order), or None if intact.

    Rows are ``(seq, event, prev_hash, hash)`` tuples, mappings with those keys, or
    :class:`ChainRow`. To verify a suffix, pass the seq and hash it starts after
    (``start_seq=None`` accepts any first seq). ``expected_head`` (the learner's last recorded
    hash, kept elsewhere) also catches rows cut off the end.
    """
    chain = [_row(r) for r in rows]
    hashes = {r.hash for r in chain}
    seqs = {r.seq for r in chain}
    previous_hash, expected_seq = start_hash, start_seq
    for index, row in enumerate(chain):
        if expected_seq is not None and row.seq != expected_seq:
            if row.seq > expected_seq and expected_seq not in seqs:
                return _broken(row, index, BreakReason.SEQ_GAP, expected=expected_seq)
            return _broken(row, index, BreakReason.SEQ_OUT_OF_ORDER, expected=expected_seq)
        try:
            intact = link_hash(row.prev_hash, row.event) == row.hash
        except (TypeError, ValueError):
            return _broken(row, index, BreakReason.INVALID_EVENT)
        if not intact:
            return _broken(row, index, BreakReason.EDITED)
        if row.prev_hash != previous_hash:
            reason = BreakReason.REORDERED if row.prev_hash in hashes else BreakReason.LINK_MISMATCH
            return _broken(row, index, reason)
        previous_hash, expected_seq = row.hash, row.seq + 1
    if expected_head is not None and previous_hash != expected_head:
        message = _MESSAGES[BreakReason.TRUNCATED]
        return BrokenLink(expected_seq, len(chain), BreakReason.TRUNCATED, message)
    return None
