"""The prepaid message credit: a ledger of TOP_UP (+), CHARGE (-) and REFUND (+) entries in won,
whose sum is the balance (never stored twice).

A message is charged when a dispatch batch takes it (`hold`), before it goes to the provider,
under a lock that makes the balance check and the charge one step (a PostgreSQL advisory
lock; SQLite writes one at a time anyway). So two runs sending at once cannot overdraw the
credit between them. A message that then fails for good is refunded; one that is retried
keeps its charge (its `price` says it was charged) and is not charged again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_owner, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.raw_sql import execute, execute_many, fetch, sql_instant
from kupon.timeutil import now_utc
from models.campaigns import CreditEntry, CreditKind

CREDIT_LOCK = 7_340_001  # pg_advisory_xact_lock key of the credit ledger
MAX_TOP_UP = 100_000_000


async def credit_balance() -> int:
    [(balance,)] = await fetch("SELECT COALESCE(SUM(amount), 0) FROM credit_entry")
    return int(balance)


async def lock_credit() -> None:
    """Inside a transaction: wait for any other balance check-and-charge to finish (PostgreSQL)."""
    if connections.get("default").capabilities.dialect == "postgres":
        await fetch("SELECT pg_advisory_xact_lock(?)", CREDIT_LOCK)


async def top_up_credit(actor: Actor, amount: int, note: str = "") -> CreditEntry:
    """Add `amount` won (OWNER only, audited). Runs paused for credit resume on the scheduler's
    next minute, or at once when the caller calls campaign_dispatch.resume_runs()."""
    require_owner(actor)
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_TOP_UP:
        raise Refused.because("INVALID_AMOUNT", "amount")
    async with in_transaction():
        before = await credit_balance()
        entry = await CreditEntry.create(kind=CreditKind.TOP_UP, amount=amount, note=(note or "")[:200],
                                         created_by_id=actor.id, at=now_utc())
        await record_change(actor, "credit.top_up", entry, before={"balance": before},
                            after={"balance": before + amount, "amount": amount})
    return entry


async def credit_entries(actor: Actor, page: PageRequest, kind: CreditKind | None = None) -> Page[CreditEntry]:
    require_read_shop(actor)
    query = CreditEntry.all()
    if kind is not None:
        query = query.filter(kind=kind)
    return await paginate(query.order_by("-id"), page)


async def charge_rows(charges: Sequence[tuple[int, int]], at: datetime, kind: CreditKind = CreditKind.CHARGE) -> None:
    """Ledger lines for (message id, won): CHARGE takes, REFUND gives back."""
    sign = -1 if kind == CreditKind.CHARGE else 1
    rows = [(kind.value, sign * price, message_id, sql_instant(at)) for message_id, price in charges if price]
    await execute_many("INSERT INTO credit_entry (kind, amount, message_id, note, at) VALUES (?, ?, ?, '', ?)", rows)


async def hold(prices: Sequence[tuple[int, int]], at: datetime, unlimited: bool = False) -> list[int]:
    """Charge messages (message id, won) in order while the balance covers them; returns the ids
    charged. Messages already charged (price > 0 on the row) are not passed here. `unlimited`:
    legally required notices, sent and charged even beyond the balance."""
    async with in_transaction():
        await lock_credit()
        balance = await credit_balance()
        taken: list[tuple[int, int]] = []
        for message_id, price in prices:
            if not unlimited and price > balance:
                break
            balance -= price
            taken.append((message_id, price))
        await charge_rows(taken, at)
        await execute_many("UPDATE campaign_message SET price = ? WHERE id = ?", [(p, i) for i, p in taken])
    return [message_id for message_id, _ in taken]


async def refund(message_ids: Sequence[int], at: datetime) -> None:
    """Give back what these messages were charged (inside the caller's transaction) and zero their price."""
    if not message_ids:
        return
    marks = ", ".join("?" * len(message_ids))
    rows = await fetch(f"SELECT id, price FROM campaign_message WHERE id IN ({marks}) AND price > 0", *message_ids)
    await charge_rows(rows, at, CreditKind.REFUND)
    await execute(f"UPDATE campaign_message SET price = 0 WHERE id IN ({marks})", *message_ids)
