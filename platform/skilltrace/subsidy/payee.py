"""Who a claim pays (收款方): the training provider, or — for 以工代训 and 企业新型学徒, which are
paid directly to the enterprise — an enterprise named with its unified social credit code.

Pure: plain values in, a stable refusal code (or the cleaned payee) out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from skilltrace.identity.codes import CodeError, normalize_credit_code
from skilltrace.subsidy.rules import Kind


class PayeeKind(enum.StrEnum):
    PROVIDER = "provider"  # 培训机构
    ENTERPRISE = "enterprise"  # 企业（以工代训、企业新型学徒直补企业）


# Training kinds whose subsidy may be paid directly to an enterprise.
ENTERPRISE_KINDS = frozenset({Kind.YIGONG, Kind.APPRENTICE})


@dataclass(frozen=True)
class Payee:
    kind: str
    name: str | None = None
    credit_code: str | None = None


def payee_refusal(claim_kind: str, payee: Payee, company_code: str | None = None) -> str | None:
    """Why this payee may not be paid for a claim of this training kind, or None.

    ``company_code`` is the 以工代训 enterprise of the claim: an enterprise paid for 以工代训 must
    be that enterprise.
    """
    if payee.kind not in {k.value for k in PayeeKind}:
        return "payee_kind_invalid"
    if payee.kind == PayeeKind.PROVIDER:
        return None
    if claim_kind not in ENTERPRISE_KINDS:
        return "payee_enterprise_not_allowed"
    if not 2 <= len((payee.name or "").strip()) <= 200:
        return "payee_name_invalid"
    try:
        code = normalize_credit_code(payee.credit_code or "")  # GB 32100 check character
    except CodeError:
        return "payee_credit_code_invalid"
    if claim_kind == Kind.YIGONG and company_code and code != company_code:
        return "payee_not_company"
    return None


def clean_payee(payee: Payee) -> Payee:
    """The enterprise payee as stored (trimmed name, normalised code); call after the check."""
    if payee.kind != PayeeKind.ENTERPRISE:
        return Payee(PayeeKind.PROVIDER)
    return Payee(
        PayeeKind.ENTERPRISE, payee.name.strip(), normalize_credit_code(payee.credit_code or "")
    )
