"""Operator-facing names on the legacy migration screens, worded as seed 000's tables word them.
Templates translate them with `_(...)` where they are shown."""

from __future__ import annotations

from gql.resolvers.legacy import LegacyCondition, SmartCouponAction
from models.legacy import ApplicationStatus, LegacyEvent, LegacyIssueStatus, LegacyKind, PaperMethod
from web.coupon_labels import N_

KINDS = {LegacyKind.JACKPOT: N_("Jackpot"), LegacyKind.PAPER: N_("Paper")}  # 왕대박 / 紙종이 (table cells)
# The search form's radio buttons: value -> label ("" is every kind).
KIND_CHOICES = [("", N_("All coupons")), (LegacyKind.JACKPOT.value, N_("Jackpot coupons")),
                (LegacyKind.PAPER.value, N_("Paper coupons"))]
CONDITION_CHOICES = [(LegacyCondition.ALL.value, N_("All coupons")),
                     (LegacyCondition.ISSUABLE.value, N_("Issuable coupons")),
                     (LegacyCondition.CREATED.value, N_("Smart coupon created")),
                     (LegacyCondition.REQUESTED.value, N_("Smart coupon migration requested"))]
ISSUE_STATUSES = {LegacyIssueStatus.AVAILABLE: N_("Issuable"), LegacyIssueStatus.EXPIRED: N_("Issuance over")}
PAPER_METHODS = {PaperMethod.SAME_SERIAL: N_("Same serial for all"),
                 PaperMethod.RANDOM_SERIALS: N_("Random serials")}
# "발급내역 이전 가능 여부": X (reason).
INELIGIBLE = {"ISSUANCE_EXPIRED": N_("issuance expired"), "NO_ISSUE_HISTORY": N_("no issue history"),
              "NO_USABLE_COUPONS": N_("no usable coupons")}
# "스마트쿠폰": the two create actions are buttons, the others plain words.
ACTIONS = {SmartCouponAction.CANNOT_CREATE: N_("Cannot create"), SmartCouponAction.CREATE_COUPON: N_("Create coupon"),
           SmartCouponAction.CREATE_SERIAL: N_("Create serial"), SmartCouponAction.CREATED: N_("Smart coupon ready"),
           SmartCouponAction.REQUESTED: N_("Migration requested"), SmartCouponAction.MIGRATED: N_("History moved")}
APPLICATION_STATUSES = {ApplicationStatus.SUBMITTED: N_("Submitted"), ApplicationStatus.SCHEDULED: N_("Scheduled"),
                        ApplicationStatus.RUNNING: N_("Migrating"), ApplicationStatus.COMPLETED: N_("Migration done"),
                        ApplicationStatus.CANCELLED: N_("Application cancelled")}
# The old system's menus, as seed 000's table of automatic-issue settings names them.
EVENTS = {LegacyEvent.REFERRAL: N_("Coupon for entering a referrer"),
          LegacyEvent.GRADE_CHANGE: N_("Automatic registration by member group"),
          LegacyEvent.BIRTHDAY_ANNIVERSARY: N_("Birthday / anniversary event"),
          LegacyEvent.MEMBER_UPDATE: N_("Member information update event"),
          LegacyEvent.LIFETIME_MEMBERSHIP: N_("Lifetime membership"),
          LegacyEvent.ATTENDANCE: N_("Attendance check"),
          LegacyEvent.CART_TARGET_MESSAGE: N_("Cart target message (CTM)"),
          LegacyEvent.RETURN_MEMBERSHIP: N_("Return membership (RM)"),
          LegacyEvent.REVIEW_REWARD: N_("Power review reward"),
          LegacyEvent.APP_LOGIN: N_("Coupon on app login"),
          LegacyEvent.HIDDEN_ICON_EVENT: N_("Hidden icon event")}
LABELS = {"kinds": KINDS, "kind_choices": KIND_CHOICES, "condition_choices": CONDITION_CHOICES,
          "issue_statuses": ISSUE_STATUSES, "paper_methods": PAPER_METHODS, "ineligible": INELIGIBLE,
          "actions": ACTIONS, "application_statuses": APPLICATION_STATUSES, "events": EVENTS}
