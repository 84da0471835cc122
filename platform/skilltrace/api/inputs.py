"""What a request may carry, checked as it is read, before any view: ids in paths within the
id range (:class:`IdConverter`), no control or format characters in form fields or uploaded
file names (:class:`CheckedRequest`; queries and JSON: ``frame.init_app``), numbers from a
query or form within the 32-bit range (:class:`BoundedValues`), JSON not nested too deeply
(:class:`BoundedJSONProvider`)."""

from __future__ import annotations

from flask import Request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from skilltrace.api.text import ID_MAX, first_unclean, parse_int, parse_number
from skilltrace.errors import DomainError

FIELD_CHARACTERS = _l("This field contains characters that are not allowed.")


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative integer no larger than the id range, so an
    id no row can have is a 404 rather than a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_unclean(pairs) -> None:
    field = first_unclean(pairs)
    if field is not None:
        raise DomainError("field_characters", FIELD_CHARACTERS, field=field)


class BoundedValues(ImmutableMultiDict):
    """Query and form values whose ``get(name, type=int)`` / ``type=float`` read only plain
    decimal numbers within the 32-bit range (``api.text.parse_int``/``parse_number``): any
    other value is the default, as a value ``int()`` cannot read always was. So an id, a
    page, a quantity or an amount from a query or form never reaches the database out of
    range, and ``inf``/``nan`` never reach arithmetic."""

    PARSERS = {int: parse_int, float: parse_number}

    def get(self, key, default=None, type=None):
        parse = self.PARSERS.get(type)
        if parse is None:
            return super().get(key, default, type)
        value = parse(super().get(key))
        return default if value is None else value

    def getlist(self, key, type=None):
        parse = self.PARSERS.get(type)
        if parse is None:
            return super().getlist(key, type)
        return [v for v in map(parse, super().getlist(key)) if v is not None]


class CheckedRequest(Request):
    """Form fields (urlencoded or multipart) are checked for control and format characters
    when they are parsed, i.e. after a view has set its own body size limit; numbers read
    from the query or a form are bounded (:class:`BoundedValues`)."""

    parameter_storage_class = BoundedValues

    def _load_form_data(self) -> None:
        super()._load_form_data()
        refuse_unclean(self.form.items(multi=True))
        # an uploaded file's name is kept (evidence, lesson videos): the same rule
        refuse_unclean((name, f.filename or "") for name, f in self.files.items(multi=True))


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON; a document nested too deeply to parse is invalid JSON (a 400), not a
    ``RecursionError`` (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
