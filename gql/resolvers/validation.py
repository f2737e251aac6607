"""Field checks shared by every domain: each returns the cleaned value or a Problem."""

from __future__ import annotations

import re
from datetime import date

from gql.resolvers.errors import Problem

_MOBILE = re.compile(r"^(01[016789])(\d{3,4})(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_LOGIN_ID = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


class Checker:
    """Collects problems so a form shows every bad field at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, code: str, field: str) -> None:
        self.problems.append(Problem(code, field))

    def text(self, field: str, value: str, max_length: int, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.fail("REQUIRED", field)
        elif len(value) > max_length:
            self.fail("TOO_LONG", field)
        return value

    def mobile_phone(self, field: str, value: str, required: bool = False) -> str:
        """Korean mobile numbers, stored as 010-1234-5678."""
        digits = re.sub(r"[\s-]", "", value or "")
        if not digits:
            if required:
                self.fail("REQUIRED", field)
            return ""
        match = _MOBILE.match(digits)
        if not match:
            self.fail("INVALID_PHONE", field)
            return value
        return "-".join(match.groups())

    def email(self, field: str, value: str, required: bool = False) -> str:
        value = (value or "").strip()
        if not value:
            if required:
                self.fail("REQUIRED", field)
            return ""
        if len(value) > 254 or not _EMAIL.match(value):
            self.fail("INVALID_EMAIL", field)
        return value.lower()

    def login_id(self, field: str, value: str) -> str:
        value = (value or "").strip()
        if not _LOGIN_ID.match(value):
            self.fail("INVALID_LOGIN_ID", field)
        return value

    def choice(self, field: str, value, enum_type):
        try:
            return enum_type(value)
        except ValueError:
            self.fail("INVALID_CHOICE", field)
            return None

    def iso_date(self, field: str, value: str | date | None) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail("INVALID_DATE", field)
            return None
