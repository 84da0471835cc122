"""Human review of face checks: a learner appeals a failed or missed check, regulators decide.

The rules are pure functions over frozen dataclasses (:func:`appeal_refusal`,
:func:`next_status`); :class:`AppealService` applies them. An overturn needs two different
reviewers: the first proposes it, a second confirms it. Each transition is one conditional
``UPDATE ... WHERE status = <expected>``, so of two reviewers deciding at once exactly one wins.
A confirmed overturn appends ``check_overturned`` to the learner's trace and rebuilds the
ledger from the trace (the replay credits the stretch the check voided).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from skilltrace.errors import DomainError
from skilltrace.faces.access import covers
from skilltrace.faces.appeal_models import (
    OPEN_APPEAL_STATUSES,
    AppealStatus,
    CheckAppeal,
    ReviewTransition,
)
from skilltrace.identity.models import Role, User
from skilltrace.study.amends import CHECK_OVERTURNED
from skilltrace.study.crediting import CreditingRules
from skilltrace.study.models import CheckStatus, FaceCheck
from skilltrace.study.rebuild import rebuild_ledger
from skilltrace.traces.models import TraceEvent
from skilltrace.traces.services import TraceLog

REASON_MIN, REASON_MAX = 5, 1000
COMMENT_MAX = 1000
APPEALABLE = (CheckStatus.FAILED, CheckStatus.MISSED)


class Action:
    """What a reviewer does with an appeal."""

    UPHOLD = "uphold"  # the verdict stands (open appeal)
    OVERTURN = "overturn"  # propose the overturn (open appeal)
    CONFIRM = "confirm"  # second reviewer: confirm a proposed overturn
    REJECT = "reject"  # second reviewer: the proposal is refused, the verdict stands

    ALL = (UPHOLD, OVERTURN, CONFIRM, REJECT)


# -- pure rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckFacts:
    """What decides whether a check may be appealed."""

    status: str
    decided_at: datetime | None
    has_open_appeal: bool
    has_decided_appeal: bool


def appeal_refusal(facts: CheckFacts, now: datetime, appeal_days: int) -> str | None:
    """Why this check may not be appealed now (a stable code), or None if it may."""
    if facts.status not in APPEALABLE or facts.decided_at is None:
        return "check_not_appealable"
    if facts.has_open_appeal:
        return "appeal_exists"
    if facts.has_decided_appeal:
        return "appeal_already_decided"
    if now > facts.decided_at + timedelta(days=appeal_days):
        return "appeal_window_closed"
    return None


def next_status(status: str, action: str, reviewer_id: int, proposer_id: int | None) -> str:
    """The appeal's status after ``action`` by ``reviewer_id``; raises DomainError if refused."""
    if action not in Action.ALL:
        raise _error("action_invalid", field="action")
    if status not in OPEN_APPEAL_STATUSES:
        raise _error("appeal_already_decided")
    if status == AppealStatus.OPEN:
        if action == Action.UPHOLD:
            return AppealStatus.UPHELD
        if action == Action.OVERTURN:
            return AppealStatus.OVERTURN_PROPOSED
        raise _error("no_overturn_proposed")
    if action not in (Action.CONFIRM, Action.REJECT):
        raise _error("overturn_already_proposed")
    if reviewer_id == proposer_id:
        raise _error("second_reviewer_required")
    return AppealStatus.OVERTURNED if action == Action.CONFIRM else AppealStatus.UPHELD


def clean_text(value, code: str, minimum: int, maximum: int, field: str) -> str:
    """Free text stripped of control characters, within the length bounds."""
    if not isinstance(value, str):
        raise _error(code, field=field)
    text = "".join(ch for ch in value if ch.isprintable() or ch in "\n\t").strip()
    if not minimum <= len(text) <= maximum:
        raise _error(code, field=field)
    return text


MESSAGES = {
    "check_not_found": (_l("No such face check."), 404),
    "appeal_not_found": (_l("No such appeal."), 404),
    "check_not_appealable": (_l("Only a failed or missed face check can be appealed."), 409),
    "appeal_exists": (_l("This face check already has an appeal under review."), 409),
    "appeal_already_decided": (_l("This appeal has already been decided."), 409),
    "appeal_window_closed": (
        _l("The time to appeal this face check has passed."),
        409,
    ),
    "reason_invalid": (
        _l("Explain in 5 to 1000 characters why the check was wrong."),
        422,
    ),
    "comment_invalid": (_l("Write a comment of 2 to 1000 characters."), 422),
    "action_invalid": (_l("Choose uphold, overturn, confirm or reject."), 422),
    "no_overturn_proposed": (_l("No overturn has been proposed for this appeal."), 409),
    "overturn_already_proposed": (
        _l("An overturn is proposed: a second reviewer confirms or rejects it."),
        409,
    ),
    "second_reviewer_required": (
        _l("A second reviewer must confirm the overturn you proposed."),
        409,
    ),
}


def _error(code: str, field: str | None = None) -> DomainError:
    message, status = MESSAGES[code]
    return DomainError(code, message, status=status, field=field)


