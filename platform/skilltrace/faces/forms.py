"""Face forms: the enrollment upload (without JavaScript) and a regulator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length


class UploadForm(FlaskForm):
    image = MultipleFileField(
        _l("Photos of your face (1 to 3)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    submit = SubmitField(_l("Upload and enroll"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=500)])
    approve = SubmitField(lazy_pgettext("face case", "Approve"))
    reject = SubmitField(_l("Reject"))
