"""Warning rules (异常预警): pure functions from plain facts to findings, no Flask, no database.

Each rule has a stable ``code``, a ``severity`` and reads its thresholds from
:class:`WarningSettings` (settings ``OVERSIGHT_*``). :mod:`skilltrace.oversight.warnings` gathers
the facts from the trace and the ledger and stores the findings; a finding carries the learners
and trace events behind it (the drill-down).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class WarningSettings:
    takeover_min: int = 3  # take-overs per learner in the window
    shared_ip_window_s: int = 300  # sessions from one IP within this many seconds
    shared_ip_min_accounts: int = 3
    check_failure_rate: float = 0.3  # failed or missed share of decided checks
    appeal_rate: float = 0.1  # overturned share of decided checks
    rate_min_checks: int = 20  # fewer decided checks: no rate warning
    cap_days_min: int = 5  # days at the daily cap in the window
    anomaly_burst_min: int = 10  # rate/seek anomalies of one learner within an hour
    uniform_min_learners: int = 5
    uniform_max_cv: float = 0.02  # coefficient of variation of hours per learner

    @classmethod
    def from_config(cls, config) -> WarningSettings:
        return cls(
            takeover_min=int(config["OVERSIGHT_TAKEOVER_MIN"]),
            shared_ip_window_s=int(config["OVERSIGHT_SHARED_IP_WINDOW_S"]),
            shared_ip_min_accounts=int(config["OVERSIGHT_SHARED_IP_MIN_ACCOUNTS"]),
            check_failure_rate=float(config["OVERSIGHT_CHECK_FAILURE_RATE"]),
            appeal_rate=float(config["OVERSIGHT_APPEAL_RATE"]),
            rate_min_checks=int(config["OVERSIGHT_RATE_MIN_CHECKS"]),
            cap_days_min=int(config["OVERSIGHT_CAP_DAYS_MIN"]),
            anomaly_burst_min=int(config["OVERSIGHT_ANOMALY_BURST_MIN"]),
            uniform_min_learners=int(config["OVERSIGHT_UNIFORM_MIN_LEARNERS"]),
            uniform_max_cv=float(config["OVERSIGHT_UNIFORM_MAX_CV"]),
        )


# -- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A trace event: its id, learner, time (epoch seconds) and what matters of its data."""

    id: int
    learner_id: int
    at: float
    detail: str = ""  # e.g. the IP of a session start, the anomaly code


