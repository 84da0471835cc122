"""Face forms: the enrollment upload (without JavaScript) and a regulator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length


class UploadForm(FlaskForm):
    image = FileField(
        _l("Photo of your face"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )
    submit = SubmitField(_l("Upload and enroll"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=500)])
    approve = SubmitField(lazy_pgettext("face case", "Approve"))
    reject = SubmitField(_l("Reject"))
