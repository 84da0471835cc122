"""Readable messages of the voucher refusal codes, and the labels of voucher and batch statuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from skilltrace.errors import DomainError

MESSAGES = {
    "forbidden": _l("You are not allowed to do this."),
    "batch_not_found": _l("No such voucher batch."),
    "voucher_not_found": _l("No such voucher."),
    "batch_closed": _l("This voucher batch is closed."),
    "batch_exhausted": _l("All vouchers of this batch have been claimed."),
    "not_target_group": _l("This voucher batch is for another group of workers."),
    "voucher_limit": _l("You already hold the most vouchers of this batch."),
    "voucher_expired": _l("This voucher has expired."),
    "voucher_used": _l("This voucher has already been used."),
    "voucher_not_reserved": _l("This voucher is not reserved for a class."),
    "provider_not_eligible": _l("This voucher cannot be used with this training provider."),
    "occupation_not_covered": _l("This voucher does not cover this occupation."),
    "kind_not_covered": _l("This voucher does not cover this training kind."),
    "kind_invalid": _l("Choose a training kind."),
    "class_has_voucher": _l("Another of your vouchers is already used for this class."),
    "name_invalid": _l("Enter a name (2 to 200 characters)."),
    "group_invalid": _l("Choose a key group or everyone."),
    "number_invalid": _l("Enter whole numbers in range."),
    "providers_invalid": _l("Choose approved providers in your scope."),
    "class_not_found": _l("No such class."),
    "class_closed": _l("This class is closed; it can no longer be left."),
    "not_in_class": _l("You are not in this class."),
}

VOUCHER_STATUSES = {
    "claimed": _l("Claimed, not used yet"),
    "reserved": _l("Used for a class, awaiting the subsidy decision"),
    "written_off": _l("Written off"),
    "expired": _l("Expired"),
}
BATCH_STATUSES = {
    "open": _l("Open for claiming"),
    "closed": _l("Closed"),
}


def refuse(code: str, status: int = 422, field: str | None = None) -> DomainError:
    return DomainError(code, MESSAGES[code], status=status, field=field)
