"""Voucher tests reuse the subsidy world (a closed-class provider, a regulator, standards)."""

from subsidy.conftest import make_world  # noqa: F401
