"""The console's URL map, mounted at /admin."""

from __future__ import annotations

from starlette.routing import Route

from web import (
    access,
    audit,
    auth,
    code_transfer,
    codes_media,
    coupon_detail,
    coupons,
    giftcard_lookup,
    giftcards,
    home,
    jobs,
    legacy,
    legacy_applications,
    legacy_targets,
    legacy_triggers,
    member_activity,
    members,
    orders,
    refunds,
    segments,
    serials,
    shipping,
    stats,
    training,
)
from web.campaign_routes import campaign_routes


def console_routes() -> list[Route]:
    return [
        Route("/", home.home, name="home"),
        Route("/login", auth.login, methods=["GET", "POST"], name="login"),
        Route("/logout", auth.logout, methods=["POST"], name="logout"),
        Route("/language", auth.choose_language, methods=["POST"], name="language"),
        Route("/members", members.member_list, name="members"),
        Route("/members/export", members.member_export, methods=["POST"], name="member_export"),
        Route("/members/activity-import", member_activity.activity_import_page, methods=["GET", "POST"],
              name="member_activity_import"),
        Route("/members/activity-import/{job_id:int}", member_activity.activity_import_report,
              name="member_activity_import_report"),
        Route("/members/{member_id:int}", members.member_detail, name="member"),
        Route("/members/{member_id:int}/edit", members.member_edit, methods=["GET", "POST"], name="member_edit"),
        Route("/members/{member_id:int}/coupons", members.member_coupon_list, name="member_coupons"),
        *coupon_routes(),
        *serial_routes(),
        *giftcard_routes(),
        *refund_routes(),
        *order_routes(),
        *shipping_routes(),
        *stats_routes(),
        *segment_routes(),
        *legacy_routes(),
        *campaign_routes(),
        Route("/audit", audit.audit_list, name="audit"),
        Route("/jobs/{job_id:int}/progress", jobs.job_progress, name="job_progress"),
        Route("/jobs/{job_id:int}/download", jobs.job_download, name="job_download"),
        Route("/settings/api-keys", access.api_keys, name="api_keys"),
        Route("/settings/api-keys/new", access.api_key_create, methods=["POST"], name="api_key_create"),
        Route("/settings/api-keys/{key_id:int}/revoke", access.api_key_revoke, methods=["POST"],
              name="api_key_revoke"),
        Route("/giftcards/cards/{card_id:int}/qr.{image:str}", codes_media.gift_card_qr, name="giftcard_qr"),
        Route("/serials/codes/{code:str}/qr.{image:str}", codes_media.serial_code_qr, name="serial_code_qr"),
        Route("/{domain:str}", home.domain_not_built, name="domain"),
    ]


def coupon_routes() -> list[Route]:
    """The coupons screen: list and form (web/coupons.py), one coupon's page and its sections
    (web/coupon_detail.py)."""
    one = "/coupons/{coupon_id:int}"
    return [
        Route("/coupons", coupons.coupon_list, name="coupons"),
        Route("/coupons/switch", coupons.coupons_switch, methods=["POST"], name="coupons_switch"),
        Route("/coupons/new", coupons.coupon_new, methods=["GET", "POST"], name="coupon_new"),
        Route(one, coupon_detail.coupon_detail, name="coupon"),
        Route(f"{one}/edit", coupons.coupon_edit, methods=["GET", "POST"], name="coupon_edit"),
        Route(f"{one}/copy", coupons.coupon_copy, methods=["POST"], name="coupon_copy"),
        Route(f"{one}/status", coupons.coupon_status, methods=["POST"], name="coupon_status"),
        Route(f"{one}/stats", coupon_detail.coupon_stats, name="coupon_stats"),
        Route(f"{one}/member-coupons", coupon_detail.coupon_holders, name="coupon_holders"),
        Route(f"{one}/member-search", coupon_detail.member_search, name="coupon_member_search"),
        Route(f"{one}/issue", coupon_detail.coupon_issue, methods=["POST"], name="coupon_issue"),
        Route(f"{one}/codes", coupon_detail.code_list, name="coupon_codes"),
        Route(f"{one}/codes/generate", coupon_detail.code_generate, methods=["POST"], name="coupon_codes_generate"),
        Route(f"{one}/codes/{{code_id:int}}/give", coupon_detail.code_give, methods=["GET", "POST"],
              name="coupon_code_give"),
        Route(f"{one}/triggers", coupon_detail.trigger_set, methods=["POST"], name="coupon_triggers"),
        Route("/member-coupons/{member_coupon_id:int}/revoke", coupon_detail.member_coupon_revoke,
              methods=["POST"], name="member_coupon_revoke"),
    ]


