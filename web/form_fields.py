"""Reading typed form values the same way on every console form: whole numbers and Seoul times.

A value that cannot be read adds a Problem for its field and gives the empty value, so the
form can still be checked by the resolver and every problem shown at once.
"""

from __future__ import annotations

from datetime import datetime

from gql.resolvers.errors import Problem
from kupon.timeutil import parse_seoul_local


def whole_number(problems: list[Problem], name: str, text: str, code: str, empty: int | None = None) -> int | None:
    """`text` as an int ("5,000" as operators write amounts), `empty` when nothing was typed."""
    text = text.strip()
    if text == "":
        return empty
    try:
        return int(text.replace(",", ""))
    except ValueError:
        problems.append(Problem(code, name))
        return empty


def seoul_time(problems: list[Problem], name: str, text: str) -> datetime | None:
    """A datetime-local value (Seoul wall-clock time) as a UTC instant; None when empty."""
    try:
        return parse_seoul_local(text)
    except ValueError:
        problems.append(Problem("INVALID_DATE", name))
        return None
