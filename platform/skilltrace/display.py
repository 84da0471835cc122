"""Small display helpers for templates: parentheses that suit the UI language."""

from __future__ import annotations

from flask_babel import get_locale
from markupsafe import Markup, escape


def paren(value) -> Markup:
    """``（value）`` in Chinese (full-width, no padding), `` (value)`` in English."""
    inner = escape(value)
    if str(get_locale()).startswith("zh"):
        return Markup(f"（{inner}）")
    return Markup(f" ({inner})")


def init_app(app) -> None:
    from skilltrace import timefmt

    app.jinja_env.filters["paren"] = paren
    timefmt.init_app(app)
