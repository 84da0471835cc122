"""Encryption at rest for sensitive fields and files (ID numbers, face data).

AES-256-GCM with a random 96-bit nonce per value; the stored form is ``version || nonce ||
ciphertext+tag``. Lookups use an HMAC-SHA256 keyed with a sub-key derived from the same data
key (HKDF), so equal plaintexts can be found without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


class DataCipher:
    """Encrypts/decrypts bytes and computes lookup hashes with one 32-byte data key."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("SKILLTRACE_DATA_KEY must decode to 32 bytes")
        self._aead = AESGCM(_derive(key, b"skilltrace-aead"))
        self._mac_key = _derive(key, b"skilltrace-lookup-hmac")

    @classmethod
    def from_b64(cls, value: str) -> DataCipher:
        return cls(base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)))

    def encrypt(self, plaintext: bytes, context: bytes = b"") -> bytes:
        """Encrypt ``plaintext``; ``context`` is bound as associated data (e.g. a column name)."""
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, blob: bytes, context: bytes = b"") -> bytes:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        return self._aead.decrypt(blob[1:13], blob[13:], context)

    def encrypt_text(self, text: str, context: bytes = b"") -> bytes:
        return self.encrypt(text.encode("utf-8"), context)

    def decrypt_text(self, blob: bytes, context: bytes = b"") -> str:
        return self.decrypt(blob, context).decode("utf-8")

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for equality lookups (hex)."""
        return hmac.new(self._mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def new_key_b64() -> str:
    """A fresh random data key, base64url-encoded, as SKILLTRACE_DATA_KEY expects."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
