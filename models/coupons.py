"""Smart coupons (SPEC section 1): definitions, codes, member coupons, triggers and limits."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CouponType(StrEnum):
    PRODUCT = "PRODUCT"
    PRODUCT_STACKABLE = "PRODUCT_STACKABLE"
    CART = "CART"
    CART_STACKABLE = "CART_STACKABLE"
    SHIPPING = "SHIPPING"


class BenefitKind(StrEnum):
    FIXED = "FIXED"
    PERCENT = "PERCENT"
    FREE_SHIPPING = "FREE_SHIPPING"
    GIFT = "GIFT"


class TargetScope(StrEnum):
    ALL = "ALL"
    CATEGORIES = "CATEGORIES"
    PRODUCTS = "PRODUCTS"


class Channel(StrEnum):
    PC_WEB = "PC_WEB"
    MOBILE_WEB = "MOBILE_WEB"
    APP = "APP"


class IssueMethod(StrEnum):
    MANUAL = "MANUAL"
    AUTO = "AUTO"
    DOWNLOAD = "DOWNLOAD"
    CODE = "CODE"


class CodeMode(StrEnum):
    SHARED = "SHARED"
    INDIVIDUAL = "INDIVIDUAL"


class CouponStatus(StrEnum):
    WAITING = "WAITING"
    ACTIVE = "ACTIVE"
    STOPPED = "STOPPED"


class UseWindow(StrEnum):
    RANGE = "RANGE"
    UNLIMITED = "UNLIMITED"
    DAYS_AFTER_ISSUE = "DAYS_AFTER_ISSUE"


class MemberCouponStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    USED = "USED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class TriggerEvent(StrEnum):
    SIGN_UP = "SIGN_UP"
    FIRST_PURCHASE = "FIRST_PURCHASE"
    BIRTHDAY = "BIRTHDAY"
    GRADE_CHANGE = "GRADE_CHANGE"
    MEMBER_UPDATE = "MEMBER_UPDATE"


class Coupon(Model):
    """A coupon definition. Weekday lists hold 0 (Monday) to 6 (Sunday), an empty list means every day.
    Windows are UTC instants, None meaning open on that side."""

    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="coupons", null=True, on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    type = fields.CharEnumField(CouponType, max_length=20)
    benefit = fields.CharEnumField(BenefitKind, max_length=16)
    amount = fields.IntField(default=0)
    percent = fields.IntField(default=0)
    max_discount = fields.IntField(null=True)
    gift_name = fields.CharField(max_length=64, default="")
    target_scope = fields.CharEnumField(TargetScope, max_length=16, default=TargetScope.ALL)
    target_category_ids = fields.JSONField(default=list)
    target_product_ids = fields.JSONField(default=list)
    product_kinds = fields.JSONField(default=list)
    min_amount = fields.IntField(default=0)
    # Comma-joined Channel values ("APP,MOBILE_WEB,PC_WEB"): a plain column both databases filter alike.
    channels = fields.CharField(max_length=64, default="APP,MOBILE_WEB,PC_WEB")
    total_limit = fields.IntField(null=True)
    per_member_limit = fields.IntField(null=True)
    issued_count = fields.IntField(default=0)
    used_count = fields.IntField(default=0)
    issue_method = fields.CharEnumField(IssueMethod, max_length=16)
    code_mode = fields.CharEnumField(CodeMode, max_length=16, null=True)
    issue_from = fields.DatetimeField(null=True)
    issue_to = fields.DatetimeField(null=True)
    issue_weekdays = fields.JSONField(default=list)
    use_window = fields.CharEnumField(UseWindow, max_length=20, default=UseWindow.UNLIMITED)
    use_from = fields.DatetimeField(null=True)
    use_to = fields.DatetimeField(null=True)
    use_days_after_issue = fields.IntField(null=True)
    use_weekdays = fields.JSONField(default=list)
    display_from = fields.DatetimeField(null=True)
    display_to = fields.DatetimeField(null=True)
    display_weekdays = fields.JSONField(default=list)
    issue_status = fields.CharEnumField(CouponStatus, max_length=16, default=CouponStatus.WAITING)
    use_status = fields.CharEnumField(CouponStatus, max_length=16, default=CouponStatus.WAITING)
    download_token = fields.CharField(max_length=32, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "coupon"
        ordering = ["-id"]

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]


class CouponCode(Model):
    """A code members type in. SHARED: one row, once per member. INDIVIDUAL: one row per single-use code."""

    id = fields.IntField(primary_key=True)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="codes", on_delete=fields.CASCADE)
    code = fields.CharField(max_length=32, unique=True)
    mode = fields.CharEnumField(CodeMode, max_length=16)
    member = fields.ForeignKeyField("models.Member", related_name="coupon_codes", null=True,
                                    on_delete=fields.SET_NULL)
    given_at = fields.DatetimeField(null=True)
    registered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coupon_code"
        ordering = ["id"]


class MemberCoupon(Model):
    """One coupon in one member's wallet. `issue_key` makes event issuing idempotent
    (a sign-up coupon once, a birthday coupon once a year)."""

    id = fields.IntField(primary_key=True)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="member_coupons", on_delete=fields.RESTRICT)
    member = fields.ForeignKeyField("models.Member", related_name="coupons", on_delete=fields.RESTRICT)
    status = fields.CharEnumField(MemberCouponStatus, max_length=16, default=MemberCouponStatus.AVAILABLE)
    issued_via = fields.CharEnumField(IssueMethod, max_length=16)
    issue_key = fields.CharField(max_length=64, null=True)
    code = fields.ForeignKeyField("models.CouponCode", related_name="member_coupons", null=True,
                                  on_delete=fields.SET_NULL)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    order = fields.ForeignKeyField("models.Order", related_name="member_coupons", null=True,
                                   on_delete=fields.SET_NULL)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member_coupon"
        ordering = ["-id"]
        unique_together = (("coupon", "member", "issue_key"),)
        indexes = (("member_id", "status"),)


class CouponMemberCount(Model):
    """Per member and coupon: how many were issued and used, for per-member limits
    enforced with conditional updates (never read-then-write)."""

    id = fields.IntField(primary_key=True)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="member_counts", on_delete=fields.CASCADE)
    member = fields.ForeignKeyField("models.Member", related_name="coupon_counts", on_delete=fields.CASCADE)
    issued = fields.IntField(default=0)
    used = fields.IntField(default=0)

    class Meta:
        table = "coupon_member_count"
        unique_together = (("coupon", "member"),)


class CouponTrigger(Model):
    """AUTO issuing: when `event` happens to a member, issue `coupon`.

    A trigger carried over from a migrated legacy coupon (gql/resolvers/legacy_triggers.py) keeps the
    old system's event name in `legacy_event` and starts pointing at nothing (coupon NULL, inactive)
    until an operator re-points it. `event` is NULL for legacy events kupon does not raise itself."""

    id = fields.IntField(primary_key=True)
    event = fields.CharEnumField(TriggerEvent, max_length=20, null=True)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="triggers", null=True, on_delete=fields.CASCADE)
    is_active = fields.BooleanField(default=True)
    legacy_event = fields.CharField(max_length=32, default="", db_default="")
    legacy_trigger = fields.OneToOneField("models.LegacyTrigger", related_name="coupon_trigger", null=True,
                                          on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coupon_trigger"
        unique_together = (("event", "coupon"),)


class ShopSetting(Model):
    """Shop-wide switches, e.g. `coupons_enabled` (SPEC 1: coupons usable in checkout)."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shop_setting"
