"""Hash chain of trace events: canonical JSON, link hashes and finding the first broken link."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from skilltrace.traces.chain import (
    GENESIS,
    BreakReason,
    ChainRow,
    canonical_json,
    link_hash,
    verify_chain,
)

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"b": 1, "a": 2}, b'{"a":2,"b":1}'),
        ({"a": [1, {"d": None, "c": True}]}, b'{"a":[1,{"c":true,"d":null}]}'),
        ({"名字": "张三"}, '{"名字":"张三"}'.encode()),
        ({"x": 1.5, "y": -0.25}, b'{"x":1.5,"y":-0.25}'),
        ({"t": (1, 2)}, b'{"t":[1,2]}'),
        (
            {"at": datetime(2024, 3, 1, 9, 0, 0, tzinfo=SHANGHAI)},
            b'{"at":"2024-03-01T01:00:00.000000Z"}',
        ),
        ({"at": datetime(2024, 3, 1, 1, 0, 0, 5)}, b'{"at":"2024-03-01T01:00:00.000005Z"}'),
        ({"at": datetime(2024, 3, 1, 1, 0, tzinfo=UTC)}, b'{"at":"2024-03-01T01:00:00.000000Z"}'),
        ({"d": date(2024, 3, 1)}, b'{"d":"2024-03-01"}'),
    ],
)
def test_canonical_json(obj, expected):
    assert canonical_json(obj) == expected


def test_canonical_json_is_stable_across_a_json_round_trip():
    event = {"type": "heartbeat", "at": datetime(2024, 3, 1, tzinfo=UTC), "pos": 12.5, "名": "李"}
    stored = json.loads(canonical_json(event))
    assert canonical_json(stored) == canonical_json(event)


@pytest.mark.parametrize(
    ("obj", "error"),
    [
        ({"x": math.nan}, ValueError),
        ({"x": math.inf}, ValueError),
        ({"x": [-math.inf]}, ValueError),
        ({1: "int key"}, TypeError),
        ({"nested": {2: "x"}}, TypeError),
        ({"x": object()}, TypeError),
        ({"x": {1, 2}}, TypeError),
    ],
)
def test_canonical_json_rejects(obj, error):
    with pytest.raises(error):
        canonical_json(obj)


def test_link_hash_is_sha256_of_prev_hash_and_canonical_json():
    event = {"type": "check_passed", "seq": 1}
    expected = hashlib.sha256(GENESIS.encode() + b'{"seq":1,"type":"check_passed"}').hexdigest()
    assert link_hash(None, event) == expected
    assert link_hash(GENESIS, event) == expected
    assert link_hash(expected, event) != expected


@pytest.mark.parametrize("prev", ["", "abc", "G" * 64, "A" * 64, "0" * 63])
def test_link_hash_rejects_a_malformed_prev_hash(prev):
    with pytest.raises(ValueError):
        link_hash(prev, {"a": 1})


def build_chain(n: int, start_seq: int = 1, start_hash: str = GENESIS) -> list[ChainRow]:
    rows, prev = [], start_hash
    for seq in range(start_seq, start_seq + n):
        event = {"type": "heartbeat", "seq": seq, "position": seq * 15.0, "note": "学习"}
        row = ChainRow(seq, event, prev, link_hash(prev, event))
        rows.append(row)
        prev = row.hash
    return rows


def rehash(row: ChainRow, event: dict) -> ChainRow:
    return ChainRow(row.seq, event, row.prev_hash, link_hash(row.prev_hash, event))


def test_an_intact_chain_verifies_in_every_row_shape():
    rows = build_chain(6)
    assert verify_chain(rows) is None
    assert verify_chain([(r.seq, r.event, r.prev_hash, r.hash) for r in rows]) is None
    assert verify_chain([vars(r) for r in rows]) is None
    assert verify_chain([]) is None
    assert verify_chain(rows, expected_head=rows[-1].hash) is None


def test_a_suffix_verifies_from_its_anchor():
    rows = build_chain(6)
    assert verify_chain(rows[3:], start_seq=4, start_hash=rows[2].hash) is None
    assert verify_chain(rows[3:], start_seq=None, start_hash=rows[2].hash) is None
    broken = verify_chain(rows[3:])
    assert (broken.seq, broken.reason) == (4, BreakReason.SEQ_GAP)


def tamper(rows: list[ChainRow], how: str) -> list[ChainRow]:
    """Tamper with a 6-row chain (seq 1..6); the broken link is expected at seq 3 or 4."""
    r = list(rows)
    if how == "edit_event":
        r[2] = ChainRow(3, {**r[2].event, "position": 999.0}, r[2].prev_hash, r[2].hash)
    elif how == "edit_hash":
        r[2] = ChainRow(3, r[2].event, r[2].prev_hash, "f" * 64)
    elif how == "edit_and_rehash":
        r[2] = rehash(r[2], {**r[2].event, "position": 999.0})
    elif how == "delete_row":
        del r[2]
    elif how == "delete_and_renumber":
        del r[2]
        r[2:] = [ChainRow(x.seq - 1, x.event, x.prev_hash, x.hash) for x in r[2:]]
    elif how == "swap_rows":
        r[2], r[3] = r[3], r[2]
    elif how == "swap_seqs":
        a, b = r[2], r[3]
        r[2] = ChainRow(3, b.event, b.prev_hash, b.hash)
        r[3] = ChainRow(4, a.event, a.prev_hash, a.hash)
    elif how == "duplicate_row":
        r.insert(3, r[2])
    elif how == "non_canonical_event":
        r[2] = ChainRow(3, {"x": math.nan}, r[2].prev_hash, r[2].hash)
    elif how == "edit_prev_hash":
        r[2] = ChainRow(3, r[2].event, "e" * 64, r[2].hash)
    return r


@pytest.mark.parametrize(
    ("how", "seq", "reason"),
    [
        ("edit_event", 3, BreakReason.EDITED),
        ("edit_hash", 3, BreakReason.EDITED),
        ("edit_and_rehash", 4, BreakReason.LINK_MISMATCH),
        ("delete_row", 4, BreakReason.SEQ_GAP),
        ("delete_and_renumber", 3, BreakReason.LINK_MISMATCH),
        ("swap_rows", 4, BreakReason.SEQ_OUT_OF_ORDER),
        ("swap_seqs", 3, BreakReason.REORDERED),
        ("duplicate_row", 3, BreakReason.SEQ_OUT_OF_ORDER),
        ("non_canonical_event", 3, BreakReason.INVALID_EVENT),
        ("edit_prev_hash", 3, BreakReason.EDITED),
    ],
)
def test_verify_names_the_first_broken_link(how, seq, reason):
    broken = verify_chain(tamper(build_chain(6), how))
    assert broken is not None
    assert (broken.seq, broken.reason) == (seq, reason)
    assert broken.message


def test_deleting_the_first_row_is_caught():
    broken = verify_chain(build_chain(4)[1:])
    assert (broken.seq, broken.index, broken.reason) == (2, 0, BreakReason.SEQ_GAP)
    broken = verify_chain(build_chain(4)[1:], start_seq=None)
    assert (broken.seq, broken.reason) == (2, BreakReason.LINK_MISMATCH)


def test_cutting_rows_off_the_end_is_caught_only_against_the_recorded_head():
    rows = build_chain(6)
    assert verify_chain(rows[:4]) is None
    broken = verify_chain(rows[:4], expected_head=rows[-1].hash)
    assert (broken.seq, broken.index, broken.reason) == (5, 4, BreakReason.TRUNCATED)
    broken = verify_chain([], expected_head=rows[-1].hash)
    assert (broken.seq, broken.reason) == (1, BreakReason.TRUNCATED)


def test_the_first_of_several_breaks_is_reported():
    rows = tamper(build_chain(8), "edit_hash")
    del rows[5]
    assert verify_chain(rows).seq == 3


def test_events_with_datetimes_verify_after_a_json_round_trip():
    event = {"type": "check_passed", "at": datetime(2024, 3, 1, 8, tzinfo=SHANGHAI)}
    row = (1, event, GENESIS, link_hash(None, event))
    stored = (1, json.loads(canonical_json(event)), GENESIS, row[3])
    assert verify_chain([row]) is None
    assert verify_chain([stored]) is None
