"""Operator-facing names of the coupon enums, shared by the coupon and member screens.

The English names are marked with `N_` so Babel extracts them; templates
translate them at render time with `_(labels[value])`, in the operator's language.
"""

from __future__ import annotations

from gql.resolvers.coupons import PeriodStatus
from models.catalog import ProductKind
from models.coupons import (
    BenefitKind,
    Channel,
    CodeMode,
    CouponStatus,
    CouponType,
    IssueMethod,
    MemberCouponStatus,
    TargetScope,
    TriggerEvent,
    UseWindow,
)


def N_(message: str) -> str:
    """Marks a string for extraction only; it is translated where it is shown."""
    return message


LABELS: dict[str, str] = {
    CouponType.PRODUCT: N_("Product coupon"),
    CouponType.PRODUCT_STACKABLE: N_("Product coupon (stackable)"),
    CouponType.CART: N_("Cart coupon"),
    CouponType.CART_STACKABLE: N_("Cart coupon (stackable)"),
    CouponType.SHIPPING: N_("Shipping coupon"),
    BenefitKind.FIXED: N_("Fixed amount"),
    BenefitKind.PERCENT: N_("Percent"),
    BenefitKind.FREE_SHIPPING: N_("Free shipping"),
    BenefitKind.GIFT: N_("Gift"),
    TargetScope.ALL: N_("All products"),
    TargetScope.CATEGORIES: N_("Chosen categories"),
    TargetScope.PRODUCTS: N_("Chosen products"),
    Channel.PC_WEB: N_("PC web"),
    Channel.MOBILE_WEB: N_("Mobile web"),
    Channel.APP: N_("Mobile app"),
    IssueMethod.MANUAL: N_("Manual"),
    IssueMethod.AUTO: N_("Automatic"),
    IssueMethod.DOWNLOAD: N_("Download"),
    IssueMethod.CODE: N_("Coupon code"),
    CodeMode.SHARED: N_("Shared code"),
    CodeMode.INDIVIDUAL: N_("Individual codes"),
    CouponStatus.WAITING: N_("Waiting"),
    CouponStatus.ACTIVE: N_("Active"),
    CouponStatus.STOPPED: N_("Stopped"),
    UseWindow.RANGE: N_("Set period"),
    UseWindow.UNLIMITED: N_("Unlimited"),
    UseWindow.DAYS_AFTER_ISSUE: N_("Days after issue"),
    MemberCouponStatus.AVAILABLE: N_("Available"),
    MemberCouponStatus.USED: N_("Used"),
    MemberCouponStatus.EXPIRED: N_("Expired"),
    MemberCouponStatus.REVOKED: N_("Taken back"),
    TriggerEvent.SIGN_UP: N_("Sign-up"),
    TriggerEvent.FIRST_PURCHASE: N_("First purchase"),
    TriggerEvent.BIRTHDAY: N_("Birthday"),
    TriggerEvent.GRADE_CHANGE: N_("Grade change"),
    TriggerEvent.MEMBER_UPDATE: N_("Member info update"),
    PeriodStatus.UPCOMING: N_("Upcoming"),
    PeriodStatus.RUNNING: N_("Running"),
    PeriodStatus.CLOSED: N_("Closed"),
    ProductKind.COURSE: N_("Course"),
    ProductKind.BOOK: N_("Book"),
    ProductKind.FREE_PASS: N_("Free pass"),
    ProductKind.EXTENSION: N_("Extension"),
}

# 0 = Monday, as the coupon's weekday lists store them.
WEEKDAYS: list[tuple[int, str]] = [(0, N_("Mon")), (1, N_("Tue")), (2, N_("Wed")), (3, N_("Thu")),
                                   (4, N_("Fri")), (5, N_("Sat")), (6, N_("Sun"))]
