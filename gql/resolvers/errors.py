"""Expected failures: a machine-readable code with an English and a Korean message.

Every code is declared once in REASONS so the API, the console and the docs
agree. Raise `Refused` from resolvers; the schema turns it into typed errors in
the payload and the console into inline messages.
"""

from __future__ import annotations

from dataclasses import dataclass

REASONS: dict[str, tuple[str, str]] = {
    "UNAUTHENTICATED": ("Sign in first.", "먼저 로그인하세요."),
    "FORBIDDEN": ("You are not allowed to do this.", "이 작업을 할 권한이 없습니다."),
    "NOT_FOUND": ("It does not exist or you cannot see it.", "존재하지 않거나 볼 수 없는 항목입니다."),
    "INVALID_LOGIN": ("Wrong login id or password.", "아이디 또는 비밀번호가 올바르지 않습니다."),
    "REQUIRED": ("This field is required.", "필수 항목입니다."),
    "TOO_LONG": ("This value is too long.", "입력값이 너무 깁니다."),
    "INVALID_PHONE": (
        "Enter a mobile phone number such as 010-1234-5678.",
        "휴대폰 번호를 010-1234-5678 형식으로 입력하세요.",
    ),
    "INVALID_EMAIL": ("Enter a valid e-mail address.", "올바른 이메일 주소를 입력하세요."),
    "INVALID_LOGIN_ID": (
        "Use 3-64 letters, digits, dots, hyphens or underscores.",
        "아이디는 영문, 숫자, 점, 하이픈, 밑줄로 3-64자여야 합니다.",
    ),
    "INVALID_CHOICE": ("Choose one of the listed values.", "목록에 있는 값 중에서 선택하세요."),
    "INVALID_DATE": ("Enter a date as YYYY-MM-DD.", "날짜를 YYYY-MM-DD 형식으로 입력하세요."),
    "DUPLICATE": ("This value is already in use.", "이미 사용 중인 값입니다."),
    "WEAK_PASSWORD": ("Use at least 10 characters.", "비밀번호는 10자 이상이어야 합니다."),
    "INVALID_CURSOR": ("The page cursor is not valid.", "페이지 커서가 올바르지 않습니다."),
    "INVALID_PAGE_SIZE": ("Ask for 1 to 500 items at a time.", "한 번에 1-500개까지 조회할 수 있습니다."),
    "UNKNOWN_JOB_KIND": ("There is no such job.", "그런 작업은 없습니다."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    field: str | None = None

    @property
    def message(self) -> str:
        return REASONS[self.code][0]

    @property
    def message_ko(self) -> str:
        return REASONS[self.code][1]

    def message_in(self, locale: str) -> str:
        return self.message_ko if locale.startswith("ko") else self.message


class Refused(Exception):
    """One or more expected problems with a request. Nothing was changed."""

    def __init__(self, *problems: Problem):
        for problem in problems:
            if problem.code not in REASONS:
                raise KeyError(f"undeclared reason code {problem.code}")
        self.problems = list(problems)
        super().__init__(", ".join(p.code for p in problems))

    @classmethod
    def because(cls, code: str, field: str | None = None) -> Refused:
        return cls(Problem(code, field))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def by_field(self) -> dict[str, Problem]:
        return {p.field: p for p in self.problems if p.field}
