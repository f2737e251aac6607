"""Operator-facing names of the campaign enums (marked with N_ for Babel, translated in templates)."""

from __future__ import annotations

from web.coupon_labels import N_

LABELS = {
    "type_labels": {"ADVERTISING": N_("Advertising"), "INFORMATIONAL": N_("Informational")},
    "channel_labels": {"FRIENDTALK": N_("Kakao friendtalk"), "ALIMTALK": N_("Kakao alimtalk"),
                       "SMS": N_("SMS/LMS"), "EMAIL": N_("E-mail"), "LMS": N_("LMS")},
    "schedule_labels": {"NOW": N_("Send now"), "RESERVED": N_("Reserve a time"), "REPEAT": N_("Repeat")},
    "status_labels": {"DRAFT": N_("Draft"), "SCHEDULED": N_("Scheduled"), "RUNNING": N_("Sending"),
                      "PAUSED": N_("Paused"), "DONE": N_("Done"), "CANCELLED": N_("Cancelled")},
    "run_labels": {"PLANNED": N_("Planned"), "SENDING": N_("Sending"), "DEFERRED": N_("Deferred to 08:00"),
                   "PAUSED": N_("Paused"), "DONE": N_("Done"), "CANCELLED": N_("Cancelled")},
    "validity_labels": {"SAME_DAY": N_("Same day"), "DAYS_3": N_("3 days"), "DAYS_7": N_("7 days"),
                        "DAYS_30": N_("30 days"), "DAYS_90": N_("90 days"), "DAYS_365": N_("365 days")},
    "block_labels": {"PERCENT": N_("Percent discount"), "WON": N_("Won discount"), "GIFT": N_("Gift")},
    "group_labels": {"REGULARS": N_("Regulars"), "ALMOST_REGULARS": N_("Almost regulars"),
                     "FIRST_EARNING": N_("First earning")},
    "grade_labels": {"BASIC": N_("Basic"), "SILVER": N_("Silver"), "GOLD": N_("Gold"), "VIP": N_("VIP")},
    "credit_labels": {"TOP_UP": N_("Top-up"), "CHARGE": N_("Charge"), "REFUND": N_("Refund")},
    "event_labels": {"RESERVATION_REFUSED": N_("Reservation refused"), "RUN_DEFERRED": N_("Run deferred"),
                     "RUN_PAUSED": N_("Run paused"), "RUN_REFUSED": N_("Run refused"),
                     "CONSENT_NOTICE_QUEUED": N_("Consent notice queued")},
}
