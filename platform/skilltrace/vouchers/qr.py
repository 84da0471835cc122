"""QR codes of vouchers (segno): the code itself, for a phone to show at the provider."""

from __future__ import annotations

import io

import segno


def voucher_svg(code: str) -> bytes:
    out = io.BytesIO()
    segno.make(f"SKILLTRACE-VOUCHER:{code}", error="m").save(out, kind="svg", scale=6)
    return out.getvalue()
