"""Custom model fields."""

from __future__ import annotations

from functools import lru_cache

from tortoise import fields

from kupon.privacy import FieldCipher
from kupon.settings import Settings

FERNET_PREFIX = "gAAAAA"


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> FieldCipher:
    return FieldCipher(secret_key)


def current_cipher() -> FieldCipher:
    return _cipher(Settings.from_env().secret_key)


class EncryptedTextField(fields.TextField):
    """Text encrypted at rest with the key from KUPON_SECRET_KEY (resident and card numbers).

    The column holds Fernet tokens, so it cannot be searched or indexed; keep a
    separate masked or hashed column where a lookup is needed.
    """

    def to_db_value(self, value, instance):
        if value is None:
            return None
        return current_cipher().encrypt(str(value))

    def to_python_value(self, value):
        # Tortoise also calls this on values assigned in Python (Model(**kwargs)),
        # which are plaintext; only Fernet tokens (version byte 0x80 -> "gAAAAA") are decrypted.
        if value is None or not str(value).startswith(FERNET_PREFIX):
            return value
        return current_cipher().decrypt(value)