def serial_routes() -> list[Route]:
    """The serial codes screen (web/serials.py): list, form, one campaign's page and its sections;
    importing and exporting its codes (web/code_transfer.py)."""
    one = "/serials/{campaign_id:int}"
    return [
        Route("/serials", serials.serial_list, name="serials"),
        Route("/serials/new", serials.serial_new, methods=["GET", "POST"], name="serial_new"),
        Route(one, serials.serial_detail, name="serial"),
        Route(f"{one}/edit", serials.serial_edit, methods=["GET", "POST"], name="serial_edit"),
        Route(f"{one}/stats", serials.serial_stats, name="serial_stats"),
        Route(f"{one}/codes", serials.serial_codes, name="serial_codes"),
        Route(f"{one}/codes/add", serials.serial_codes_add, methods=["POST"], name="serial_codes_add"),
        Route(f"{one}/codes/import", code_transfer.serial_codes_import, methods=["POST"], name="serial_codes_import"),
        Route(f"{one}/codes/export", code_transfer.serial_codes_export, methods=["POST"], name="serial_codes_export"),
    ]


def giftcard_routes() -> list[Route]:
    """The gift cards screen: campaigns and their cards (web/giftcards.py); looking a card up,
    counter redemptions and the redemption history (web/giftcard_lookup.py); importing and
    exporting cards (web/code_transfer.py)."""
    one = "/giftcards/{campaign_id:int}"
    return [
        Route("/giftcards", giftcards.campaign_list, name="giftcards"),
        Route("/giftcards/new", giftcards.campaign_new, methods=["GET", "POST"], name="giftcard_new"),
        Route("/giftcards/lookup", giftcard_lookup.card_lookup, name="giftcard_lookup"),
        Route("/giftcards/redeem", giftcard_lookup.card_redeem, methods=["POST"], name="giftcard_redeem"),
        Route("/giftcards/redemptions", giftcard_lookup.redemption_list, name="giftcard_redemptions"),
        Route("/giftcards/cards/{card_id:int}/send", giftcard_lookup.card_send, methods=["POST"],
              name="giftcard_send"),
        Route(one, giftcards.campaign_detail, name="giftcard"),
        Route(f"{one}/balance", giftcards.campaign_balance, name="giftcard_balance"),
        Route(f"{one}/status", giftcards.campaign_status, methods=["POST"], name="giftcard_status"),
        Route(f"{one}/cards", giftcards.card_list, name="giftcard_cards"),
        Route(f"{one}/cards/add", giftcards.cards_add, methods=["POST"], name="giftcard_cards_add"),
        Route(f"{one}/cards/import", code_transfer.gift_cards_import, methods=["POST"], name="giftcard_cards_import"),
        Route(f"{one}/cards/export", code_transfer.gift_cards_export, methods=["POST"], name="giftcard_cards_export"),
        Route(f"{one}/cards/{{card_id:int}}/status", giftcards.card_status, methods=["POST"],
              name="giftcard_card_status"),
        Route(f"{one}/redemptions", giftcards.campaign_redemptions, name="giftcard_campaign_redemptions"),
    ]


def refund_routes() -> list[Route]:
    """The refunds screen (web/refunds.py): list, export, one refund with its estimate, complete, reject;
    the training-card orders screen (web/training.py): enrolments and approving a selection."""
    one = "/refunds/{refund_id:int}"
    return [
        Route("/refunds", refunds.refund_list, name="refunds"),
        Route("/refunds/export", refunds.refund_export, methods=["POST"], name="refund_export"),
        Route(one, refunds.refund_detail, name="refund"),
        Route(f"{one}/estimate", refunds.refund_estimate, name="refund_estimate"),
        Route(f"{one}/complete", refunds.refund_complete, methods=["POST"], name="refund_complete"),
        Route(f"{one}/reject", refunds.refund_reject, methods=["POST"], name="refund_reject"),
        Route("/training", training.enrolment_list, name="training"),
        Route("/training/approve", training.enrolment_approve, methods=["POST"], name="training_approve"),
    ]


def shipping_routes() -> list[Route]:
    """The shipping screen (web/shipping.py): shipments and their status, carriers, bulk invoice uploads."""
    upload = "/shipping/invoices/{upload_id:int}"
    return [
        Route("/shipping", shipping.shipment_list, name="shipping"),
        Route("/shipping/status", shipping.shipment_status, methods=["POST"], name="shipping_status"),
        Route("/shipping/export", shipping.shipment_export, name="shipping_export"),
        Route("/shipping/carriers", shipping.carrier_list, name="carriers"),
        Route("/shipping/carriers/new", shipping.carrier_create, methods=["POST"], name="carrier_new"),
        Route("/shipping/carriers/{carrier_id:int}", shipping.carrier_edit, methods=["POST"], name="carrier_edit"),
        Route("/shipping/invoices", shipping.invoice_upload, methods=["GET", "POST"], name="invoice_upload"),
        Route(upload, shipping.invoice_upload_detail, name="invoice_upload_detail"),
        Route(f"{upload}/decide", shipping.invoice_upload_decide, methods=["POST"], name="invoice_upload_decide"),
    ]


