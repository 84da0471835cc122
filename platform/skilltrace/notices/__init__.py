"""Notices: in-app messages for what people wait for, with an SMS seam that sends nothing."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from skilltrace.notices import models, views  # noqa: F401 (models for migrations)
    from skilltrace.notices.services import unread_count

    app.register_blueprint(views.bp)

    @app.context_processor
    def inject_notices():
        def unread_notices() -> int:
            return unread_count(current_user.id) if current_user.is_authenticated else 0

        return {"unread_notices": unread_notices}
