"""Legacy coupons after import (SPEC 3, seed 000): eligibility, search, detail, target smart coupons.

For the console and GraphQL (read these first):
- `ineligibility(coupon)` -> None or the one reason, in the seed's order: ISSUANCE_EXPIRED,
  NO_ISSUE_HISTORY, NO_USABLE_COUPONS (eligible = status AVAILABLE, issued >= 1, available >= 1).
- `smart_coupon_action(coupon)` -> SmartCouponAction: the seed's "스마트쿠폰" column.
- `search_legacy_coupons(actor, LegacySearch, PageRequest)` -> Page[LegacyCoupon], paged and counted
  in SQL, in import order; `get_legacy_coupon`, `list_legacy_records` for the detail.
- `coupon_prefill(coupon)` -> CouponInput and `serial_prefill(coupon, paper_codes)` -> SerialInput:
  the create forms pre-filled; `create_target_coupon` / `create_target_serial` create and link in
  one call (the serial of a RANDOM_SERIALS coupon gets the legacy paper serials as its codes);
  `link_target(actor, legacy_id, coupon_id=..., serial_id=...)` links an existing one.
Requests and applications are in gql/resolvers/legacy_applications.py, the import in legacy_import.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.coupons import ALL_CHANNELS, CouponInput, create_coupon
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.serials import SerialInput, create_serial_campaign
from kupon.timeutil import SEOUL
from models.coupons import BenefitKind, Coupon, CouponType, IssueMethod, UseWindow
from models.legacy import LegacyCoupon, LegacyIssueStatus, LegacyKind, LegacyRecord, MigrationStage, PaperMethod
from models.serials import SerialCampaign, SerialReward, SerialType

REGISTER_UNTIL = datetime(2999, 12, 31, 23, 59, 59, tzinfo=SEOUL).astimezone(UTC)


class SmartCouponAction(StrEnum):
    CANNOT_CREATE = "CANNOT_CREATE"  # 생성 불가
    CREATE_COUPON = "CREATE_COUPON"  # 쿠폰 생성
    CREATE_SERIAL = "CREATE_SERIAL"  # 시리얼 생성 (paper coupon whose smart coupon exists)
    CREATED = "CREATED"  # 생성 완료: targets ready, migration not requested yet
    REQUESTED = "REQUESTED"  # 이전신청 완료
    MIGRATED = "MIGRATED"  # 내역이전 완료


class LegacyCondition(StrEnum):
    ALL = "ALL"  # 전체 쿠폰
    ISSUABLE = "ISSUABLE"  # 발급 가능 쿠폰: eligible
    CREATED = "CREATED"  # 스마트쿠폰 생성 완료: every target exists
    REQUESTED = "REQUESTED"  # 스마트쿠폰 이전신청 완료: requested or already migrated


def ineligibility(coupon: LegacyCoupon) -> str | None:
    if coupon.issue_status != LegacyIssueStatus.AVAILABLE:
        return "ISSUANCE_EXPIRED"
    if coupon.issued_count < 1:
        return "NO_ISSUE_HISTORY"
    if coupon.available_count < 1:
        return "NO_USABLE_COUPONS"
    return None


def targets_ready(coupon: LegacyCoupon) -> bool:
    """The smart coupon exists, and for a paper coupon its serial code too."""
    return coupon.target_coupon_id is not None and (
        coupon.kind == LegacyKind.JACKPOT or coupon.target_serial_id is not None)


def smart_coupon_action(coupon: LegacyCoupon) -> SmartCouponAction:
    if coupon.stage == MigrationStage.MIGRATED:
        return SmartCouponAction.MIGRATED
    if coupon.stage == MigrationStage.REQUESTED:
        return SmartCouponAction.REQUESTED
    if ineligibility(coupon):
        return SmartCouponAction.CANNOT_CREATE
    if coupon.target_coupon_id is None:
        return SmartCouponAction.CREATE_COUPON
    if not targets_ready(coupon):
        return SmartCouponAction.CREATE_SERIAL
    return SmartCouponAction.CREATED


def _require_operator(actor: Actor) -> None:
    """Record details name members: operators only, not API keys."""
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    if not actor.is_operator:
        raise Refused.because("FORBIDDEN")


# Search and detail -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LegacySearch:
    kind: LegacyKind | None = None  # None: all kinds
    condition: LegacyCondition = LegacyCondition.ALL
    text: str = ""  # part of the name, or of the number


ELIGIBLE = Q(issue_status=LegacyIssueStatus.AVAILABLE, issued_count__gte=1, available_count__gte=1)
READY = Q(target_coupon_id__isnull=False) & (Q(kind=LegacyKind.JACKPOT) | Q(target_serial_id__isnull=False))


async def search_legacy_coupons(actor: Actor, search: LegacySearch, page: PageRequest) -> Page[LegacyCoupon]:
    """Operators and read-only API keys. In import order; total counted in SQL."""
    require_read_shop(actor)
    query = LegacyCoupon.all()
    if search.kind is not None:
        query = query.filter(kind=search.kind)
    if search.condition == LegacyCondition.ISSUABLE:
        query = query.filter(ELIGIBLE)
    elif search.condition == LegacyCondition.CREATED:
        query = query.filter(READY)
    elif search.condition == LegacyCondition.REQUESTED:
        query = query.filter(stage__in=[MigrationStage.REQUESTED, MigrationStage.MIGRATED])
    text = search.text.strip()
    if text:
        query = query.filter(Q(name__icontains=text) | Q(number__icontains=text))
    return await paginate(query.order_by("id"), page)


async def get_legacy_coupon(actor: Actor, legacy_id: int) -> LegacyCoupon:
    require_read_shop(actor)
    coupon = await LegacyCoupon.get_or_none(id=legacy_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "id")
    return coupon


async def list_legacy_records(actor: Actor, legacy_id: int, page: PageRequest,
                              unmatched_only: bool = False) -> Page[LegacyRecord]:
    """A legacy coupon's records in import order, members attached; `unmatched_only`: those whose
    login id matched no member (kept, listed, never dropped)."""
    _require_operator(actor)
    query = LegacyRecord.filter(legacy_coupon_id=legacy_id).select_related("member")
    if unmatched_only:
        query = query.filter(member_id__isnull=True).exclude(member_login_id="")
    return await paginate(query.order_by("id"), page)


async def paper_serials(legacy_id: int) -> list[str]:
    """Every code of a paper coupon's records, registered or not, sorted."""
    codes = await LegacyRecord.filter(legacy_coupon_id=legacy_id).exclude(code="").distinct().order_by(
        "code").values_list("code", flat=True)
    return list(codes)


