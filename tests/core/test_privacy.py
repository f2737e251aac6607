"""Personal data: masks for display, encryption at rest, the key kept out of sight."""

import pytest

from kupon.privacy import (
    DecryptionError,
    FieldCipher,
    mask_card_number,
    mask_email,
    mask_phone,
    mask_resident_number,
)
from kupon.settings import Settings
from models.fields import EncryptedTextField


@pytest.mark.parametrize(("raw", "masked"), [
    ("010-1234-5678", "010-****-5678"),
    ("01012345678", "010-****-5678"),
    ("011-123-4567", "011-***-4567"),
    ("", ""),
])
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("hong.gildong@example.com", "ho**********@example.com"),
    ("ab@x.kr", "a*@x.kr"),
    ("a@x.kr", "a@x.kr"),
])
def test_mask_email(raw, masked):
    assert mask_email(raw) == masked


def test_mask_resident_and_card_numbers_as_the_spec_shows():
    assert mask_resident_number("750101-1234567") == "750101-1******"
    assert mask_resident_number("7501011234567") == "750101-1******"
    assert mask_card_number("1234-5678-9012-3456") == "************3456"


def test_cipher_round_trip_and_wrong_key():
    token = FieldCipher("key-one").encrypt("750101-1234567")
    assert "750101" not in token
    assert FieldCipher("key-one").decrypt(token) == "750101-1234567"
    with pytest.raises(DecryptionError) as caught:
        FieldCipher("key-two").decrypt(token)
    assert "key-two" not in str(caught.value) and "key-one" not in str(caught.value)


def test_encrypted_field_stores_ciphertext_and_reads_plaintext(monkeypatch):
    monkeypatch.setenv("KUPON_SECRET_KEY", "field-test-key")
    field = EncryptedTextField(null=True)
    stored = field.to_db_value("750101-1234567", None)
    assert stored != "750101-1234567" and stored.startswith("gAAAAA")
    assert field.to_python_value(stored) == "750101-1234567"
    assert field.to_python_value("750101-1234567") == "750101-1234567"  # assigned in Python, not yet stored
    assert field.to_db_value(None, None) is None


def test_secret_key_never_in_repr():
    settings = Settings.from_env({"KUPON_SECRET_KEY": "super-secret-value", "KUPON_ENV": "production"})
    assert "super-secret-value" not in repr(settings)
    assert "super-secret-value" not in repr(FieldCipher(settings.secret_key))


def test_production_requires_a_secret_key():
    with pytest.raises(RuntimeError, match="KUPON_SECRET_KEY"):
        Settings.from_env({"KUPON_ENV": "production"})
