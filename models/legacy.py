"""Legacy coupons from an older coupon system and their migration (SPEC section 3, seed 000).

What migrates is the history: each LegacyRecord (one coupon issued to one member, maybe used)
becomes at most one MemberCoupon of the legacy coupon's target smart coupon. The one-to-one
`LegacyRecord.member_coupon` makes that exactly-once in the database itself, whatever a run does.

Counts on LegacyCoupon are stored, recomputed from the records by every import (records only
change through imports, and a run does not change the history), so eligibility and the search
filters read plain columns.

A PAPER coupon's record may have no member: a printed serial nobody registered yet. It counts in
no figure but its code becomes one of the target serial's codes, so it still registers later.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.fields import EncryptedTextField


class LegacyKind(StrEnum):
    JACKPOT = "JACKPOT"  # 왕대박 쿠폰: online coupons issued to members
    PAPER = "PAPER"  # 紙 종이쿠폰: printed serials


class LegacyIssueStatus(StrEnum):
    AVAILABLE = "AVAILABLE"  # 발급 가능
    EXPIRED = "EXPIRED"  # 만료


class PaperMethod(StrEnum):
    SAME_SERIAL = "SAME_SERIAL"  # 동일한 쿠폰 시리얼: one code printed for everyone
    RANDOM_SERIALS = "RANDOM_SERIALS"  # 랜덤한 쿠폰 시리얼: one code per printed coupon


class MigrationStage(StrEnum):
    NONE = "NONE"
    REQUESTED = "REQUESTED"  # 이전신청 완료
    MIGRATED = "MIGRATED"  # 내역이전 완료


class LegacyEvent(StrEnum):
    """The old system's automatic-issue settings (seed 000's table of menus)."""

    REFERRAL = "REFERRAL"  # 추천인 기입시 쿠폰 발급
    GRADE_CHANGE = "GRADE_CHANGE"  # 그룹별 자동 등록 설정
    BIRTHDAY_ANNIVERSARY = "BIRTHDAY_ANNIVERSARY"  # 생일/기념일 축하 이벤트
    MEMBER_UPDATE = "MEMBER_UPDATE"  # 회원정보 수정 이벤트
    LIFETIME_MEMBERSHIP = "LIFETIME_MEMBERSHIP"  # 평생 회원 가입 서비스
    ATTENDANCE = "ATTENDANCE"  # 출석체크 서비스
    CART_TARGET_MESSAGE = "CART_TARGET_MESSAGE"  # 카트 타겟 메시지(CTM)
    RETURN_MEMBERSHIP = "RETURN_MEMBERSHIP"  # 리턴 멤버쉽(RM)
    REVIEW_REWARD = "REVIEW_REWARD"  # 파워리뷰 혜택
    APP_LOGIN = "APP_LOGIN"  # 파워앱 로그인 시 쿠폰 발급
    HIDDEN_ICON_EVENT = "HIDDEN_ICON_EVENT"  # 숨은 아이콘 찾기 이벤트


class ApplicationStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class LegacyCoupon(Model):
    """A coupon of the old system. Issue period: issue_from/issue_to (UTC instants), or issue_days
    for "N days after issue". Paper coupons carry their issue method (and SAME_SERIAL its code)."""

    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="legacy_coupons", null=True,
                                  on_delete=fields.RESTRICT)
    kind = fields.CharEnumField(LegacyKind, max_length=16)
    number = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    benefit = fields.CharField(max_length=200, default="")
    issue_from = fields.DatetimeField(null=True)
    issue_to = fields.DatetimeField(null=True)
    issue_days = fields.IntField(null=True)
    display_from = fields.DatetimeField(null=True)
    display_to = fields.DatetimeField(null=True)
    issue_status = fields.CharEnumField(LegacyIssueStatus, max_length=16)
    paper_method = fields.CharEnumField(PaperMethod, max_length=16, null=True)
    paper_code = fields.CharField(max_length=40, default="")
    issued_count = fields.IntField(default=0)
    used_count = fields.IntField(default=0)
    available_count = fields.IntField(default=0)
    # One-to-one: a smart coupon (or serial) is the target of one legacy coupon at most.
    target_coupon = fields.OneToOneField("models.Coupon", related_name="legacy_source", null=True,
                                         on_delete=fields.RESTRICT)
    target_serial = fields.OneToOneField("models.SerialCampaign", related_name="legacy_source", null=True,
                                         on_delete=fields.RESTRICT)
    stage = fields.CharEnumField(MigrationStage, max_length=16, default=MigrationStage.NONE)
    requested_at = fields.DatetimeField(null=True)
    migrated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "legacy_coupon"
        ordering = ["-id"]
        indexes = (("kind", "stage"),)


class LegacyRecord(Model):
    """One issue (and maybe use) of a legacy coupon. `row_key` identifies the row of the export
    (the old system's record id when the file has one, else coupon, login id, code and issue time),
    so importing the same file again inserts nothing. `member` is matched by login id at import
    (null: unmatched, kept). `member_coupon` is set by the run, once."""

    id = fields.IntField(primary_key=True)
    legacy_coupon = fields.ForeignKeyField("models.LegacyCoupon", related_name="records",
                                           on_delete=fields.RESTRICT)
    row_key = fields.CharField(max_length=40, unique=True)
    member_login_id = fields.CharField(max_length=64, default="")
    member = fields.ForeignKeyField("models.Member", related_name="legacy_records", null=True,
                                    on_delete=fields.SET_NULL)
    code = fields.CharField(max_length=40, default="")
    issued_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    order_ref = fields.CharField(max_length=64, default="")
    member_coupon = fields.OneToOneField("models.MemberCoupon", related_name="legacy_record", null=True,
                                         on_delete=fields.RESTRICT)
    moved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "legacy_record"
        ordering = ["id"]
        indexes = (("legacy_coupon_id", "moved_at"), ("legacy_coupon_id", "member_id"), ("member_login_id",),
                   ("code",))


class LegacyTrigger(Model):
    """An automatic-issue setting of the old system: when `event` happens, issue `legacy_coupon`."""

    id = fields.IntField(primary_key=True)
    event = fields.CharEnumField(LegacyEvent, max_length=32)
    legacy_coupon = fields.ForeignKeyField("models.LegacyCoupon", related_name="triggers",
                                           on_delete=fields.CASCADE)
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "legacy_trigger"
        ordering = ["id"]
        unique_together = (("event", "legacy_coupon"),)


class MigrationApplication(Model):
    """신청서: who asked for the migration of the coupons REQUESTED when it was submitted.
    Name, e-mail and phone are encrypted and erased ("" and erased_at) on completion or cancel."""

    id = fields.IntField(primary_key=True)
    applicant_name = EncryptedTextField(default="")
    applicant_email = EncryptedTextField(default="")
    applicant_phone = EncryptedTextField(default="")
    wished_date = fields.DateField()
    consent = fields.BooleanField(default=False)
    consented_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(ApplicationStatus, max_length=16, default=ApplicationStatus.SUBMITTED)
    scheduled_at = fields.DatetimeField(null=True)
    job = fields.ForeignKeyField("models.Job", related_name="migration_applications", null=True,
                                 on_delete=fields.SET_NULL)
    moved_count = fields.IntField(default=0)
    already_count = fields.IntField(default=0)
    unmatched_count = fields.IntField(default=0)
    submitted_by = fields.CharField(max_length=100, default="")
    erased_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "migration_application"
        ordering = ["-id"]
        indexes = (("status", "scheduled_at"),)


class ApplicationCoupon(Model):
    """Which legacy coupons an application covers."""

    id = fields.IntField(primary_key=True)
    application = fields.ForeignKeyField("models.MigrationApplication", related_name="coupons",
                                         on_delete=fields.CASCADE)
    legacy_coupon = fields.ForeignKeyField("models.LegacyCoupon", related_name="applications",
                                           on_delete=fields.RESTRICT)

    class Meta:
        table = "migration_application_coupon"
        unique_together = (("application", "legacy_coupon"),)
