"""Pure rules of the subsidy domain: class completion (结业) and each trainee's subsidy decision.

Nothing here touches Flask or the database: frozen dataclasses in, a :class:`Decision` out, with
stable reason codes (other systems rely on these names) and amounts in fen (integers). Each rule
is one function with its own parametrised table test (``tests/subsidy/test_rules.py``).

Hukou and residence are carried in :class:`Trainee` only to prove they are never read: the
notice forbids restricting subsidies by region or household registration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Kind(enum.StrEnum):
    """Training kinds (培训类别) a standard and a claim are made for."""

    EMPLOYMENT = "employment"  # 就业技能培训
    UPGRADING = "upgrading"  # 岗位技能提升
    STARTUP = "startup"  # 创业培训
    YIGONG = "yigong"  # 以工代训
    APPRENTICE = "apprentice"  # 企业新型学徒
    SCHOOL = "school"  # 校校合作


class KeyGroup(enum.StrEnum):
    """Key groups (重点群体) of the notice."""

    MIGRANT_WORKER = "migrant_worker"  # 农民工
    POVERTY_ALLEVIATED = "poverty_alleviated"  # 脱贫人口
    TWO_AFTER = "two_after"  # 两后生 (rural / urban-低保 junior or senior graduates)
    GRADUATE = "graduate"  # 高校毕业生
    STUDENT = "student"  # 在校大学生
    LAID_OFF = "laid_off"  # 下岗失业人员
    VETERAN = "veteran"  # 退役军人
    HARDSHIP = "hardship"  # 就业困难人员 (含残疾人)
    ZERO_EMPLOYMENT = "zero_employment"  # 零就业家庭成员
    DIBAO = "dibao"  # 城乡低保家庭学员


# Groups paid a living and transport allowance (生活费/交通费补贴).
ALLOWANCE_GROUPS = frozenset(
    {KeyGroup.POVERTY_ALLEVIATED, KeyGroup.HARDSHIP, KeyGroup.ZERO_EMPLOYMENT, KeyGroup.TWO_AFTER}
)
LIVING_FEN_PER_DAY = 2_000  # ≤ 20 yuan
TRANSPORT_FEN_PER_DAY = 3_000  # ≤ 30 yuan
ALLOWANCE_CAP_FEN = 250_000  # ≤ 2,500 yuan per training period
ANNUAL_LIMIT = 3  # subsidised trainings per worker per calendar year (以工代训 not counted)
EMPLOYMENT_RATE_MIN_PERCENT = 30
YIGONG_NO_CERTIFICATE_PERCENT = 70
UNAWARE_EXCLUDES_PERCENT = 20

# Refusals (the trainee gets nothing) in the order they are reported.
NOT_REGISTERED = "not_registered"
NOT_COMPLETED = "not_completed"
ANNUAL_LIMIT_REASON = "annual_limit"
DUPLICATE = "duplicate_occupation_level"
TIER_UNEMPLOYED = "tier_unemployed_not_paid"
YIGONG_ONCE = "yigong_once"
ARREARS = "company_excluded_arrears"
UNAWARE = "company_excluded_unaware"
BELOW_MIN_WAGE = "below_min_wage"
STUDENT_ONCE = "student_once"
NO_STANDARD = "no_standard"
ALREADY_AWARDED = "already_awarded"
# Notes (the trainee is still paid).
ALLOWANCE_CAP = "allowance_cap"
ALLOWANCE_ONCE = "allowance_once_a_year"
YIGONG_NO_CERTIFICATE = "yigong_no_certificate"
YIGONG_CERTIFICATE = "yigong_certificate_standard"

REFUSALS = (
    NOT_REGISTERED,
    NOT_COMPLETED,
    ALREADY_AWARDED,
    ANNUAL_LIMIT_REASON,
    DUPLICATE,
    STUDENT_ONCE,
    YIGONG_ONCE,
    ARREARS,
    UNAWARE,
    BELOW_MIN_WAGE,
    TIER_UNEMPLOYED,
    NO_STANDARD,
)


# -- completion (结业) --------------------------------------------------------------------------
@dataclass(frozen=True)
class CompletionFacts:
    """One learner's ledger for one class: coverage per lesson, attested and required 学时."""

    lesson_coverage: tuple[float, ...]  # covered ÷ duration, per current lesson
    attested_hours: float
    required_hours: float
    has_quizzes: bool
    quizzes_passed: bool  # every quiz of the course passed in this class
    offline_exam_passed: bool | None = None  # None when no offline exam was recorded