# -- the service -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """A learner's check as their page lists it: the check, its latest appeal, whether and
    until when it may be appealed."""

    check: FaceCheck
    appeal: CheckAppeal | None
    refusal: str | None
    appeal_until: datetime | None


class AppealService:
    """Files and decides appeals; receives its collaborators."""

    def __init__(self, session: Session, trace: TraceLog, rules: CreditingRules, days: int):
        self.session, self.trace, self.rules, self.days = session, trace, rules, days

    def _appeals_of(self, check_ids: list[int]) -> dict[int, list[CheckAppeal]]:
        found: dict[int, list[CheckAppeal]] = {}
        if check_ids:
            for appeal in self.session.scalars(
                select(CheckAppeal)
                .where(CheckAppeal.check_id.in_(check_ids))
                .order_by(CheckAppeal.id)
            ):
                found.setdefault(appeal.check_id, []).append(appeal)
        return found

    def _facts(self, check: FaceCheck, appeals: list[CheckAppeal]) -> CheckFacts:
        return CheckFacts(
            check.status,
            check.decided_at,
            any(a.status in OPEN_APPEAL_STATUSES for a in appeals),
            any(a.status not in OPEN_APPEAL_STATUSES for a in appeals),
        )

    def learner_checks(self, learner_id: int, now: datetime, limit: int = 100) -> list[CheckRow]:
        """The learner's latest checks, newest first, with their appeals."""
        checks = list(
            self.session.scalars(
                select(FaceCheck)
                .where(FaceCheck.learner_id == learner_id)
                .order_by(FaceCheck.id.desc())
                .limit(limit)
            )
        )
        appeals = self._appeals_of([c.id for c in checks])
        rows = []
        for check in checks:
            mine = appeals.get(check.id, [])
            refusal = appeal_refusal(self._facts(check, mine), now, self.days)
            until = check.decided_at + timedelta(days=self.days) if check.decided_at else None
            rows.append(CheckRow(check, mine[-1] if mine else None, refusal, until))
        return rows

    def file(self, learner: User, check_id: int, reason, now: datetime) -> CheckAppeal:
        """Appeal one of the learner's own failed/missed checks (committed)."""
        check = self.session.get(FaceCheck, check_id, with_for_update=True)
        if check is None or check.learner_id != learner.id:
            raise _error("check_not_found")
        text = clean_text(reason, "reason_invalid", REASON_MIN, REASON_MAX, "reason")
        refusal = appeal_refusal(
            self._facts(check, self._appeals_of([check.id]).get(check.id, [])), now, self.days
        )
        if refusal:
            raise _error(refusal)
        appeal = CheckAppeal(check_id=check.id, learner_id=learner.id, reason=text, created_at=now)
        self.session.add(appeal)
        self.session.flush()
        self._audit(appeal, learner.id, None, AppealStatus.OPEN, None, now)
        self._notify_regulators(appeal)
        self.trace.append(
            learner.id,
            "check_appealed",
            {"check_id": check.id, "appeal_id": appeal.id, "check_status": check.status},
            session_id=check.session_id,
            at=now,
        )
        self.session.commit()
        return appeal

    def own_appeals(self, learner_id: int) -> list[CheckAppeal]:
        return list(
            self.session.scalars(
                select(CheckAppeal)
                .where(CheckAppeal.learner_id == learner_id)
                .order_by(CheckAppeal.id.desc())
            )
        )

    # -- regulators ---------------------------------------------------------------------------
    def queue(self, regulator: User) -> list[CheckAppeal]:
        """Undecided appeals of learners in the regulator's scope, oldest first."""
        appeals = self.session.scalars(
            select(CheckAppeal)
            .where(CheckAppeal.status.in_(OPEN_APPEAL_STATUSES))
            .order_by(CheckAppeal.id)
        )
        return [a for a in appeals if covers(self.session, regulator, a.learner_id)]

    def recent(self, regulator: User, limit: int = 30) -> list[CheckAppeal]:
        appeals = self.session.scalars(
            select(CheckAppeal)
            .where(CheckAppeal.status.not_in(OPEN_APPEAL_STATUSES))
            .order_by(CheckAppeal.decided_at.desc(), CheckAppeal.id.desc())
            .limit(limit)
        )
        return [a for a in appeals if covers(self.session, regulator, a.learner_id)]

    def visible(self, reader: User, appeal_id: int) -> CheckAppeal:
        """The appeal, for its learner or a regulator in scope (404 otherwise)."""
        appeal = self.session.get(CheckAppeal, appeal_id)
        if appeal is None or reader.role not in (Role.LEARNER, Role.REGULATOR):
            raise _error("appeal_not_found")
        if not covers(self.session, reader, appeal.learner_id):
            raise _error("appeal_not_found")
        return appeal

    def check_of(self, appeal: CheckAppeal) -> FaceCheck:
        return self.session.get(FaceCheck, appeal.check_id)

    def evidence(self, check: FaceCheck) -> dict:
        """Distances, liveness figures and reason of the check, from its trace events."""
        rows = self.session.scalars(
            select(TraceEvent)
            .where(
                TraceEvent.learner_id == check.learner_id,
                TraceEvent.session_id == check.session_id,
                TraceEvent.kind.in_(("check_failed", "check_missed", "check_passed")),
            )
            .order_by(TraceEvent.seq)
        )
        tries = []
        for row in rows:
            data = json.loads(row.event_json)["data"]
            if data.get("check_id") == check.id:
                tries.append({"kind": row.kind, "at": row.occurred_at, **data})
        distances = json.loads(check.distances_json) if check.distances_json else []
        last = tries[-1] if tries else {}
        return {
            "reason": check.reason,
            "distances": last.get("distances", distances),
            "liveness": last.get("liveness") or {},
            "challenge": last.get("challenge") or getattr(check, "challenge", None),
            "tries": tries,
        }

    def history(self, appeal: CheckAppeal) -> list[ReviewTransition]:
        return list(
            self.session.scalars(
                select(ReviewTransition)
                .where(
                    ReviewTransition.subject == "appeal", ReviewTransition.subject_id == appeal.id
                )
                .order_by(ReviewTransition.id)
            )
        )

    def decide(
        self, regulator: User, appeal_id: int, action: str, comment, now: datetime
    ) -> CheckAppeal:
        """Apply a reviewer's action (committed). Returns the appeal as it now stands."""
        if regulator.role != Role.REGULATOR:
            raise DomainError("forbidden", _l("You are not allowed to do this."), status=403)
        appeal = self.session.get(CheckAppeal, appeal_id)
        if appeal is None or not covers(self.session, regulator, appeal.learner_id):
            raise _error("appeal_not_found")
        text = clean_text(comment, "comment_invalid", 2, COMMENT_MAX, "comment")
        current = appeal.status
        target = next_status(current, action, regulator.id, appeal.proposed_by_id)
        values: dict = {"status": target}
        if target == AppealStatus.OVERTURN_PROPOSED:
            values.update(proposed_by_id=regulator.id, proposed_at=now, proposal_comment=text)
        else:
            values.update(decided_by_id=regulator.id, decided_at=now, decision_comment=text)
        condition = [CheckAppeal.id == appeal.id, CheckAppeal.status == current]
        if current == AppealStatus.OVERTURN_PROPOSED:
            condition.append(CheckAppeal.proposed_by_id != regulator.id)
        won = self.session.execute(
            update(CheckAppeal)
            .where(*condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            self.session.rollback()
            raise _error("appeal_already_decided")
        self._audit(appeal, regulator.id, current, target, text, now)
        check = self.session.get(FaceCheck, appeal.check_id)
        event = {
            AppealStatus.OVERTURN_PROPOSED: "check_overturn_proposed",
            AppealStatus.UPHELD: "check_appeal_upheld",
            AppealStatus.OVERTURNED: CHECK_OVERTURNED,
        }[target]
        self.trace.append(
            appeal.learner_id,
            event,
            {"check_id": appeal.check_id, "appeal_id": appeal.id, "reviewer_id": regulator.id},
            session_id=check.session_id,
            at=now,
        )
        if target == AppealStatus.OVERTURNED:
            rebuild_ledger(self.session, appeal.learner_id, self.rules)
        if target != AppealStatus.OVERTURN_PROPOSED:
            self._notify_learner(appeal, target, text)
        self.session.commit()
        self.session.refresh(appeal)
        return appeal

    def _notify_regulators(self, appeal: CheckAppeal) -> None:
        """A notice to every active regulator whose scope covers the appealing learner."""
        from skilltrace.courses.scope import sees_learner
        from skilltrace.notices.services import notify

        regulators = self.session.scalars(
            select(User).where(User.role == Role.REGULATOR, User.is_active_account.is_(True))
        )
        for regulator in regulators:
            if sees_learner(regulator, appeal.learner_id):
                notify(
                    regulator.id, "queue_item", {"what": "appeal"}, f"/faces/appeals/{appeal.id}"
                )

    def _notify_learner(self, appeal: CheckAppeal, target: str, comment: str) -> None:
        from skilltrace.notices.services import notify

        decision = "approved" if target == AppealStatus.OVERTURNED else "rejected"
        notify(
            appeal.learner_id,
            "appeal_decided",
            {"decision": decision, "note": comment},
            f"/faces/appeals/{appeal.id}",
        )

    def _audit(self, appeal, actor_id, from_state, to_state, comment, now) -> None:
        self.session.add(
            ReviewTransition(
                subject="appeal",
                subject_id=appeal.id,
                actor_id=actor_id,
                from_state=from_state,
                to_state=to_state,
                comment=comment,
                at=now,
            )
        )


def appeal_service() -> AppealService:
    """The appeal service wired to the current app."""
    from flask import current_app

    from skilltrace.extensions import db

    config = current_app.config
    rules = CreditingRules.from_config(config)
    return AppealService(db.session, TraceLog(db.session), rules, config["APPEAL_DAYS"])
