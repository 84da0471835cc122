"""What a person reads on a page: the text between the tags, without attributes, scripts or
styles (a ``data-status="paid"`` attribute is for scripts and tests, not shown)."""

from __future__ import annotations

import re

_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[A-Za-z][A-Za-z_]*[A-Za-z]")


def shown_text(html: str) -> str:
    """The page's visible text (tags and their attributes removed)."""
    return _TAG.sub(" ", _HIDDEN.sub(" ", html))


def raw_codes(html: str, codes) -> set[str]:
    """The developer codes among ``codes`` that a person would read on the page."""
    return set(codes) & set(_WORD.findall(shown_text(html)))
