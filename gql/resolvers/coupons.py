"""Coupon definitions: create, edit, copy, search, statuses (SPEC section 1)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.codes import claim_codes, generate_codes
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.codes import CodeShape, normalise_code
from kupon.timeutil import now_utc
from models.catalog import Category, Product, ProductKind
from models.codes import CodeKind
from models.coupons import (
    BenefitKind,
    Channel,
    CodeMode,
    Coupon,
    CouponCode,
    CouponStatus,
    CouponType,
    IssueMethod,
    TargetScope,
    UseWindow,
)
from models.sites import Site

GIFT_NAME_MAX_BYTES = 64
ALL_CHANNELS = [c.value for c in Channel]


class PeriodStatus(StrEnum):
    UPCOMING = "UPCOMING"
    RUNNING = "RUNNING"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class CouponInput:
    """Every field of a coupon definition, as an operator fills the form."""

    name: str
    type: str
    benefit: str
    issue_method: str
    site_id: int | None = None
    description: str = ""
    amount: int = 0
    percent: int = 0
    max_discount: int | None = None
    gift_name: str = ""
    target_scope: str = TargetScope.ALL.value
    target_category_ids: list[int] = field(default_factory=list)
    target_product_ids: list[int] = field(default_factory=list)
    product_kinds: list[str] = field(default_factory=list)
    min_amount: int = 0
    channels: list[str] = field(default_factory=lambda: list(ALL_CHANNELS))
    total_limit: int | None = None
    per_member_limit: int | None = None
    code_mode: str | None = None
    shared_code: str = ""
    issue_from: datetime | None = None
    issue_to: datetime | None = None
    issue_weekdays: list[int] = field(default_factory=list)
    use_window: str = UseWindow.UNLIMITED.value
    use_from: datetime | None = None
    use_to: datetime | None = None
    use_days_after_issue: int | None = None
    use_weekdays: list[int] = field(default_factory=list)
    display_from: datetime | None = None
    display_to: datetime | None = None
    display_weekdays: list[int] = field(default_factory=list)
    issue_status: str = CouponStatus.WAITING.value
    use_status: str = CouponStatus.WAITING.value


def input_from_coupon(coupon: Coupon) -> CouponInput:
    """The form values of an existing coupon (for edit and copy)."""
    values = {f: getattr(coupon, f) for f in CouponInput.__dataclass_fields__ if hasattr(coupon, f)}
    values["site_id"] = coupon.site_id
    values["channels"] = coupon.channel_list
    for key, value in values.items():
        if isinstance(value, StrEnum):
            values[key] = value.value
    return CouponInput(**values)


def _enum(problems: list[Problem], name: str, value, enum_type):
    try:
        return enum_type(value)
    except ValueError:
        problems.append(Problem("INVALID_CHOICE", name))
        return None


def _window(problems: list[Problem], name: str, start: datetime | None, end: datetime | None) -> None:
    if start and end and end <= start:
        problems.append(Problem("WINDOW_ENDS_BEFORE_START", name))


def _weekdays(problems: list[Problem], name: str, days: list[int]) -> list[int]:
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        problems.append(Problem("INVALID_CHOICE", name))
        return []
    return sorted(set(days))


async def clean_coupon_input(data: CouponInput) -> dict:
    """Checks every field and combination; returns model field values or raises Refused
    listing every problem at once."""
    p: list[Problem] = []
    name = (data.name or "").strip()
    if not name:
        p.append(Problem("REQUIRED", "name"))
    elif len(name) > 100:
        p.append(Problem("TOO_LONG", "name"))
    ctype = _enum(p, "type", data.type, CouponType)
    benefit = _enum(p, "benefit", data.benefit, BenefitKind)
    method = _enum(p, "issue_method", data.issue_method, IssueMethod)
    scope = _enum(p, "target_scope", data.target_scope, TargetScope)
    use_window = _enum(p, "use_window", data.use_window, UseWindow)
    issue_status = _enum(p, "issue_status", data.issue_status, CouponStatus)
    use_status = _enum(p, "use_status", data.use_status, CouponStatus)

    if benefit == BenefitKind.FIXED and data.amount <= 0:
        p.append(Problem("INVALID_AMOUNT", "amount"))
    if benefit == BenefitKind.PERCENT and not 1 <= data.percent <= 100:
        p.append(Problem("INVALID_PERCENT", "percent"))
    if data.max_discount is not None:
        if benefit != BenefitKind.PERCENT:
            p.append(Problem("CAP_NOT_ALLOWED", "max_discount"))
        elif data.max_discount <= 0:
            p.append(Problem("INVALID_AMOUNT", "max_discount"))
    gift_name = (data.gift_name or "").strip()
    if benefit == BenefitKind.GIFT:
        if not gift_name:
            p.append(Problem("REQUIRED", "gift_name"))
        elif len(gift_name.encode("utf-8")) > GIFT_NAME_MAX_BYTES:
            p.append(Problem("GIFT_NAME_TOO_LONG", "gift_name"))
    if benefit == BenefitKind.FREE_SHIPPING and ctype not in (None, CouponType.SHIPPING):
        p.append(Problem("BENEFIT_NOT_FOR_TYPE", "benefit"))
    if ctype == CouponType.SHIPPING and benefit == BenefitKind.GIFT:
        p.append(Problem("BENEFIT_NOT_FOR_TYPE", "benefit"))

    category_ids = sorted(set(data.target_category_ids or []))
    product_ids = sorted(set(data.target_product_ids or []))
    if scope == TargetScope.CATEGORIES:
        if not category_ids:
            p.append(Problem("TARGETS_REQUIRED", "target_category_ids"))
        elif await Category.filter(id__in=category_ids).count() != len(category_ids):
            p.append(Problem("NOT_FOUND", "target_category_ids"))
    if scope == TargetScope.PRODUCTS:
        if not product_ids:
            p.append(Problem("TARGETS_REQUIRED", "target_product_ids"))
        elif await Product.filter(id__in=product_ids).count() != len(product_ids):
            p.append(Problem("NOT_FOUND", "target_product_ids"))
    kinds = sorted(set(data.product_kinds or []))
    if any(k not in ProductKind.__members__ for k in kinds):
        p.append(Problem("INVALID_CHOICE", "product_kinds"))
    channels = sorted(set(data.channels or []))
    if not channels:
        p.append(Problem("REQUIRED", "channels"))
    elif any(c not in ALL_CHANNELS for c in channels):
        p.append(Problem("INVALID_CHOICE", "channels"))

    if data.min_amount < 0:
        p.append(Problem("INVALID_AMOUNT", "min_amount"))
    for limit_name in ("total_limit", "per_member_limit"):
        value = getattr(data, limit_name)
        if value is not None and value < 1:
            p.append(Problem("INVALID_LIMIT", limit_name))

    code_mode = None
    if method == IssueMethod.CODE:
        code_mode = _enum(p, "code_mode", data.code_mode, CodeMode) if data.code_mode else None
        if not data.code_mode:
            p.append(Problem("CODE_MODE_REQUIRED", "code_mode"))

    _window(p, "issue_to", data.issue_from, data.issue_to)
    _window(p, "display_to", data.display_from, data.display_to)
    if use_window == UseWindow.RANGE:
        if not data.use_from or not data.use_to:
            p.append(Problem("REQUIRED", "use_to" if data.use_from else "use_from"))
        _window(p, "use_to", data.use_from, data.use_to)
    if use_window == UseWindow.DAYS_AFTER_ISSUE and not (data.use_days_after_issue or 0) >= 1:
        p.append(Problem("DAYS_REQUIRED", "use_days_after_issue"))
    if data.site_id is not None and not await Site.exists(id=data.site_id):
        p.append(Problem("NOT_FOUND", "site_id"))
    weekdays = {n: _weekdays(p, n, getattr(data, n)) for n in ("issue_weekdays", "use_weekdays", "display_weekdays")}
    if p:
        raise Refused(*p)
    return {
        "site_id": data.site_id, "name": name, "description": (data.description or "").strip(), "type": ctype,
        "benefit": benefit, "amount": data.amount if benefit == BenefitKind.FIXED else 0,
        "percent": data.percent if benefit == BenefitKind.PERCENT else 0, "max_discount": data.max_discount,
        "gift_name": gift_name if benefit == BenefitKind.GIFT else "", "target_scope": scope,
        "target_category_ids": category_ids if scope == TargetScope.CATEGORIES else [],
        "target_product_ids": product_ids if scope == TargetScope.PRODUCTS else [],
        "product_kinds": kinds, "min_amount": data.min_amount, "channels": ",".join(channels),
        "total_limit": data.total_limit, "per_member_limit": data.per_member_limit, "issue_method": method,
        "code_mode": code_mode, "issue_from": data.issue_from, "issue_to": data.issue_to,
        "use_window": use_window,
        "use_from": data.use_from if use_window == UseWindow.RANGE else None,
        "use_to": data.use_to if use_window == UseWindow.RANGE else None,
        "use_days_after_issue": data.use_days_after_issue if use_window == UseWindow.DAYS_AFTER_ISSUE else None,
        "display_from": data.display_from, "display_to": data.display_to,
        "issue_status": issue_status, "use_status": use_status, **weekdays,
    }


AUDITED_FIELDS = [name for name in CouponInput.__dataclass_fields__ if name not in ("shared_code",)]


def _audit_view(coupon: Coupon) -> dict:
    return snapshot(coupon, [f for f in AUDITED_FIELDS if hasattr(coupon, f)])


async def create_coupon(actor: Actor, data: CouponInput) -> Coupon:
    """A SHARED code coupon gets its one code at once (typed by the operator or generated)."""
    require_change_shop(actor)
    values = await clean_coupon_input(data)
    async with in_transaction():
        coupon = await Coupon.create(**values, download_token=secrets.token_urlsafe(16))
        if coupon.code_mode == CodeMode.SHARED:
            await _create_shared_code(coupon, data.shared_code)
        await record_change(actor, "coupon.create", coupon, after=_audit_view(coupon))
    return coupon


async def _create_shared_code(coupon: Coupon, wanted: str) -> CouponCode:
    if not wanted.strip():
        code = (await generate_codes(CodeKind.COUPON, CodeShape(), 1))[0]
    else:
        code = normalise_code(wanted)
        if len(code) < 4 or len(code) > 32:
            raise Refused.because("INVALID_CHOICE", "shared_code")
        if not await claim_codes(CodeKind.COUPON, {code}):
            raise Refused.because("DUPLICATE", "shared_code")
    return await CouponCode.create(coupon=coupon, code=code, mode=CodeMode.SHARED)


async def update_coupon(actor: Actor, coupon_id: int, data: CouponInput) -> Coupon:
    """Issuing method and code mode are fixed once codes or member coupons exist."""
    require_change_shop(actor)
    values = await clean_coupon_input(data)
    async with in_transaction():
        coupon = await Coupon.select_for_update().get_or_none(id=coupon_id)
        if coupon is None:
            raise Refused.because("NOT_FOUND", "id")
        before = _audit_view(coupon)
        if (values["issue_method"] != coupon.issue_method or values["code_mode"] != coupon.code_mode) and (
            coupon.issued_count or await CouponCode.exists(coupon_id=coupon.id)
        ):
            raise Refused.because("WRONG_ISSUE_METHOD", "issue_method")
        for key, value in values.items():
            setattr(coupon, key, value)
        await coupon.save()
        if coupon.code_mode == CodeMode.SHARED and not await CouponCode.exists(coupon_id=coupon.id):
            await _create_shared_code(coupon, data.shared_code)
        await record_change(actor, "coupon.update", coupon, before, _audit_view(coupon))
    return coupon


async def copy_coupon(actor: Actor, coupon_id: int) -> Coupon:
    """A new coupon with the same settings, named "(copy)", waiting to be activated."""
    source = await get_coupon(actor, coupon_id)
    data = replace(input_from_coupon(source), name=f"{source.name} (복사)"[:100],
                   issue_status=CouponStatus.WAITING.value, use_status=CouponStatus.WAITING.value)
    return await create_coupon(actor, data)


async def set_coupon_status(actor: Actor, coupon_id: int, *, issue_status: str | None = None,
                            use_status: str | None = None) -> Coupon:
    require_change_shop(actor)
    problems: list[Problem] = []
    new_issue = _enum(problems, "issue_status", issue_status, CouponStatus) if issue_status else None
    new_use = _enum(problems, "use_status", use_status, CouponStatus) if use_status else None
    if problems:
        raise Refused(*problems)
    async with in_transaction():
        coupon = await Coupon.select_for_update().get_or_none(id=coupon_id)
        if coupon is None:
            raise Refused.because("NOT_FOUND", "id")
        before = snapshot(coupon, ["issue_status", "use_status"])
        coupon.issue_status = new_issue or coupon.issue_status
        coupon.use_status = new_use or coupon.use_status
        await coupon.save(update_fields=["issue_status", "use_status", "updated_at"])
        await record_change(actor, "coupon.status", coupon, before, snapshot(coupon, ["issue_status", "use_status"]))
    return coupon


async def get_coupon(actor: Actor, coupon_id: int) -> Coupon:
    require_read_shop(actor)
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "id")
    return coupon


async def coupon_targets(actor: Actor, category_ids: list[int],
                         product_ids: list[int]) -> tuple[list[Category], list[Product]]:
    """The categories and products a coupon names, by id, for showing their names (ids that
    no longer exist are left out)."""
    require_read_shop(actor)
    categories = await Category.filter(id__in=set(category_ids)).order_by("id") if category_ids else []
    products = await Product.filter(id__in=set(product_ids)).order_by("id") if product_ids else []
    return list(categories), list(products)


@dataclass(frozen=True)
class CouponFilter:
    search: str = ""
    site_id: int | None = None
    type: CouponType | None = None
    benefit: BenefitKind | None = None
    issue_method: IssueMethod | None = None
    channel: Channel | None = None
    issue_status: CouponStatus | None = None
    use_status: CouponStatus | None = None


async def list_coupons(actor: Actor, flt: CouponFilter, page: PageRequest) -> Page[Coupon]:
    require_read_shop(actor)
    query = Coupon.all()
    if flt.search.strip():
        term = flt.search.strip()
        condition = Q(name__icontains=term) | Q(description__icontains=term)
        if term.isdigit():
            condition |= Q(id=int(term))
        query = query.filter(condition)
    if flt.site_id:
        # A site's coupons include those for every site.
        query = query.filter(Q(site_id=flt.site_id) | Q(site_id__isnull=True))
    for name in ("type", "benefit", "issue_method", "issue_status", "use_status"):
        value = getattr(flt, name)
        if value:
            query = query.filter(**{name: value})
    if flt.channel:
        query = query.filter(channels__contains=flt.channel.value)
    return await paginate(query.order_by("-id"), page)


def period_status(coupon: Coupon, now: datetime | None = None) -> PeriodStatus:
    """Upcoming before issuing opens; closed when it can be neither issued nor used any more."""
    now = now or now_utc()
    if coupon.issue_from and now < coupon.issue_from:
        return PeriodStatus.UPCOMING
    last = _last_moment(coupon)
    if last is not None and now > last:
        return PeriodStatus.CLOSED
    return PeriodStatus.RUNNING


def _last_moment(coupon: Coupon) -> datetime | None:
    if coupon.use_window == UseWindow.RANGE:
        return coupon.use_to  # nothing issued after it could be used
    if coupon.use_window == UseWindow.DAYS_AFTER_ISSUE and coupon.issue_to is not None:
        from datetime import timedelta

        return coupon.issue_to + timedelta(days=coupon.use_days_after_issue or 0)
    return None


def coupon_as_dict(coupon: Coupon) -> dict:
    return asdict(input_from_coupon(coupon))