# Target smart coupon and serial ------------------------------------------------------------------------

def _benefit(text: str) -> dict:
    """A guess from the benefit text ("1,500원 할인", "10% 할인", "배송비 무료"); the operator checks it."""
    compact = text.replace(",", "").replace(" ", "")
    if "배송비" in compact or "무료배송" in compact:
        return {"type": CouponType.SHIPPING.value, "benefit": BenefitKind.FREE_SHIPPING.value}
    percent = re.search(r"(\d+)%", compact)
    if percent:
        return {"type": CouponType.PRODUCT.value, "benefit": BenefitKind.PERCENT.value,
                "percent": int(percent[1])}
    won = re.search(r"(\d+)원", compact)
    return {"type": CouponType.PRODUCT.value, "benefit": BenefitKind.FIXED.value,
            "amount": int(won[1]) if won else 0}


def coupon_prefill(coupon: LegacyCoupon) -> CouponInput:
    """The smart coupon form filled from a legacy coupon: name, description, issue, use and display
    periods, every channel, MANUAL issue. "N days after issue" becomes the use window."""
    periods: dict = {"issue_from": coupon.issue_from, "issue_to": coupon.issue_to}
    if coupon.issue_days:
        periods |= {"use_window": UseWindow.DAYS_AFTER_ISSUE.value, "use_days_after_issue": coupon.issue_days}
    elif coupon.issue_from and coupon.issue_to:
        periods |= {"use_window": UseWindow.RANGE.value, "use_from": coupon.issue_from, "use_to": coupon.issue_to}
    return CouponInput(name=coupon.name[:100], description=coupon.description, issue_method=IssueMethod.MANUAL.value,
                       channels=list(ALL_CHANNELS), site_id=coupon.site_id, display_from=coupon.display_from,
                       display_to=coupon.display_to, **_benefit(coupon.benefit), **periods)


def serial_prefill(coupon: LegacyCoupon, paper_codes: list[str]) -> SerialInput:
    """The serial code form filled from a paper coupon whose smart coupon exists: same name, every
    channel, registration from the legacy issue start to 2999-12-31 23:59:59 (Seoul), the smart
    coupon as reward; SAME_SERIAL -> FIXED with the legacy code typed in, RANDOM_SERIALS -> RANDOM
    with the legacy paper serials as its codes (quantity = their number)."""
    same = coupon.paper_method == PaperMethod.SAME_SERIAL
    return SerialInput(name=coupon.name[:100], type=(SerialType.FIXED if same else SerialType.RANDOM).value,
                       rewards=[(coupon.target_coupon_id, 1)] if coupon.target_coupon_id else [],
                       site_id=coupon.site_id, channels=list(ALL_CHANNELS), register_from=coupon.issue_from,
                       register_to=REGISTER_UNTIL, quantity_limit=None if same else len(paper_codes),
                       fixed_code=coupon.paper_code if same else "")


