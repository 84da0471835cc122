"""Course and class forms. Field rules live in the services; forms carry CSRF and presence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from skilltrace.courses.labels import SKILL_LEVELS


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    occupation = StringField(_l("Occupation (工种)"), validators=[DataRequired(), Length(max=100)])
    skill_level = SelectField(
        _l("Skill level"), choices=[SelectChoice(v, label) for v, label in SKILL_LEVELS.items()]
    )
    hours = StringField(
        _l("Required learning hours (学时)"),
        validators=[DataRequired(), Length(max=10)],
        description=_l("Decimals allowed, e.g. 0.5."),
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save"))


class LessonForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[Length(max=200)])
    video = FileField(_l("Video (MP4 or WebM)"))
    submit = SubmitField(_l("Upload"))


class QuestionForm(FlaskForm):
    prompt = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=500)])
    options = TextAreaField(
        _l("Options, one per line"), validators=[DataRequired(), Length(max=1500)]
    )
    answer = IntegerField(
        _l("Number of the correct option"),
        validators=[InputRequired()],
        description=_l("Count from 1: 1 is the first line of the options, 2 the second, …"),
    )
    submit = SubmitField(_l("Add question"))


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class ClassForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    capacity = IntegerField(_l("Capacity"), validators=[InputRequired()])
    submit = SubmitField(_l("Open class"))


class RosterForm(FlaskForm):
    roster = FileField(
        _l("Roster file (CSV or XLSX)"),
        description=_l(
            "A header row with the columns name, ID number and mobile (姓名, 身份证号, 手机号)."
        ),
    )
    submit = SubmitField(_l("Import roster"))


class JoinForm(FlaskForm):
    code = StringField(_l("Class code"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("Join class"))


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[
            SelectChoice("active", _l("Active")),
            SelectChoice("suspended", _l("Suspended")),
            SelectChoice("blacklisted", _l("Blacklisted")),
        ],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Change status"))
