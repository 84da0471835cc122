"""Subsidy claims (补贴申领): built for a closed class with each trainee's decision previewed,
submitted by the provider, reviewed per trainee by a regulator in scope, then marked paid.

Races: the review moves the claim with a conditional UPDATE (``status = 'submitted'``), so two
regulators deciding at once cannot both win; each approved trainee becomes a ``SubsidyAward``
whose unique (class, learner) means a trainee is in at most one approved claim per class.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from skilltrace.audit import transition
from skilltrace.courses.classes import local_today
from skilltrace.courses.models import TrainingClass
from skilltrace.courses.rules import ClassStatus
from skilltrace.courses.services import cities_in_scope, is_staff_of, regulates
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.subsidy import rules
from skilltrace.subsidy.completion import close_class, completions
from skilltrace.subsidy.evidence import confirmed_groups, credit_code
from skilltrace.subsidy.facts import class_facts, trainee_facts
from skilltrace.subsidy.messages import refuse
from skilltrace.subsidy.models import (
    ClaimLine,
    ClaimTransition,
    SubsidyAward,
    SubsidyClaim,
)
from skilltrace.subsidy.payee import Payee, PayeeKind, clean_payee, payee_refusal
from skilltrace.traces.services import TraceLog

REVIEWS = ("approve", "partial", "reject")
# Called as hook(claim, line, regulator) for every approved trainee inside the review's
# transaction (vouchers write off here); an IntegrityError undoes the whole review.
AWARD_HOOKS: list = []


def claim_refusal_for_provider(provider: Provider) -> str | None:
    """Why this provider may not claim now (``provider_suspended``), or None.

    Suspended and blacklisted providers never claim; every check registered in
    ``app.extensions["skilltrace.claim_checks"]`` (``fn(provider_id) -> bool``, oversight's
    :func:`skilltrace.oversight.sanctions.may_claim`) must also allow it.
    """
    if provider.status != "active":
        return "provider_suspended"
    checks = current_app.extensions.get("skilltrace.claim_checks", ())
    return None if all(check(provider.id) for check in checks) else "provider_suspended"


# -- the claim's life --------------------------------------------------------------------------
def build_claim(
    user: User,
    class_: TrainingClass,
    kind: str = rules.Kind.EMPLOYMENT,
    company_code: str | None = None,
    wages: dict[int, int] | None = None,
    payee: Payee | None = None,
) -> SubsidyClaim:
    """A draft claim for a closed class with every trainee's decision (the preview).

    ``payee`` is who is paid: the provider (the default) or, for 以工代训 / 企业新型学徒, an
    enterprise (name and unified social credit code; for 以工代训 the code defaults to the
    claim's enterprise).

    An approved class past its end date is closed first (结业, recorded), so the claim
    endpoint alone takes a finished class to its decisions.
    """
    if not is_staff_of(user, class_.provider_id):
        raise refuse("forbidden", 403)
    refusal = claim_refusal_for_provider(class_.provider)
    if refusal:
        raise refuse(refusal, 403)
    if kind not in {k.value for k in rules.Kind}:
        raise refuse("kind_invalid", field="kind")
    if kind == rules.Kind.YIGONG and not company_code:
        raise refuse("company_required", field="company_credit_code")
    company_code = credit_code(company_code) if company_code else None
    payee = payee or Payee(PayeeKind.PROVIDER)
    if payee.kind == PayeeKind.ENTERPRISE and not payee.credit_code and kind == rules.Kind.YIGONG:
        payee = Payee(payee.kind, payee.name, company_code)
    refusal = payee_refusal(kind, payee, company_code)
    if refusal:
        raise refuse(refusal, field="payee")
    payee = clean_payee(payee)
    if payee.kind == PayeeKind.PROVIDER:
        payee = Payee(payee.kind, class_.provider.name, class_.provider.credit_code)
    if class_.status == ClassStatus.APPROVED and class_.end_date <= local_today():
        close_class(user, class_)  # a class that has ended is closed (结业) by its first claim
    if class_.status != ClassStatus.CLOSED:
        raise refuse("class_not_closed", 409)
    learner_ids = sorted(completions(class_))
    if not learner_ids:
        raise refuse("no_trainees", 409)
    wages = wages or {}
    for value in wages.values():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise refuse("wage_invalid", field="wages")
    claim = SubsidyClaim(
        class_id=class_.id,
        provider_id=class_.provider_id,
        kind=kind,
        company_credit_code=company_code,
        payee_kind=payee.kind,
        payee_name=payee.name,
        payee_credit_code=payee.credit_code,
        status="draft",
        created_by_id=user.id,
    )
    db.session.add(claim)
    db.session.flush()
    for learner_id in learner_ids:
        db.session.add(
            ClaimLine(
                claim_id=claim.id,
                learner_id=learner_id,
                wage_fen=wages.get(learner_id),
                eligible=False,
                amount_fen=0,
                allowance_fen=0,
            )
        )
    db.session.flush()
    _decide_lines(claim)
    transition(claim, ClaimTransition, user, "create", "draft", from_status="new")
    db.session.commit()
    return claim


def _decide_lines(claim: SubsidyClaim) -> None:
    """Run the engine over the claim's trainees and store each decision (not committed)."""
    class_ = db.session.get(TrainingClass, claim.class_id)
    lines = {line.learner_id: line for line in claim.lines}
    facts = class_facts(class_, claim.kind, claim.company_credit_code)
    wages = {i: line.wage_fen for i, line in lines.items()}
    for decision in rules.decide_all(trainee_facts(class_, sorted(lines), wages), facts):
        line = lines[decision.learner_id]
        line.eligible = decision.eligible
        line.amount_fen, line.allowance_fen = decision.amount_fen, decision.allowance_fen
        line.reasons = list(decision.reasons)
    claim.total_fen = sum(line.amount_fen + line.allowance_fen for line in claim.lines)


def refresh(claim: SubsidyClaim) -> SubsidyClaim:
    """A draft's decisions follow the evidence until it is submitted."""
    if claim.status == "draft":
        _decide_lines(claim)
        db.session.commit()
    return claim


def submit(user: User, claim: SubsidyClaim) -> SubsidyClaim:
    if not is_staff_of(user, claim.provider_id):
        raise refuse("forbidden", 403)
    refusal = claim_refusal_for_provider(claim.provider)
    if refusal:
        raise refuse(refusal, 403)
    if claim.status != "draft":
        raise refuse("claim_state", 409)
    _decide_lines(claim)
    transition(claim, ClaimTransition, user, "submit", "submitted")
    db.session.commit()
    return claim


def _checked_reviews(claim: SubsidyClaim, decisions: list) -> dict[int, dict]:
    by_learner: dict[int, dict] = {}
    for item in decisions if isinstance(decisions, list) else []:
        if isinstance(item, dict) and isinstance(item.get("learner_id"), int):
            by_learner[item["learner_id"]] = item
    lines = {line.learner_id: line for line in claim.lines}
    if set(by_learner) != set(lines):
        raise refuse("decision_invalid", field="decisions")
    for learner_id, item in by_learner.items():
        line, review = lines[learner_id], item.get("decision")
        comment = item.get("comment") or ""
        if review not in REVIEWS or not isinstance(comment, str) or len(comment) > 2000:
            raise refuse("decision_invalid", field="decisions")
        if review != "reject" and not line.eligible:
            raise refuse("decision_invalid", field="decisions")
        if review != "approve" and not comment.strip():
            raise refuse("comment_required", field="decisions")
        if review == "partial":
            amount, extra = item.get("amount_fen"), item.get("allowance_fen", line.allowance_fen)
            ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (amount, extra))
            if not ok or not (0 <= amount <= line.amount_fen and 0 <= extra <= line.allowance_fen):
                raise refuse("partial_amount_invalid", field="decisions")
            if amount + extra >= line.amount_fen + line.allowance_fen:
                raise refuse("partial_amount_invalid", field="decisions")
    return by_learner