async def _linkable(legacy_id: int) -> LegacyCoupon:
    coupon = await LegacyCoupon.get_or_none(id=legacy_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "legacy_id")
    if coupon.stage != MigrationStage.NONE:
        raise Refused.because("LEGACY_TARGET_LOCKED", "legacy_id")
    reason = ineligibility(coupon)
    if reason:
        raise Refused.because(reason, "legacy_id")
    return coupon


async def link_target(actor: Actor, legacy_id: int, coupon_id: int | None = None,
                      serial_id: int | None = None) -> LegacyCoupon:
    """Record an existing smart coupon (a MANUAL one, target of no other legacy coupon) or, for a
    paper coupon whose smart coupon is linked, a serial code rewarding that coupon. Only eligible
    coupons not yet requested. A new smart coupon unlinks the old serial (it rewards the old coupon)."""
    require_change_shop(actor)
    coupon = await _linkable(legacy_id)
    if (coupon_id is None) == (serial_id is None):
        raise Refused.because("REQUIRED", "coupon_id")
    before = {"target_coupon_id": coupon.target_coupon_id, "target_serial_id": coupon.target_serial_id}
    if coupon_id is not None:
        target = await Coupon.get_or_none(id=coupon_id)
        if target is None:
            raise Refused.because("NOT_FOUND", "coupon_id")
        if target.issue_method != IssueMethod.MANUAL:
            raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
        if await LegacyCoupon.filter(target_coupon_id=coupon_id).exclude(id=coupon.id).exists():
            raise Refused.because("LEGACY_TARGET_TAKEN", "coupon_id")
        if coupon.target_coupon_id != coupon_id:
            coupon.target_coupon_id, coupon.target_serial_id = coupon_id, None
    else:
        serial = await SerialCampaign.get_or_none(id=serial_id)
        if serial is None:
            raise Refused.because("NOT_FOUND", "serial_id")
        if coupon.kind != LegacyKind.PAPER or coupon.target_coupon_id is None or not await SerialReward.exists(
                campaign_id=serial_id, coupon_id=coupon.target_coupon_id):
            raise Refused.because("LEGACY_TARGET_WRONG_KIND", "serial_id")
        if await LegacyCoupon.filter(target_serial_id=serial_id).exclude(id=coupon.id).exists():
            raise Refused.because("LEGACY_TARGET_TAKEN", "serial_id")
        coupon.target_serial_id = serial_id
    try:
        await coupon.save(update_fields=["target_coupon_id", "target_serial_id", "updated_at"])
    except IntegrityError:  # linked elsewhere at the same moment
        raise Refused.because("LEGACY_TARGET_TAKEN", "coupon_id" if coupon_id else "serial_id") from None
    await record_change(actor, "legacy.link_target", coupon, before=before,
                        after={"target_coupon_id": coupon.target_coupon_id,
                               "target_serial_id": coupon.target_serial_id})
    return coupon


async def create_target_coupon(actor: Actor, legacy_id: int, data: CouponInput | None = None) -> Coupon:
    """Create the smart coupon (the prefill unless `data`, always MANUAL issue) and link it."""
    require_change_shop(actor)
    coupon = await _linkable(legacy_id)
    data = replace(data or coupon_prefill(coupon), issue_method=IssueMethod.MANUAL.value)
    target = await create_coupon(actor, data)
    await link_target(actor, legacy_id, coupon_id=target.id)
    return target


async def create_target_serial(actor: Actor, legacy_id: int, data: SerialInput | None = None) -> SerialCampaign:
    """Create the serial code of a paper coupon (the prefill unless `data`) and link it. A RANDOM
    serial gets the legacy paper serials as its codes, so unregistered printed ones still register;
    an operator who changes the type strands them (the form warns)."""
    require_change_shop(actor)
    coupon = await _linkable(legacy_id)
    if coupon.kind != LegacyKind.PAPER or coupon.target_coupon_id is None:
        raise Refused.because("LEGACY_TARGET_WRONG_KIND", "legacy_id")
    codes = await paper_serials(coupon.id)
    data = data or serial_prefill(coupon, codes)
    random_legacy = data.type == SerialType.RANDOM.value and coupon.paper_method == PaperMethod.RANDOM_SERIALS
    try:
        serial = await create_serial_campaign(actor, data, given_codes=codes if random_legacy else None)
    except Refused as refused:
        if refused.codes == ["IMPORT_CODE_TAKEN"]:
            raise Refused.because("LEGACY_CODE_TAKEN", "codes") from None
        raise
    await link_target(actor, legacy_id, serial_id=serial.id)
    return serial
