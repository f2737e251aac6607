"""Personal data: masking for display and encryption at rest.

Masks are applied wherever personal data is shown to someone who is not
entitled to the full value. The encryption key is derived from
KUPON_SECRET_KEY and is never included in messages or reprs.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str) -> str:
    """010-1234-5678 -> 010-****-5678 (the middle group hidden)."""
    digits = _DIGITS.sub("", phone or "")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}-{'*' * (len(digits) - 7)}-{digits[-4:]}"


def mask_email(email: str) -> str:
    """hong.gildong@example.com -> ho*********@example.com."""
    if not email or "@" not in email:
        return "*" * len(email or "")
    local, domain = email.split("@", 1)
    keep = min(2, max(1, len(local) - 1))
    return f"{local[:keep]}{'*' * (len(local) - keep)}@{domain}"


def mask_resident_number(number: str) -> str:
    """750101-1234567 -> 750101-1****** (birth date and gender digit stay)."""
    digits = _DIGITS.sub("", number or "")
    if len(digits) != 13:
        return "*" * len(digits)
    return f"{digits[:6]}-{digits[6]}******"


def mask_card_number(number: str) -> str:
    """Only the last four digits: ************1234."""
    digits = _DIGITS.sub("", number or "")
    return "*" * max(0, len(digits) - 4) + digits[-4:]


def mask_code(code: str) -> str:
    """A bearer code (gift card, unregistered serial) for someone who may not use it: last 4 only."""
    return "*" * max(0, len(code) - 4) + code[-4:]


class DecryptionError(ValueError):
    """A stored value could not be decrypted (wrong key or damaged data)."""


class FieldCipher:
    """Fernet (AES-128-CBC + HMAC) with a key derived from the application secret."""

    def __init__(self, secret_key: str):
        digest = hashlib.sha256(b"kupon-field-encryption:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def __repr__(self) -> str:
        return "FieldCipher(<hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            # Deliberately says nothing about the key.
            raise DecryptionError("stored value could not be decrypted") from None
