"""Learner-readable messages of the courses domain's error codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from skilltrace.courses.rules import RuleError
from skilltrace.errors import DomainError

MESSAGES = {
    "action_unknown": _l("This action does not exist."),
    "forbidden": _l("You are not allowed to do this."),
    "transition_invalid": _l("This step is not possible in the current state."),
    "provider_suspended": _l(
        "The training provider is suspended or blacklisted: this is not possible now."
    ),
    "provider_blacklisted": _l(
        "The training provider is blacklisted: it cannot open classes or claim subsidies."
    ),
    "comment_required": _l("Give a reason for the rejection."),
    "class_started": _l("The class has already started; it can no longer be approved."),
    "course_locked": _l("The course is under review. Withdraw it before editing."),
    "status_invalid": _l("Choose active, suspended or blacklisted."),
    "status_unchanged": _l("The provider already has this status."),
    "reason_required": _l("Give a reason for the status change."),
    "hours_invalid": _l("Enter the learning hours as a number from 0.1 to 999.9."),
    "hours_not_covered": _l(
        "The lessons are too short for the required learning hours: add lessons or lower the hours."
    ),
    "no_lessons": _l("Upload the course's lesson videos first, then submit it."),
    "start_in_past": _l("The class cannot start in the past."),
    "end_before_start": _l("The end date must not be before the start date."),
    "capacity_invalid": _l("The capacity must be between 1 and 10000."),
    "not_in_class": _l("You are not in a class of this course."),
    "course_not_approved": _l("This course is not approved (备案) at the moment."),
    "class_not_open": _l("This class is not open for study today."),
    "class_closed": _l("This class no longer accepts learners."),
    "class_full": _l("This class is full."),
    "quiz_answers_invalid": _l("Answer every question."),
    "lesson_not_found": _l("No such lesson."),
    "course_not_found": _l("No such course."),
    "class_not_found": _l("No such class."),
    "class_code_invalid": _l("This class code is not valid. Check it with your provider."),
    "title_invalid": _l("Enter a title (2 to 200 characters)."),
    "occupation_invalid": _l("Enter the occupation (工种), up to 100 characters."),
    "skill_level_invalid": _l("Choose a skill level."),
    "description_too_long": _l("The description can have at most 5000 characters."),
    "question_invalid": _l("Enter a question of up to 500 characters."),
    "options_invalid": _l(
        "Give 2 to 6 different options, one per line, each up to 200 characters."
    ),
    "answer_invalid": _l("Choose which option is correct."),
    "quiz_too_long": _l("A lesson quiz can have at most 10 questions."),
    "no_quiz": _l("This lesson has no quiz."),
    "learners_only": _l("Only learners can join classes."),
    "too_many_join_attempts": _l("Too many wrong class codes. Wait a while and try again."),
    "class_name_invalid": _l("Enter a class name (2 to 200 characters)."),
    "roster_unreadable": _l("The roster file could not be read. Upload a CSV or XLSX file."),
    "roster_columns": _l("The roster needs a header row with name, ID number and mobile columns."),
    "roster_empty": _l("The roster has no rows below its header."),
    "roster_too_long": _l("A roster can have at most 2000 rows."),
    "video_missing": _l("Choose a video file to upload."),
}


def refuse(code: str, status: int = 422, field: str | None = None) -> DomainError:
    """A DomainError with this code's message."""
    return DomainError(code, MESSAGES[code], status=status, field=field)


def from_rule(err: RuleError, field: str | None = None) -> DomainError:
    """Turn a pure rule's refusal into a DomainError."""
    return refuse(err.code, err.status, field)