def review(user: User, claim: SubsidyClaim, decisions: list) -> SubsidyClaim:
    """A regulator in scope decides every trainee (approve / partial / reject, with comments)."""
    if not regulates(user, claim.provider):
        raise refuse("forbidden", 403)
    if claim.status != "submitted":
        raise refuse("claim_state", 409)
    by_learner = _checked_reviews(claim, decisions)
    refusal = claim_refusal_for_provider(claim.provider)
    if refusal and any(item["decision"] != "reject" for item in by_learner.values()):
        raise refuse(refusal, 409)  # sanctioned since it submitted: nothing is awarded
    won = db.session.execute(
        update(SubsidyClaim)
        .where(SubsidyClaim.id == claim.id, SubsidyClaim.status == "submitted")
        .values(status="decided")
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise refuse("claim_already_decided", 409)
    class_ = db.session.get(TrainingClass, claim.class_id)
    course = class_.course
    students = confirmed_groups([line.learner_id for line in claim.lines])
    approved = []
    with db.session.no_autoflush:
        for line in claim.lines:
            item = by_learner[line.learner_id]
            line.review, line.comment = item["decision"], (item.get("comment") or "").strip()
            if line.review == "approve":
                line.approved_fen = line.amount_fen
                line.approved_allowance_fen = line.allowance_fen
            elif line.review == "partial":
                line.approved_fen = item["amount_fen"]
                line.approved_allowance_fen = item.get("allowance_fen", line.allowance_fen)
            if line.review == "reject":
                continue
            approved.append(line)
            db.session.add(
                SubsidyAward(
                    class_id=class_.id,
                    learner_id=line.learner_id,
                    claim_id=claim.id,
                    year=class_.end_date.year,
                    kind=claim.kind,
                    occupation=course.occupation,
                    level=course.skill_level,
                    while_student=rules.KeyGroup.STUDENT in students[line.learner_id],
                    amount_fen=line.approved_fen,
                    allowance_fen=line.approved_allowance_fen,
                )
            )
    try:
        db.session.flush()
        for line in approved:
            for hook in AWARD_HOOKS:
                hook(claim, line, user)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise refuse("trainee_already_awarded", 409) from None
    trace = TraceLog(db.session)
    for line in approved:
        trace.append(
            line.learner_id,
            "subsidy_approved",
            {"claim_id": claim.id, "class_id": class_.id, "amount_fen": line.approved_fen},
        )
    claim.total_fen = sum(line.approved_fen + line.approved_allowance_fen for line in claim.lines)
    ClaimTransition.record(claim, user, "decide", "submitted", "decided")
    _notify_decision(claim, approved)
    db.session.commit()
    return claim


def _notify_decision(claim: SubsidyClaim, approved: list) -> None:
    """Tell the provider's staff the claim was decided: approved (some or all) or rejected."""
    from skilltrace.notices.services import notify_provider_staff

    notify_provider_staff(
        claim.provider_id,
        "claim_decided",
        {
            "claim": str(claim.id),
            "decision": "approved" if approved else "rejected",
            "comment": f"{len(approved)}/{len(claim.lines)} · ¥{claim.total_fen / 100:.2f}",
        },
        f"/subsidy/claims/{claim.id}",
    )


def mark_paid(user: User, claim: SubsidyClaim) -> SubsidyClaim:
    if not regulates(user, claim.provider):
        raise refuse("forbidden", 403)
    won = db.session.execute(
        update(SubsidyClaim)
        .where(SubsidyClaim.id == claim.id, SubsidyClaim.status == "decided")
        .values(status="paid")
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise refuse("claim_state", 409)
    ClaimTransition.record(claim, user, "pay", "decided", "paid")
    db.session.commit()
    db.session.refresh(claim)
    return claim


# -- queries -----------------------------------------------------------------------------------
def can_see(user: User, claim: SubsidyClaim) -> bool:
    return (
        user.role == Role.ADMIN
        or is_staff_of(user, claim.provider_id)
        or regulates(user, claim.provider)
    )


def visible_claims(user: User) -> list[SubsidyClaim]:
    query = select(SubsidyClaim).order_by(SubsidyClaim.id.desc())
    if user.role == Role.PROVIDER_STAFF:
        query = query.where(SubsidyClaim.provider_id == user.provider_id)
    elif user.role == Role.REGULATOR:
        query = query.join(Provider, Provider.id == SubsidyClaim.provider_id).where(
            Provider.city_code.in_(cities_in_scope(user.region_scope)),
            SubsidyClaim.status != "draft",
        )
    elif user.role != Role.ADMIN:
        return []
    return list(db.session.scalars(query))


def learner_awards(learner_id: int) -> list[SubsidyAward]:
    return list(
        db.session.scalars(
            select(SubsidyAward)
            .where(SubsidyAward.learner_id == learner_id)
            .order_by(SubsidyAward.id.desc())
        )
    )


def has_award(class_id: int, learner_id: int) -> bool:
    """Whether this learner's subsidy for this class is approved (vouchers write off on it)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    SubsidyAward.class_id == class_id, SubsidyAward.learner_id == learner_id
                )
            )
        )
    )