def completion_reasons(facts: CompletionFacts, lesson_ratio: float) -> tuple[str, ...]:
    """Why a learner does not complete (empty: completed).

    ``lessons_incomplete`` (a lesson's attested coverage is below ``lesson_ratio``),
    ``hours_short`` (attested 学时 below the course's), ``assessment_not_passed`` (neither the
    course quizzes nor a recorded offline exam were passed).
    """
    reasons = []
    if not facts.lesson_coverage or any(c < lesson_ratio for c in facts.lesson_coverage):
        reasons.append("lessons_incomplete")
    if facts.attested_hours + 1e-9 < facts.required_hours:
        reasons.append("hours_short")
    if facts.offline_exam_passed is not None:
        passed = facts.offline_exam_passed
    else:
        passed = facts.has_quizzes and facts.quizzes_passed
    if not passed:
        reasons.append("assessment_not_passed")
    return tuple(reasons)


# -- decision inputs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PastSubsidy:
    """A subsidy already approved for this worker (another class)."""

    year: int
    kind: str
    occupation: str
    level: str
    while_student: bool = False
    allowance_fen: int = 0


@dataclass(frozen=True)
class Certificate:
    """An occupational certificate the worker holds (ours or one recorded from elsewhere)."""

    occupation: str
    level: str
    issued_on: date


@dataclass(frozen=True)
class Trainee:
    learner_id: int
    real_name: bool
    consented: bool
    face_enrolled: bool
    completed: bool
    key_groups: frozenset[str] = frozenset()  # confirmed by a regulator
    employed: bool = False  # employment recorded within the follow-up window
    study_days: int = 0  # days with attested study in this class
    attested_hours: float = 0.0
    past: tuple[PastSubsidy, ...] = ()
    certificates: tuple[Certificate, ...] = ()
    wage_fen: int | None = None  # monthly wage (以工代训)
    awarded_in_class: bool = False  # already approved in another claim of this class
    hukou: str = ""  # never read by any rule
    residence: str = ""  # never read by any rule


@dataclass(frozen=True)
class Company:
    """The enterprise of a 以工代训 claim, as a regulator recorded it."""

    arrears_since_2020: bool = False
    sampled: int = 0  # trainees asked in spot checks
    unaware: int = 0  # of them, did not know they were in 以工代训
    min_wage_fen: int = 0  # the local monthly minimum wage
    surveyed_unaware_share: float = 0.0  # regulators' spot-check surveys of the provider that year

    @property
    def unaware_share(self) -> float:
        """The stronger of the two pieces of evidence: the company record or the surveys."""
        recorded = self.unaware / self.sampled if self.sampled else 0.0
        return max(recorded, self.surveyed_unaware_share)


@dataclass(frozen=True)
class ClassFacts:
    """The class being claimed and the standard that applies to it."""

    kind: str
    occupation: str
    level: str
    year: int
    standard_fen: int | None  # per person, or per 学时 when ``per_hour``
    per_hour: bool = False
    required_hours: float = 0.0
    key_group_class: bool = False
    completed: int = 0
    employed: int = 0
    company: Company = field(default_factory=Company)
    # standard of each (occupation, level) for 以工代训 with a certificate
    certificate_standards: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class Decision:
    learner_id: int
    eligible: bool
    amount_fen: int
    allowance_fen: int
    reasons: tuple[str, ...]


# -- one function per rule ---------------------------------------------------------------------
def registered(t: Trainee) -> str | None:
    """凡补必进，不进不补: real name, consent and an active face enrollment."""
    return None if (t.real_name and t.consented and t.face_enrolled) else NOT_REGISTERED


def completed(t: Trainee) -> str | None:
    return None if t.completed else NOT_COMPLETED


def annual_limit(t: Trainee, c: ClassFacts) -> str | None:
    """At most 3 subsidised trainings a calendar year; 以工代训 neither counts nor is limited."""
    if c.kind == Kind.YIGONG:
        return None
    counted = sum(1 for p in t.past if p.year == c.year and p.kind != Kind.YIGONG)
    return ANNUAL_LIMIT_REASON if counted >= ANNUAL_LIMIT else None


def duplicate_occupation_level(t: Trainee, c: ClassFacts) -> str | None:
    """The same occupation and level is not subsidised twice."""
    same = any(p.occupation == c.occupation and p.level == c.level for p in t.past)
    return DUPLICATE if same else None


