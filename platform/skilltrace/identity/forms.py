"""Identity forms. Field rules live in the services; forms carry CSRF and presence checks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from skilltrace.api.text import FreeText, RealName


class RegisterForm(FlaskForm):
    name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=64), RealName()])
    id_number = StringField(_l("Resident ID number"), validators=[DataRequired(), Length(max=18)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent = BooleanField(
        _l(
            "I consent to SkillTrace processing my identity data and face images to verify "
            "my identity during subsidised training."
        )
    )
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    login = StringField(_l("ID number or mobile"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Log in"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100), FreeText()])
    submit = SubmitField(_l("Create token"))
