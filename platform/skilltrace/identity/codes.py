"""Pure validators for identity codes: resident ID numbers, credit codes, mobile numbers.

Each returns the normalised value or raises :class:`CodeError` with a stable code.
"""

from __future__ import annotations

import re
from datetime import date

from skilltrace.regions import PROVINCE_CODES


class CodeError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str, today: date | None = None) -> str:
    """Validate an 18-digit resident ID number (GB 11643); returns it with an upper-case X.

    Codes: ``id_number_format`` (not 18 digits/X — 15-digit numbers are refused too),
    ``id_number_province`` (unknown province), ``id_number_birth_date`` (impossible or future
    date), ``id_number_checksum``.
    """
    value = (raw or "").strip().upper()
    if not _ID_RE.match(value):
        raise CodeError("id_number_format")
    if value[:2] not in PROVINCE_CODES:
        raise CodeError("id_number_province")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise CodeError("id_number_birth_date") from None
    if born > (today or date.today()) or born.year < 1900:
        raise CodeError("id_number_birth_date")
    if id_check_digit(value[:17]) != value[17]:
        raise CodeError("id_number_checksum")
    return value


def mask_id_number(value: str) -> str:
    """``610102********123X``: region code and last four only."""
    return value[:6] + "*" * 8 + value[-4:]


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(raw: str) -> str:
    """Mainland mobile number: 11 digits starting 13–19 (spaces/dashes and +86 tolerated)."""
    value = re.sub(r"[\s-]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    if not _MOBILE_RE.match(value):
        raise CodeError("mobile_format")
    return value


def mask_mobile(value: str) -> str:
    return value[:3] + "****" + value[-4:]


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """Unified social credit code (GB 32100): 18 characters, check character validated.

    Codes: ``credit_code_format``, ``credit_code_checksum``.
    """
    value = (raw or "").strip().upper()
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        raise CodeError("credit_code_format")
    if credit_check_char(value[:17]) != value[17]:
        raise CodeError("credit_code_checksum")
    return value