def order_routes() -> list[Route]:
    """The orders screen (web/orders.py): list, export, one order, its print page and actions."""
    one = "/orders/{order_id:int}"
    return [
        Route("/orders", orders.order_list, name="orders"),
        Route("/orders/export", orders.order_export, methods=["POST"], name="order_export"),
        Route(one, orders.order_detail, name="order"),
        Route(f"{one}/print", orders.order_print, name="order_print"),
        Route(f"{one}/confirm-deposit", orders.order_confirm_deposit, methods=["POST"], name="order_confirm_deposit"),
        Route(f"{one}/cancel", orders.order_cancel, methods=["POST"], name="order_cancel"),
        Route(f"{one}/items/{{item_id:int}}/refund", orders.order_item_refund, methods=["POST"],
              name="order_item_refund"),
    ]


def stats_routes() -> list[Route]:
    """The statistics screen (web/stats.py): daily, monthly and per-product sales, and their export."""
    return [
        Route("/stats", stats.daily_stats, name="stats"),
        Route("/stats/monthly", stats.monthly_stats, name="stats_monthly"),
        Route("/stats/products", stats.product_stats, name="stats_products"),
        Route("/stats/export", stats.stats_export, methods=["POST"], name="stats_export"),
    ]


def segment_routes() -> list[Route]:
    """The segments screen (web/segments.py): list, editor with its builder and live count, one
    segment's page and its sections (summary, members as of a day), recompute, issue a coupon to its
    members, export them, and delete."""
    one = "/segments/{segment_id:int}"
    return [
        Route("/segments", segments.segment_list, name="segments"),
        Route("/segments/new", segments.segment_new, methods=["GET", "POST"], name="segment_new"),
        Route("/segments/builder", segments.segment_builder, methods=["POST"], name="segment_builder"),
        Route("/segments/preview", segments.segment_preview, methods=["POST"], name="segment_preview"),
        Route(one, segments.segment_detail, name="segment"),
        Route(f"{one}/edit", segments.segment_edit, methods=["GET", "POST"], name="segment_edit"),
        Route(f"{one}/summary", segments.segment_summary, name="segment_summary"),
        Route(f"{one}/members", segments.segment_members, name="segment_members"),
        Route(f"{one}/recompute", segments.segment_recompute, methods=["POST"], name="segment_recompute"),
        Route(f"{one}/issue", segments.segment_issue, methods=["GET", "POST"], name="segment_issue"),
        Route(f"{one}/export", segments.segment_export, methods=["GET", "POST"], name="segment_export"),
        Route(f"{one}/delete", segments.segment_delete, methods=["POST"], name="segment_delete"),
    ]


def legacy_routes() -> list[Route]:
    """Legacy coupon migration (seed 000): search, request, import, targets, applications, triggers."""
    one = "/migration/{legacy_id:int}"
    app = "/migration/applications/{application_id:int}"
    return [
        Route("/migration", legacy.legacy_search, name="migration"),
        Route("/migration/request", legacy.legacy_request, methods=["POST"], name="legacy_request"),
        Route("/migration/import", legacy.legacy_import_page, methods=["GET", "POST"], name="legacy_import"),
        Route("/migration/applications", legacy_applications.application_list, name="legacy_applications"),
        Route("/migration/applications/new", legacy_applications.application_submit, methods=["POST"],
              name="legacy_application_new"),
        Route(app, legacy_applications.application_detail, name="legacy_application"),
        Route(f"{app}/schedule", legacy_applications.application_schedule, methods=["POST"],
              name="legacy_application_schedule"),
        Route(f"{app}/cancel", legacy_applications.application_cancel, methods=["POST"],
              name="legacy_application_cancel"),
        Route(f"{app}/run", legacy_applications.application_run, methods=["POST"], name="legacy_application_run"),
        Route("/migration/triggers", legacy_triggers.trigger_list, name="legacy_triggers"),
        Route("/migration/triggers/{trigger_id:int}/repoint", legacy_triggers.trigger_repoint, methods=["POST"],
              name="legacy_trigger_repoint"),
        Route(one, legacy.legacy_detail, name="legacy_coupon"),
        Route(f"{one}/records", legacy.legacy_records, name="legacy_records"),
        Route(f"{one}/coupon", legacy_targets.target_coupon, methods=["GET", "POST"], name="legacy_target_coupon"),
        Route(f"{one}/serial", legacy_targets.target_serial, methods=["GET", "POST"], name="legacy_target_serial"),
    ]