@dataclass(frozen=True)
class CheckCounts:
    """Decided face checks of one class (passed, failed, missed, overturned on appeal)."""

    class_id: int
    provider_id: int
    passed: int
    failed: int
    missed: int
    overturned: int = 0
    learner_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReviewCase:
    case_id: int
    learner_id: int
    kind: str  # duplicate_identity | reenrollment
    matched_learner_id: int | None = None
    status: str = "open"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    subject: str  # what the finding is about: "learner:12", "class:3", "ip:1.2.3.4"
    learner_ids: tuple[int, ...] = ()
    event_ids: tuple[int, ...] = ()
    figures: dict = field(default_factory=dict)
    class_id: int | None = None
    provider_id: int | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the rules read, gathered for one window."""

    takeovers: Sequence[Event] = ()
    session_starts: Sequence[Event] = ()  # detail = client IP
    anomalies: Sequence[Event] = ()  # detail = anomaly code
    check_counts: Sequence[CheckCounts] = ()
    cap_days: dict[int, Sequence[str]] = field(default_factory=dict)  # learner -> days at cap
    review_cases: Sequence[ReviewCase] = ()
    class_hours: dict[int, dict[int, float]] = field(default_factory=dict)  # class -> learner -> s


# -- rules ---------------------------------------------------------------------------------


def takeovers_across_devices(facts: Facts, s: WarningSettings) -> list[Finding]:
    """A learner whose sessions are taken over from another page or device again and again."""
    by_learner: dict[int, list[Event]] = defaultdict(list)
    for event in facts.takeovers:
        by_learner[event.learner_id].append(event)
    return [
        Finding(
            "takeover_repeated",
            MEDIUM,
            f"learner:{learner}",
            (learner,),
            tuple(sorted(e.id for e in events)),
            {"takeovers": len(events)},
        )
        for learner, events in sorted(by_learner.items())
        if len(events) >= s.takeover_min
    ]


def shared_ip(facts: Facts, s: WarningSettings) -> list[Finding]:
    """Several accounts starting study from one IP within a short window (one finding per IP)."""
    by_ip: dict[str, list[Event]] = defaultdict(list)
    for event in facts.session_starts:
        if event.detail:
            by_ip[event.detail].append(event)
    findings = []
    for ip, events in sorted(by_ip.items()):
        events.sort(key=lambda e: e.at)
        best: list[Event] = []
        start = 0
        for end in range(len(events)):
            while events[end].at - events[start].at > s.shared_ip_window_s:
                start += 1
            window = events[start : end + 1]
            if len({e.learner_id for e in window}) > len({e.learner_id for e in best}):
                best = window
        accounts = sorted({e.learner_id for e in best})
        if len(accounts) >= s.shared_ip_min_accounts:
            findings.append(
                Finding(
                    "shared_ip",
                    HIGH,
                    f"ip:{ip}",
                    tuple(accounts),
                    tuple(e.id for e in best),
                    {"ip": ip, "accounts": len(accounts), "window_s": s.shared_ip_window_s},
                )
            )
    return findings


def check_rates(facts: Facts, s: WarningSettings) -> list[Finding]:
    """Classes (and their providers) whose face-check failure or appeal rate is too high."""
    findings = []
    by_provider: dict[int, list[CheckCounts]] = defaultdict(list)
    for counts in facts.check_counts:
        by_provider[counts.provider_id].append(counts)
    groups = [(f"class:{c.class_id}", c.class_id, c.provider_id, [c]) for c in facts.check_counts]
    groups += [(f"provider:{p}", None, p, rows) for p, rows in sorted(by_provider.items())]
    for subject, class_id, provider_id, rows in groups:
        decided = sum(r.passed + r.failed + r.missed for r in rows)
        if decided < s.rate_min_checks:
            continue
        failed = sum(r.failed + r.missed for r in rows)
        overturned = sum(r.overturned for r in rows)
        learners = tuple(sorted({x for r in rows for x in r.learner_ids}))
        figures = {
            "decided": decided,
            "failed": failed,
            "overturned": overturned,
            "failure_rate": round(failed / decided, 4),
            "appeal_rate": round(overturned / decided, 4),
        }
        for code, value, limit in (
            ("check_failure_rate", failed / decided, s.check_failure_rate),
            ("appeal_rate", overturned / decided, s.appeal_rate),
        ):
            if value > limit:
                findings.append(
                    Finding(code, HIGH, subject, learners, (), figures, class_id, provider_id)
                )
    return findings


def daily_cap_repeated(facts: Facts, s: WarningSettings) -> list[Finding]:
    """Learners who hit the daily cap on many days (hours pushed to the limit)."""
    return [
        Finding(
            "daily_cap_repeated",
            LOW,
            f"learner:{learner}",
            (learner,),
            (),
            {"days": len(days), "last_day": max(days)},
        )
        for learner, days in sorted(facts.cap_days.items())
        if len(set(days)) >= s.cap_days_min
    ]


def anomaly_bursts(facts: Facts, s: WarningSettings) -> list[Finding]:
    """A learner with many rate or seek anomalies within one hour (a scripted or sped-up player)."""
    by_learner: dict[int, list[Event]] = defaultdict(list)
    for event in facts.anomalies:
        by_learner[event.learner_id].append(event)
    findings = []
    for learner, events in sorted(by_learner.items()):
        events.sort(key=lambda e: e.at)
        start, best = 0, (0, 0)
        for end in range(len(events)):
            while events[end].at - events[start].at > 3600:
                start += 1
            if end - start + 1 > best[1] - best[0]:
                best = (start, end + 1)
        burst = events[best[0] : best[1]]
        if len(burst) >= s.anomaly_burst_min:
            codes: dict[str, int] = defaultdict(int)
            for e in burst:
                codes[e.detail] += 1
            findings.append(
                Finding(
                    "anomaly_burst",
                    MEDIUM,
                    f"learner:{learner}",
                    (learner,),
                    tuple(e.id for e in burst),
                    {"anomalies": len(burst), "codes": dict(sorted(codes.items()))},
                )
            )
    return findings


def reenrollment_after_study(facts: Facts, s: WarningSettings) -> list[Finding]:
    """A face re-enrollment after study time (someone else may be studying now)."""
    return [
        Finding(
            "reenrollment_after_study",
            MEDIUM,
            f"learner:{case.learner_id}",
            (case.learner_id,),
            (),
            {"case_id": case.case_id, "case_status": case.status},
        )
        for case in facts.review_cases
        if case.kind == "reenrollment"
    ]


def duplicate_identities(facts: Facts, s: WarningSettings) -> list[Finding]:
    """Two accounts with near-identical faces (one person, two identities, or a stand-in)."""
    return [
        Finding(
            "duplicate_identity",
            HIGH,
            f"case:{case.case_id}",
            tuple(sorted({case.learner_id, case.matched_learner_id or case.learner_id})),
            (),
            {"case_id": case.case_id, "case_status": case.status},
        )
        for case in facts.review_cases
        if case.kind == "duplicate_identity"
    ]


def coefficient_of_variation(values: Iterable[float]) -> float:
    values = list(values)
    mean = statistics.fmean(values)
    return statistics.pstdev(values) / mean if mean > 0 else 0.0


def uniform_class_hours(facts: Facts, s: WarningSettings) -> list[Finding]:
    """Classes whose credited hours per learner are implausibly uniform (bulk-produced hours)."""
    findings = []
    for class_id, hours in sorted(facts.class_hours.items()):
        values = [v for v in hours.values() if v > 0]
        if len(values) < s.uniform_min_learners:
            continue
        cv = coefficient_of_variation(values)
        if cv <= s.uniform_max_cv:
            findings.append(
                Finding(
                    "uniform_hours",
                    MEDIUM,
                    f"class:{class_id}",
                    tuple(sorted(hours)),
                    (),
                    {
                        "learners": len(values),
                        "cv": round(cv, 4),
                        "mean_s": statistics.fmean(values),
                    },
                    class_id,
                )
            )
    return findings


Rule = Callable[[Facts, WarningSettings], list[Finding]]

# code(s) -> rule; the codes are what pages, settings and the drill-down use.
RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("takeover_repeated",), takeovers_across_devices),
    (("shared_ip",), shared_ip),
    (("check_failure_rate", "appeal_rate"), check_rates),
    (("daily_cap_repeated",), daily_cap_repeated),
    (("anomaly_burst",), anomaly_bursts),
    (("reenrollment_after_study",), reenrollment_after_study),
    (("duplicate_identity",), duplicate_identities),
    (("uniform_hours",), uniform_class_hours),
)
CODES = tuple(code for codes, _rule in RULES for code in codes)


def evaluate(facts: Facts, settings: WarningSettings) -> list[Finding]:
    """Every rule's findings, in rule order."""
    return [finding for _codes, rule in RULES for finding in rule(facts, settings)]
