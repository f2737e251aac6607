"""Run in a subprocess by test_migrations.py (Tortoise's state is process-wide).

`stepwise URL`: applies the migrations one by one; after each, inserts that
step's seed rows (SEEDS) and records the row count of every table. Prints the
counts per step as JSON. Later migrations add their seed rows here, so every
table holds rows when the migrations after it run.

`pending`: prints the migrations `makemigrations` would write (none when the
models and the committed migrations agree).
"""

from __future__ import annotations

import asyncio
import json
import pkgutil
import sys

from tortoise import Tortoise, connections

import models.migrations
from kupon.db import migrate
from kupon.settings import is_postgres_url, tortoise_config

NOW = "2026-01-02 03:04:05+00:00"
SEEDS: dict[str, list[str]] = {
    "0001_initial": [
        f"INSERT INTO site (id, code, name, domain, created_at) VALUES (1, 'edu', '에듀', 'edu.kr', '{NOW}')",
        "INSERT INTO category (id, site_id, name, sort_order) VALUES (1, 1, '어학', 0)",
        "INSERT INTO product (id, site_id, category_id, code, name, kind, price, training_card_eligible, is_active, "
        f"created_at) VALUES (1, 1, 1, 'P1', '토익', 'COURSE', 189000, false, true, '{NOW}')",
        "INSERT INTO member (id, site_id, login_id, name, phone, email, grade, birthday, is_active, signed_up_at, "
        f"created_at, updated_at) VALUES (1, 1, 'kim001', '김민준', '010-1234-5678', 'k@example.com', 'VIP', "
        f"'1990-01-02', true, '{NOW}', '{NOW}', '{NOW}')",
        "INSERT INTO member_token (id, member_id, token_hash, label, created_at) "
        f"VALUES (1, 1, 'abc', 'app', '{NOW}')",
        "INSERT INTO operator (id, login_id, name, email, password_hash, role, is_active, created_at) "
        f"VALUES (1, 'admin', '관리자', '', 'x', 'OWNER', true, '{NOW}')",
        "INSERT INTO api_key (id, name, prefix, key_hash, scope, created_by_id, created_at) "
        f"VALUES (1, 'dash', 'p1', 'h', 'READ', 1, '{NOW}')",
        "INSERT INTO audit_entry (id, operator_id, actor_label, action, entity_type, entity_id, at) "
        f"VALUES (1, 1, 'operator:admin', 'member.update', 'Member', '1', '{NOW}')",
        "INSERT INTO job (id, kind, params, status, progress, total, error, attempts, created_at) "
        f"VALUES (1, 'members.export', '{{}}', 'SUCCEEDED', 1, 1, '', 1, '{NOW}')",
        f"INSERT INTO job_file (id, job_id, filename, content_type, data, created_at) "
        f"VALUES (1, 1, 'm.xlsx', 'x', {{blob}}, '{NOW}')",
    ],
    "0003_coupons_and_orders": [
        "INSERT INTO coupon (id, site_id, name, description, type, benefit, amount, percent, gift_name, target_scope, "
        "target_category_ids, target_product_ids, product_kinds, min_amount, channels, issued_count, used_count, "
        "issue_method, issue_weekdays, use_window, use_weekdays, display_weekdays, issue_status, use_status, "
        f"download_token, created_at, updated_at) VALUES (1, 1, '가입 축하', '', 'CART', 'FIXED', 3000, 0, '', 'ALL', "
        f"'[]', '[]', '[]', 0, 'APP,PC_WEB', 1, 1, 'CODE', '[]', 'UNLIMITED', '[]', '[]', 'ACTIVE', 'ACTIVE', 'tok1', "
        f"'{NOW}', '{NOW}')",
        f"INSERT INTO coupon_code (id, coupon_id, code, mode, member_id, created_at) "
        f"VALUES (1, 1, 'WELCOME2026', 'SHARED', 1, '{NOW}')",
        f"INSERT INTO shop_order (id, number, name, site_id, member_id, channel, status, list_total, subsidy, "
        f"coupon_discount, shipping_fee, shipping_discount, paid_amount, gifts, ordered_at) VALUES (1, '20260102-AB', "
        f"'토익', 1, 1, 'APP', 'PAID', 189000, 0, 3000, 0, 0, 186000, '[]', '{NOW}')",
        "INSERT INTO order_item (id, order_id, product_id, product_name, category_id, kind, quantity, unit_price, "
        "list_amount, discount, paid_amount, training_card) VALUES (1, 1, 1, '토익', 1, 'COURSE', 1, 189000, 189000, "
        "3000, 186000, false)",
        f"INSERT INTO member_coupon (id, coupon_id, member_id, status, issued_via, code_id, issued_at, order_id, "
        f"used_at) VALUES (1, 1, 1, 'USED', 'CODE', 1, '{NOW}', 1, '{NOW}')",
        "INSERT INTO order_coupon (id, order_id, member_coupon_id, discount) VALUES (1, 1, 1, 3000)",
        "INSERT INTO coupon_member_count (id, coupon_id, member_id, issued, used) VALUES (1, 1, 1, 1, 1)",
        f"INSERT INTO coupon_trigger (id, event, coupon_id, is_active, created_at) VALUES (1, 'SIGN_UP', 1, true, "
        f"'{NOW}')",
        "INSERT INTO shop_setting (key, value, updated_at) VALUES ('coupons_enabled', 'true', "
        f"'{NOW}')",
    ],
    "0005_serials_and_gift_cards": [
        "INSERT INTO serial_campaign (id, name, channels, member_grades, type, quantity_limit, registered_count, "
        "per_member_limit, code_prefix, code_pattern, code_length, status, created_at) VALUES (1, '종이쿠폰', "
        f"'APP', '[]', 'RANDOM', 2, 1, 1, '', '', 12, 'ACTIVE', '{NOW}')",
        "INSERT INTO serial_reward (id, campaign_id, coupon_id, quantity) VALUES (1, 1, 1, 1)",
        "INSERT INTO code (code, kind, serial_campaign_id, registrations, created_at) "
        f"VALUES ('ABCD2345EFGH', 'SERIAL', 1, 1, '{NOW}')",
        "INSERT INTO serial_registration (id, campaign_id, code_id, member_id, client_ip, registered_at) "
        f"VALUES (1, 1, 'ABCD2345EFGH', 1, '127.0.0.1', '{NOW}')",
        "INSERT INTO serial_member_count (id, campaign_id, member_id, registrations) VALUES (1, 1, 1, 1)",
        "INSERT INTO failed_registration (id, member_id, client_ip, reason, at) "
        f"VALUES (1, 1, '127.0.0.1', 'CODE_UNKNOWN', '{NOW}')",
        "INSERT INTO gift_card_campaign (id, name, value, code_prefix, code_pattern, code_length, max_uses, status, "
        f"created_at) VALUES (1, '설 선물', 100000, 'GC', '', 16, NULL, 'ACTIVE', '{NOW}')",
        "INSERT INTO gift_card (id, campaign_id, code, initial_value, balance, uses, status, created_at) "
        f"VALUES (1, 1, 'GCABCD2345EFGH', 100000, 90000, 1, 'ACTIVE', '{NOW}')",
        "INSERT INTO gift_card_redemption (id, card_id, code_text, order_id, amount, status, reason, source, at) "
        f"VALUES (1, 1, 'GCABCD2345EFGH', 1, 10000, 'SUCCEEDED', '', 'ORDER', '{NOW}')",
    ],
    "0006_notices": [
        "INSERT INTO notice (id, channel, event, payload, target, status, attempts, next_attempt_at, last_error, "
        "created_at, sent_at) VALUES (1, 'WEBHOOK', 'giftcard.redemption_failed', "
        """'{"reason": "GIFT_CARD_UNKNOWN"}', """
        f"'https://hooks.example.com/kupon', 'SENT', 1, NULL, '', '{NOW}', '{NOW}')",
    ],
    "0007_orders_shipping_refunds": [
        "INSERT INTO payment_record (id, order_id, method, amount, transaction_id, result_code, result_message, "
        "card_issuer, installment_months, paid_at, gateway_response) VALUES (1, 1, 'CARD', 186000, 'T1', '0000', "
        f"'승인', '신한', 0, '{NOW}', '{{}}')",
        "INSERT INTO carrier (id, code, name, tracking_url, is_active) VALUES (1, 'cj', 'CJ대한통운', "
        "'https://trace.example/{invoice}', true)",
        "INSERT INTO shipment (id, item_id, carrier_id, invoice_number, status, updated_at) "
        f"VALUES (1, 1, 1, '123456789012', 'SHIPPED', '{NOW}')",
        "INSERT INTO invoice_upload (id, carrier_id, target_status, filename, rows, status, created_at) "
        f"VALUES (1, 1, 'SHIPPED', 'invoices.xlsx', '[]', 'APPLIED', '{NOW}')",
        "INSERT INTO refund_request (id, order_id, item_ids, requested_at, requested_by, status, amount, "
        "refunded_amount, reason, method, bank, account_holder, memo, rejected_reason) VALUES (1, 1, '[1]', "
        f"'{NOW}', 'member:kim001', 'REQUESTED', 10000, 0, '', 'CARD_CANCEL', '', '', '', '')",
        "INSERT INTO member_message (id, member_id, template, payload, status, created_at) "
        f"VALUES (1, 1, 'refund.completed', '{{}}', 'PENDING', '{NOW}')",
        "INSERT INTO training_enrolment (id, item_id, course_id, cohort_year, cohort_round, status, trainee_name, "
        "resident_number, card_number, card_last4) VALUES (1, 1, 1, 2026, 1, 'APPLIED', '김민준', 'x', 'y', '1234')",
    ],
    "0008_segments_and_activity": [
        f"INSERT INTO member_visit (id, member_id, site_id, channel, at) VALUES (1, 1, 1, 'APP', '{NOW}')",
        "INSERT INTO point_entry (id, member_id, kind, amount, reason, at, external_id) "
        f"VALUES (1, 1, 'EARN', 500, '구매 적립', '{NOW}', 'p-1')",
        f"INSERT INTO member_tag (id, member_id, tag, tagged_at) VALUES (1, 1, '단골', '{NOW}')",
        "INSERT INTO grade_change (id, member_id, from_grade, to_grade, at) "
        f"VALUES (1, 1, 'BASIC', 'VIP', '{NOW}')",
        "INSERT INTO marketing_consent (id, member_id, channel, granted, changed_at, source) "
        f"VALUES (1, 1, 'SMS', true, '{NOW}', 'signup')",
        "INSERT INTO segment (id, name, description, kind, tree, size, computed_for, computed_at, is_deleted, "
        f"created_at, updated_at) VALUES (1, '신규', '', 'CUSTOM', '{{}}', 1, '2026-01-01', '{NOW}', false, "
        f"'{NOW}', '{NOW}')",
        "INSERT INTO segment_snapshot (id, segment_id, day, size, computed_at, tree) "
        f"VALUES (1, 1, '2026-01-01', 1, '{NOW}', '{{}}')",
        "INSERT INTO segment_member (id, segment_id, day, member_id) VALUES (1, 1, '2026-01-01', 1)",
        "INSERT INTO coupon_audience (id, coupon_id, segment_id) VALUES (1, 1, 1)",
        "INSERT INTO serial_audience (id, campaign_id, segment_id) VALUES (1, 1, 1)",
    ],
    "0009_legacy_coupons": [
        "INSERT INTO legacy_coupon (id, site_id, kind, number, name, description, benefit, issue_from, issue_to, "
        "issue_days, issue_status, paper_method, paper_code, issued_count, used_count, available_count, "
        "target_coupon_id, target_serial_id, stage, created_at, updated_at) VALUES (1, 1, 'PAPER', '55154614', "
        "'종이쿠폰', '', '1,000원 할인', NULL, NULL, 12, 'AVAILABLE', 'RANDOM_SERIALS', '', 1, 0, 1, 1, 1, "
        f"'REQUESTED', '{NOW}', '{NOW}')",
        "INSERT INTO legacy_record (id, legacy_coupon_id, row_key, member_login_id, member_id, code, issued_at, "
        "order_ref, member_coupon_id, moved_at, created_at) VALUES (1, 1, 'k1', 'kim001', 1, 'YVV0Q3IK', "
        f"'{NOW}', '', 1, '{NOW}', '{NOW}')",
        "INSERT INTO legacy_trigger (id, event, legacy_coupon_id, note, created_at) "
        f"VALUES (1, 'BIRTHDAY_ANNIVERSARY', "
        f"1, '', '{NOW}')",
        "INSERT INTO migration_application (id, applicant_name, applicant_email, applicant_phone, wished_date, "
        "consent, consented_at, status, moved_count, already_count, unmatched_count, submitted_by, created_at, "
        f"updated_at) VALUES (1, 'x', 'y', 'z', '2026-01-05', true, '{NOW}', 'SUBMITTED', 0, 0, 0, "
        f"'operator:admin', '{NOW}', '{NOW}')",
        "INSERT INTO migration_application_coupon (id, application_id, legacy_coupon_id) VALUES (1, 1, 1)",
    ],
    "0010_campaigns": [
        "INSERT INTO campaign (id, name, message_type, channel, fallback_to_sms, subject, text, coupon_block, targets, "
        "schedule, repeat_every_days, repeat_time, start_date, visited_within_days, skip_messaged_within_days, "
        "never_twice, performance_days, status, created_by_id, created_at, updated_at) VALUES (1, '신규 첫 구매', "
        "'ADVERTISING', 'FRIENDTALK', false, '', '첫 구매 쿠폰', 'null', '{\"segment_ids\": [1]}', 'REPEAT', 1, "
        f"'10:00', '2026-01-02', null, null, true, 7, 'SCHEDULED', 1, '{NOW}', '{NOW}')",
        "INSERT INTO campaign_run (id, campaign_id, scheduled_for, status, targets, excluded, sent, failed, "
        f"pause_reason) VALUES (1, 1, '{NOW}', 'DONE', 1, '{{}}', 1, 0, '')",
        "INSERT INTO campaign_message (id, run_id, campaign_id, member_id, channel, recipient, subject, text, status, "
        "reason, provider_message_id, price, attempts, queued_at, sent_at) VALUES (1, 1, 1, 1, 'FRIENDTALK', "
        f"'010-1234-5678', '', '(광고) 첫 구매 쿠폰', 'SENT', '', 'm-1', 15, 1, '{NOW}', '{NOW}')",
        f"INSERT INTO credit_entry (id, kind, amount, note, at) VALUES (1, 'TOP_UP', 10000, '충전', '{NOW}')",
        "INSERT INTO coupon_message_template (id, operator_id, channel, text, coupon_block, updated_at) "
        f"VALUES (1, 1, 'FRIENDTALK', '안녕하세요', '{{}}', '{NOW}')",
        f"INSERT INTO opt_out (id, member_id, channel, via, at) VALUES (1, 1, 'SMS', 'CALL_080', '{NOW}')",
        "INSERT INTO compliance_event (id, campaign_id, run_id, kind, reason, detail, at) "
        f"VALUES (1, 1, 1, 'RUN_DEFERRED', 'NIGHT_BAN', '{{}}', '{NOW}')",
    ],
}
SEQUENCED_TABLES = ["site", "category", "product", "member", "member_token", "operator", "api_key", "audit_entry",
                    "job", "job_file", "coupon", "coupon_code", "shop_order", "order_item", "member_coupon",
                    "order_coupon", "coupon_member_count", "coupon_trigger", "serial_campaign", "serial_reward",
                    "serial_registration", "serial_member_count", "failed_registration", "gift_card_campaign",
                    "gift_card", "gift_card_redemption", "payment_record", "carrier", "shipment", "invoice_upload",
                    "refund_request", "member_message", "training_enrolment", "notice", "member_visit",
                    "point_entry", "member_tag", "grade_change", "marketing_consent", "segment", "segment_snapshot",
                    "segment_member", "coupon_audience", "serial_audience",
                    "campaign", "campaign_run", "campaign_message", "credit_entry", "coupon_message_template",
                    "opt_out",
                    "compliance_event", "legacy_coupon", "legacy_record",
                    "legacy_trigger", "migration_application", "migration_application_coupon"]


