"""The campaigns screen's routes (web/campaigns.py), mounted by web/routes.py under /admin."""

from __future__ import annotations

from starlette.routing import Route

from web import campaign_messaging, campaigns


def campaign_routes() -> list[Route]:
    one = "/campaigns/{campaign_id:int}"
    return [
        Route("/campaigns", campaigns.campaign_list, name="campaigns"),
        Route("/campaigns/new", campaigns.campaign_new, methods=["GET", "POST"], name="campaign_new"),
        Route("/campaigns/preview", campaigns.campaign_preview, methods=["POST"], name="campaign_preview"),
        Route("/campaigns/members", campaigns.member_search, name="campaign_member_search"),
        Route("/campaigns/pick", campaigns.member_pick, methods=["POST"], name="campaign_member_pick"),
        Route("/campaigns/template", campaigns.template_save, methods=["POST"], name="campaign_template"),
        Route("/campaigns/credit", campaigns.credit_page, methods=["GET", "POST"], name="campaign_credit"),
        Route("/campaigns/compliance", campaigns.compliance_page, name="campaign_compliance"),
        Route("/campaigns/settings", campaign_messaging.settings_page, methods=["GET", "POST"],
              name="campaign_settings"),
        Route("/campaigns/opt-out", campaign_messaging.opt_out_page, name="campaign_opt_out"),
        Route("/campaigns/opt-out/members", campaign_messaging.opt_out_members, name="campaign_opt_out_members"),
        Route("/campaigns/opt-out/record", campaign_messaging.opt_out_record, methods=["POST"],
              name="campaign_opt_out_record"),
        Route(one, campaigns.campaign_detail, name="campaign"),
        Route(f"{one}/edit", campaigns.campaign_edit, methods=["GET", "POST"], name="campaign_edit"),
        Route(f"{one}/cancel", campaigns.campaign_cancel, methods=["POST"], name="campaign_cancel"),
    ]
