"""Rules for free text and ids, shared by the JSON schemas, the forms and the OpenAPI document.

- Free text never carries control or format characters (Unicode categories Cc and Cf, NUL
  among them) nor lone surrogates (Cs: JSON's ``"\\ud800"``, which no database can store;
  checked but not published: a pattern is UTF-8 text, which cannot hold one); multi-line
  fields may carry ``\\n``, ``\\r`` and ``\\t``.
- A real name is letters (any script, with their combining marks) in parts separated by one
  space or the middle dot ``·`` used in minority and foreign names.
- Ids are positive and fit a signed 32-bit integer (the narrowest id column: PostgreSQL).
- A number typed into a form or query is plain decimal digits (ASCII, optional sign, an
  optional fraction for amounts) within a signed 32-bit integer: ``²``, ``1e309``, ``nan``,
  ``0x10`` and ``2**63`` read as no number at all (:func:`parse_int`, :func:`parse_number`).

Each rule is a regular expression written once, both checked here and published in the
OpenAPI document (as ``pattern``), so the document says exactly what the server accepts.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ID_MAX = 2**31 - 1
INT_MIN = -(2**31)
LINE_BREAKS = "\n\r\t"
_INTEGER = re.compile(r"[+-]?[0-9]{1,10}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,10}(?:\.[0-9]*)?|\.[0-9]+)")


def parse_int(raw) -> int | None:
    """``raw`` (a form or query value) as a 32-bit integer; None when it is not one."""
    if not isinstance(raw, str) or not _INTEGER.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if INT_MIN <= value <= ID_MAX else None


def parse_number(raw) -> float | None:
    """``raw`` as a finite decimal number within the 32-bit range (yuan, percentages); None
    when it is not one (exponents, ``nan`` and ``inf`` included)."""
    if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw.strip()):
        return None
    value = float(raw.strip())
    return value if INT_MIN <= value <= ID_MAX else None


# Planes with assigned letters, controls or format characters (4-13 are unassigned; 15-16
# private use): the tables below are built from these code points only.
_PLANES = (range(0, 0x40000), range(0xE0000, 0xE1000))


@functools.cache
def _categories() -> dict[str, list[int]]:
    """Code points of the categories the rules use, in one pass over the Unicode database."""
    found: dict[str, list[int]] = {"C": [], "LM": []}
    for plane in _PLANES:
        for code in plane:
            category = unicodedata.category(chr(code))
            if category in ("Cc", "Cf"):
                found["C"].append(code)
            elif category[0] in "LM":
                found["LM"].append(code)
    return found


def _ranges(codes) -> str:
    """A regex character-class body of the code points ``codes`` (ascending)."""
    parts, start, prev = [], None, None
    for code in codes:
        if start is not None and code == prev + 1:
            prev = code
            continue
        if start is not None:
            parts.append(_span(start, prev))
        start = prev = code
    if start is not None:
        parts.append(_span(start, prev))
    return "".join(parts)


def _escape(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _span(start: int, end: int) -> str:
    first = _escape(chr(start))
    return first if start == end else f"{first}-{_escape(chr(end))}"


@functools.cache
def _forbidden_class(multiline: bool) -> str:
    allowed = {ord(c) for c in LINE_BREAKS} if multiline else set()
    return _ranges(code for code in _categories()["C"] if code not in allowed)


@functools.cache
def text_pattern(multiline: bool = False) -> str:
    """The pattern of free text: no control or format characters."""
    return f"^[^{_forbidden_class(multiline)}]*$"


@functools.cache
def name_pattern() -> str:
    """The pattern of a real name: letter runs joined by one space or a middle dot."""
    letters = _ranges(_categories()["LM"])
    return f"^[{letters}]+(?:[ ·][{letters}]+)*$"


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    return _compiled(pattern).fullmatch(value) is not None


_SURROGATE = re.compile("[\ud800-\udfff]")


def is_clean_text(value: str, multiline: bool = False) -> bool:
    """True when ``value`` has no control or format characters (bar line breaks if allowed)
    and no lone surrogate."""
    return matches(text_pattern(multiline), value) and not _SURROGATE.search(value)


def is_real_name(value: str) -> bool:
    return matches(name_pattern(), value)


# -- JSON schema property helpers (the schema layer in api/frame.py checks them) -----------
def text(max_length: int, *, min_length: int = 1, multiline: bool = False, **extra) -> dict:
    """A free-text string property."""
    return {
        "type": "string",
        "minLength": min_length,
        "maxLength": max_length,
        "pattern": text_pattern(multiline),
        **extra,
    }


def real_name(**extra) -> dict:
    """A real-name string property (2 to 64 characters)."""
    return {"type": "string", "minLength": 2, "maxLength": 64, "pattern": name_pattern(), **extra}


def id_property(**extra) -> dict:
    """An integer id property."""
    return {"type": "integer", "minimum": 1, "maximum": ID_MAX, **extra}


# -- WTForms validators (the same rules for pages) -----------------------------------------
class FreeText:
    """WTForms: no control or format characters (line breaks too unless ``multiline``)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        from flask_babel import gettext
        from wtforms.validators import ValidationError

        if field.data and not is_clean_text(field.data, self.multiline):
            raise ValidationError(gettext("This field contains characters that are not allowed."))


class RealName:
    """WTForms: a real name (see :func:`name_pattern`)."""

    def __call__(self, form, field) -> None:
        from flask_babel import gettext
        from wtforms.validators import ValidationError

        if field.data and not is_real_name(field.data.strip()):
            raise ValidationError(
                gettext(
                    "Enter your real name: letters, with a space or · between parts "
                    "(2 to 64 characters)."
                )
            )


def first_unclean(values) -> str | None:
    """The name of the first value (from ``(name, value)`` pairs, nested JSON walked) with
    control or format characters other than line breaks; None when all are clean."""
    stack = list(values)
    while stack:
        name, value = stack.pop()
        name = "" if name is None else str(name)  # a malformed multipart part has no name
        if isinstance(value, str):
            if not is_clean_text(value, multiline=True) or not is_clean_text(name, True):
                return name
        elif isinstance(value, dict):
            stack.extend((str(k), v) for k, v in value.items())
            if any(not is_clean_text(str(k), True) for k in value):
                return name
        elif isinstance(value, list):
            stack.extend((name, v) for v in value)
    return None
