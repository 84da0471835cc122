"""The one error type services raise; the API and the views render it."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a stable ``code``, a learner-readable ``message`` and an HTTP status.

    ``message`` is usually a lazy gettext string so it renders in the request's language.
    ``field`` names the form/JSON field at fault, when there is one. ``details`` adds
    entries to the API's error object (e.g. ``photos``: a verdict per enrollment photo); its
    lazy strings render in the request's language.
    """

    def __init__(
        self,
        code: str,
        message,
        status: int = 422,
        field: str | None = None,
        details: dict | None = None,
    ):
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.details = details or {}

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, status={self.status})"