def student_once(t: Trainee, c: ClassFacts) -> str | None:
    """在校大学生: one skill-training subsidy while enrolled; startup training not counted."""
    if KeyGroup.STUDENT not in t.key_groups or c.kind == Kind.STARTUP:
        return None
    used = any(p.while_student and p.kind != Kind.STARTUP for p in t.past)
    return STUDENT_ONCE if used else None


def employment_rate_ok(c: ClassFacts) -> bool:
    """employed ÷ completed ≥ 30 % (integer arithmetic: 3 of 10 passes, 29 of 100 does not)."""
    return c.employed * 100 >= EMPLOYMENT_RATE_MIN_PERCENT * c.completed


def tier_unemployed(t: Trainee, c: ClassFacts) -> str | None:
    """Key-group classes under 30 % employment pay only the employed."""
    if not c.key_group_class or t.employed or employment_rate_ok(c):
        return None
    return TIER_UNEMPLOYED


def yigong_refusals(t: Trainee, c: ClassFacts) -> tuple[str, ...]:
    """以工代训: once per worker ever; company exclusions; wage below the local minimum."""
    if c.kind != Kind.YIGONG:
        return ()
    reasons = []
    if any(p.kind == Kind.YIGONG for p in t.past):
        reasons.append(YIGONG_ONCE)
    if c.company.arrears_since_2020:
        reasons.append(ARREARS)
    if c.company.unaware_share * 100 >= UNAWARE_EXCLUDES_PERCENT - 1e-9:
        reasons.append(UNAWARE)
    if t.wage_fen is not None and t.wage_fen < c.company.min_wage_fen:
        reasons.append(BELOW_MIN_WAGE)
    return tuple(reasons)


def base_amount(c: ClassFacts, attested_hours: float) -> int | None:
    """The standard for this class: per person, or per 学时 up to the required 学时."""
    if c.standard_fen is None:
        return None
    if not c.per_hour:
        return c.standard_fen
    hours = min(attested_hours, c.required_hours)
    return int(c.standard_fen * hours)


def yigong_amount(t: Trainee, c: ClassFacts, standard_fen: int) -> tuple[int, str]:
    """A certificate in the class year → the higher of its occupation's standard and the
    以工代训 standard; no certificate → 70 % of the 以工代训 standard."""
    table = {(occ, lvl): fen for occ, lvl, fen in c.certificate_standards}
    certs = [cert for cert in t.certificates if cert.issued_on.year == c.year]
    if not certs:
        return standard_fen * YIGONG_NO_CERTIFICATE_PERCENT // 100, YIGONG_NO_CERTIFICATE
    best = max(table.get((cert.occupation, cert.level), 0) for cert in certs)
    return max(best, standard_fen), YIGONG_CERTIFICATE


def allowance(t: Trainee, c: ClassFacts) -> tuple[int, tuple[str, ...]]:
    """Living ≤ 20 + transport ≤ 30 yuan per study day, ≤ 2,500 yuan, once a calendar year."""
    if not (t.key_groups & ALLOWANCE_GROUPS) or t.study_days <= 0:
        return 0, ()
    if any(p.year == c.year and p.allowance_fen > 0 for p in t.past):
        return 0, (ALLOWANCE_ONCE,)
    amount = t.study_days * (LIVING_FEN_PER_DAY + TRANSPORT_FEN_PER_DAY)
    if amount > ALLOWANCE_CAP_FEN:
        return ALLOWANCE_CAP_FEN, (ALLOWANCE_CAP,)
    return amount, ()


def decide(t: Trainee, c: ClassFacts) -> Decision:
    """Every rule in turn: refusals first (nothing paid), then the amount and the allowance."""
    refusals = [
        r
        for r in (
            registered(t),
            completed(t),
            ALREADY_AWARDED if t.awarded_in_class else None,
            annual_limit(t, c),
            duplicate_occupation_level(t, c),
            student_once(t, c),
            *yigong_refusals(t, c),
            tier_unemployed(t, c),
        )
        if r
    ]
    base = base_amount(c, t.attested_hours)
    if base is None:
        refusals.append(NO_STANDARD)
    if refusals:
        return Decision(t.learner_id, False, 0, 0, tuple(refusals))
    notes: list[str] = []
    amount = base
    if c.kind == Kind.YIGONG:
        amount, note = yigong_amount(t, c, base)
        notes.append(note)
    extra, allowance_notes = allowance(t, c)
    return Decision(t.learner_id, True, amount, extra, (*notes, *allowance_notes))


def decide_all(trainees: list[Trainee], c: ClassFacts) -> list[Decision]:
    return [decide(t, c) for t in trainees]
