"""Forms of the account pages (self-service and administration). Rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=128)]
    )
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class MobileChangeForm(FlaskForm):
    mobile = StringField(_l("New mobile number"), validators=[DataRequired(), Length(max=20)])
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=128)]
    )
    submit = SubmitField(_l("Change mobile number"))


class FindAccountForm(FlaskForm):
    login = StringField(_l("Mobile or ID number"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Find the account"))


class StaffForm(FlaskForm):
    """A new regulator, administrator or provider staff account (a first password is set)."""

    name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=64)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    id_number = StringField(_l("Resident ID number (optional)"), validators=[Length(max=18)])
    scope = SelectField(_l("Region"), choices=[], validate_choice=False)
    provider = SelectField(_l("Training provider"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Create the account"))


class ProviderForm(FlaskForm):
    name = StringField(_l("Training provider name"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), Length(max=18)]
    )
    city = SelectField(_l("City"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Register the provider"))
