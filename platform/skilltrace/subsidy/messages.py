"""Readable messages of the subsidy domain's refusal codes and decision reason codes, and the
labels of its claim statuses, review decisions and history actions (pages and XLSX)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from skilltrace.errors import DomainError

MESSAGES = {
    "forbidden": _l("You are not allowed to do this."),
    "class_not_found": _l("No such class."),
    "claim_not_found": _l("No such claim."),
    "certificate_not_found": _l("No certificate matches this serial number and name."),
    "class_not_closed": _l("Close the class (结业) first."),
    "class_not_ended": _l("The class has not reached its end date yet."),
    "not_completed_learner": _l("This learner has not completed the class."),
    "not_in_class": _l("This learner is not in the class."),
    "score_invalid": _l("Enter a score and a pass mark from 0 to 100."),
    "evidence_required": _l("Describe the evidence (up to 2000 characters)."),
    "already_revoked": _l("This certificate is already revoked."),
    "reason_required": _l("Give a reason."),
    "group_invalid": _l("Choose a key group."),
    "record_not_found": _l("No such record."),
    "already_decided": _l("This record has already been decided."),
    "certificate_kind_invalid": _l("Choose the kind of certificate."),
    "certificate_number_invalid": _l("Enter the certificate number (up to 40 characters)."),
    "certificate_duplicate": _l("This certificate is already recorded."),
    "level_invalid": _l("Choose a skill level."),
    "occupation_invalid": _l("Enter the occupation (工种), up to 100 characters."),
    "date_invalid": _l("Enter a valid date (YYYY-MM-DD)."),
    "employer_invalid": _l("Enter the employer's name (up to 200 characters)."),
    "credit_code_invalid": _l("Enter a valid unified social credit code."),
    "evidence_kind_invalid": _l(
        "Choose the evidence: contract, social-insurance record or business licence."
    ),
    "followup_window": _l("Employment must start within the follow-up period after completion."),
    "kind_invalid": _l("Choose a training kind."),
    "amount_invalid": _l("Enter an amount in fen from 0 to 100000000."),
    "region_invalid": _l("Standards are set for the province or a city in your scope."),
    "claim_state": _l("This step is not possible in the current state of the claim."),
    "claim_already_decided": _l("Another regulator has already decided this claim."),
    "trainee_already_awarded": _l(
        "A trainee of this claim has already been approved in another claim of this class."
    ),
    "decision_invalid": _l("Decide every trainee: approve, partial or reject."),
    "partial_amount_invalid": _l("A partial approval needs an amount below the decided amount."),
    "comment_required": _l("Give a comment for a partial approval or a rejection."),
    "provider_suspended": _l(
        "The training provider is suspended or blacklisted: it cannot claim subsidies."
    ),
    "payee_kind_invalid": _l("Choose who is paid: the training provider or an enterprise."),
    "payee_enterprise_not_allowed": _l(
        "Only 以工代训 and 企业新型学徒 subsidies may be paid directly to an enterprise."
    ),
    "payee_name_invalid": _l("Enter the enterprise's name (2 to 200 characters)."),
    "payee_credit_code_invalid": _l("Enter the enterprise's valid unified social credit code."),
    "payee_not_company": _l(
        "A 以工代训 subsidy is paid to the enterprise that trained in place of work."
    ),
    "company_required": _l("以工代训 claims name the enterprise's unified social credit code."),
    "wage_invalid": _l("Enter the monthly wage in fen."),
    "no_trainees": _l("The class has no trainees to claim for."),
    "too_many_requests": _l("Too many requests. Wait a moment and try again."),
}

# Reason codes of decisions and of non-completion, as a provider reads them.
REASONS = {
    "not_registered": _l("Not registered under real name with consent and face enrollment."),
    "not_completed": _l("Has not completed the class."),
    "annual_limit": _l("Already 3 subsidised trainings this year."),
    "duplicate_occupation_level": _l("Already subsidised for this occupation and level."),
    "tier_unemployed_not_paid": _l(
        "The class employment rate is below 30 percent: only employed trainees are paid."
    ),
    "yigong_once": _l("以工代训 is subsidised once per worker."),
    "company_excluded_arrears": _l("The enterprise owed wages to migrant workers since 2020."),
    "company_excluded_unaware": _l(
        "A fifth or more of the sampled trainees did not know they were in 以工代训."
    ),
    "below_min_wage": _l("The wage is below the local minimum wage."),
    "student_once": _l("A student is subsidised once while enrolled."),
    "no_standard": _l("No subsidy standard applies to this occupation, level and kind."),
    "already_awarded": _l("Already approved in another claim of this class."),
    "allowance_cap": _l("The living and transport allowance is capped at 2,500 yuan."),
    "allowance_once_a_year": _l("The living and transport allowance is paid once a year."),
    "yigong_no_certificate": _l("No certificate this year: 70 percent of the 以工代训 standard."),
    "yigong_certificate_standard": _l(
        "Certificate this year: the higher of its standard and the 以工代训 standard."
    ),
    "lessons_incomplete": _l("Not every lesson is complete."),
    "hours_short": _l("Fewer attested learning hours than the course requires."),
    "assessment_not_passed": _l("The assessment (quizzes or offline exam) is not passed."),
}

# Training kinds (培训类别) of standards and claims.
KIND_LABELS = {
    "employment": _l("Employment skills training (就业技能培训)"),
    "upgrading": _l("On-the-job upgrading (岗位技能提升)"),
    "startup": _l("Startup training (创业培训)"),
    "yigong": _l("Training in place of work (以工代训)"),
    "apprentice": _l("New enterprise apprenticeship (企业新型学徒)"),
    "school": _l("School–school cooperation (校校合作)"),
}
# Key groups (重点群体) a regulator confirms.
GROUP_LABELS = {
    "migrant_worker": _l("Migrant worker (农民工)"),
    "poverty_alleviated": _l("Lifted out of poverty (脱贫人口)"),
    "two_after": _l("Junior/senior graduate not continuing (两后生)"),
    "graduate": _l("College graduate (高校毕业生)"),
    "student": _l("College student (在校大学生)"),
    "laid_off": _l("Laid-off or unemployed (下岗失业人员)"),
    "veteran": _l("Veteran (退役军人)"),
    "hardship": _l("Hard to employ, incl. disabled (就业困难人员)"),
    "zero_employment": _l("Zero-employment family (零就业家庭成员)"),
    "dibao": _l("Minimum-living-allowance family (城乡低保家庭学员)"),
}
# A claim's statuses (and "new", the from-status of its first history step).
CLAIM_STATUSES = {
    "new": lazy_pgettext("subsidy claim", "New"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted, awaiting review"),
    "decided": _l("Reviewed, awaiting payment"),
    "paid": lazy_pgettext("subsidy claim", "Paid"),
}
# A trainee line's review decision.
LINE_REVIEWS = {
    "pending": _l("Not reviewed yet"),
    "approve": lazy_pgettext("subsidy claim", "Approved"),
    "partial": _l("Partially approved"),
    "reject": lazy_pgettext("subsidy claim", "Rejected"),
}
# The steps of a claim's history.
CLAIM_ACTIONS = {
    "create": _l("Claim built"),
    "submit": lazy_pgettext("history action", "Submitted"),
    "decide": lazy_pgettext("subsidy claim", "Reviewed"),
    "pay": _l("Marked paid"),
}


def refuse(code: str, status: int = 422, field: str | None = None) -> DomainError:
    """A DomainError with this code's message."""
    return DomainError(code, MESSAGES[code], status=status, field=field)


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))
