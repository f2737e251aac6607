"""Stable offset pagination with opaque cursors, paged and counted in SQL.

Lists are ordered by a unique key (id last) so a page never repeats or skips
a row between requests when nothing changes.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.queryset import QuerySet

from gql.resolvers.errors import Refused

T = TypeVar("T")
MAX_PAGE_SIZE = 500


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        offset = int(value)
    except (ValueError, UnicodeDecodeError):
        raise Refused.because("INVALID_CURSOR", "after") from None
    if kind != "o" or offset < 0:
        raise Refused.because("INVALID_CURSOR", "after")
    return offset


@dataclass(frozen=True)
class PageRequest:
    first: int = 20
    after: str | None = None

    @property
    def offset(self) -> int:
        return decode_cursor(self.after) + 1 if self.after else 0

    def validate(self) -> None:
        if not 1 <= self.first <= MAX_PAGE_SIZE:
            raise Refused.because("INVALID_PAGE_SIZE", "first")

    @classmethod
    def for_page_number(cls, page: int, size: int) -> PageRequest:
        """The console pages by number; page 1 is the first."""
        page = max(1, page)
        return cls(first=size, after=encode_cursor((page - 1) * size - 1) if page > 1 else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total_count: int
    offset: int
    size: int

    @property
    def has_next_page(self) -> bool:
        return self.offset + len(self.items) < self.total_count

    @property
    def has_previous_page(self) -> bool:
        return self.offset > 0

    def cursor_at(self, index: int) -> str:
        return encode_cursor(self.offset + index)

    @property
    def page_number(self) -> int:
        return self.offset // self.size + 1

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total_count // self.size))


async def paginate(query: QuerySet, request: PageRequest) -> Page:
    """One LIMIT/OFFSET query, and one COUNT unless the page itself tells the total."""
    return await page_of(request, lambda offset, limit: query.offset(offset).limit(limit), query.count)


async def page_of(request: PageRequest, fetch: Callable[[int, int], Awaitable[Iterable[T]]],
                  count: Callable[[], Awaitable[int]]) -> Page[T]:
    """A page from `fetch(offset, limit)`; `count()` is asked only when the page cannot tell the total."""
    request.validate()
    offset = request.offset
    items = list(await fetch(offset, request.first))
    if len(items) < request.first and (items or offset == 0):
        total = offset + len(items)  # a short page is the last one (the `wallet` benchmark's usual case)
    else:
        total = await count()
    return Page(items=items, total_count=total, offset=offset, size=request.first)