def migration_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(models.migrations.__path__) if m.name[:4].isdigit())


async def table_counts(url: str) -> dict[str, int]:
    await Tortoise.init(config=tortoise_config(url))
    try:
        tables = [m._meta.db_table for m in Tortoise.apps["models"].values()]
        conn = connections.get("default")
        counts = {}
        for table in tables:
            try:
                _, rows = await conn.execute_query(f'SELECT COUNT(*) AS n FROM "{table}"')
            except Exception:
                continue  # not created yet at this step
            counts[table] = rows[0]["n"] if isinstance(rows[0], dict) else rows[0][0]
        return counts
    finally:
        await Tortoise.close_connections()


async def seed(url: str, statements: list[str]) -> None:
    blob = "'\\x01'::bytea" if is_postgres_url(url) else "X'01'"
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = connections.get("default")
        for statement in statements:
            await conn.execute_script(statement.replace("{blob}", blob))
        if is_postgres_url(url):  # explicit ids do not move the sequences
            existing = {row["tablename"] for row in
                        (await conn.execute_query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))[1]}
            for table in (t for t in SEQUENCED_TABLES if t in existing):
                await conn.execute_script(
                    f"""SELECT setval(pg_get_serial_sequence('"{table}"', 'id'), MAX(id)) FROM "{table}" """
                    "HAVING MAX(id) IS NOT NULL")
    finally:
        await Tortoise.close_connections()


async def stepwise(url: str) -> list[dict]:
    steps = []
    for name in migration_names():
        await migrate(url, target=f"models.{name}")
        if name in SEEDS:
            await seed(url, SEEDS[name])
        steps.append({"migration": name, "counts": await table_counts(url)})
    await migrate(url)  # and again: nothing pending, nothing changes
    steps.append({"migration": "again", "counts": await table_counts(url)})
    return steps


async def pending() -> list[str]:
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config, init_connections=False)
    try:
        apps = {label: dict(app) for label, app in config["apps"].items()}
        detector = MigrationAutodetector(Tortoise.apps, apps)
        return [writer.name for writer in await detector.changes()]
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    command = sys.argv[1]
    result = asyncio.run(stepwise(sys.argv[2]) if command == "stepwise" else pending())
    print(json.dumps(result))
